/** `exprag tree` and lineage_tree: the lineage of the selected runs, nested. */
import { codeChangeMeasure } from "../git/code-size";
import { lineageTree, type TreeRequest } from "../loop/tree";
import type { AnswerContext } from "./context";

export function answerTree(request: TreeRequest, { store, cwd, env, warn }: AnswerContext) {
  return { data: lineageTree(store, request, warn, codeChangeMeasure(cwd, env, store)) };
}
