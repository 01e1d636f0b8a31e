/** `exprag tree` and lineage_tree: the lineage of the selected runs, nested. */
import { lineageTree, type TreeRequest } from "../loop/tree";
import type { AnswerContext } from "./context";

export function answerTree(request: TreeRequest, { store, warn }: AnswerContext) {
  return { data: lineageTree(store, request, warn) };
}
