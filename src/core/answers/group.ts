/** `exprag best --group-by`, `exprag ls --group-by` and group_runs: runs grouped, groups ranked by mean. */
import { groupBest, groupListing } from "../loop/groups";
import type { AnswerContext } from "./context";

export function answerBestGroups(request: Parameters<typeof groupBest>[1], { store, warn }: AnswerContext) {
  return { data: groupBest(store, request, warn) };
}

export function answerListGroups(request: Parameters<typeof groupListing>[1], { store, warn }: AnswerContext) {
  return { data: groupListing(store, request, warn) };
}
