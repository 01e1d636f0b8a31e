/** The stop rules' quiet lines: a live run skips a line whose numbers leave every rule false, and still stops where checking every record would. */
import { describe, expect, test } from "bun:test";
import { seededRandom } from "../../seeded-random";
import { damaged, hostileValue } from "../run/hostile-records";
import { liveStop } from "./live-stop";

describe("a live run's rules: a line whose numbers leave every rule false is not read again", () => {
  const hostile = [
    '{"step": 1, "metrics": {"loss": 0.5, "acc": 0.1}}',
    '{"metrics": {"loss": 1e-7}}',
    '{"metrics": {"loss": 6e0}}',
    '{"metrics": {"loss": 4.99e0}}',
    '{"metrics": {"loss": -0.0}}',
    '{"metrics": {"loss": -0}}',
    '{"metrics": {"loss": 0e99}}',
    '{"metrics": {"loss": 1e308}}',
    '{"metrics": {"loss": 1E-320}}',
    '{"metrics": {"loss": 5e-324}}',
    '{"metrics": {"loss": 0.000000000000000000000000000000000000000006}}',
    '{"metrics":{"loss":5}}',
    '{"metrics": {"loss": 5.000000000000001}}',
    '{"metrics": {"loss": 50000000000000000000000000000000}}',
    '{"metrics": {"loss": -7}}',
    '{"metrics": {"loss": "1e9"}}',
    '{"metrics": {"loss": "0.1"}}',
    '{"metrics": {"loss": true}}',
    '{"metrics": {"loss": null}}',
    '{"metr\\u0069cs": {"loss": 9}}',
    '{"metrics": {"lo\\u0073s": 9}}',
    '{"metrics": {"loss": 0.1}, "metrics": {"loss": 9}}',
    '{"metrics": {"loss": 9}, "metrics": {"loss": 0.1}}',
    '{"metrics": {"loss": 9, "loss": 0.1}}',
    '{"metrics": {"loss": 0.1, "loss": 9}}',
    '{"metrics": {"loss": 9}, "metrics": 3}',
    '{"metrics": [{"loss": 9}]}',
    '{"metrics": {"loss": {"v": 9}}}',
    '{"metrics": {"loss": [9]}}',
    '{"x": {"metrics": {"loss": 9}}, "metrics": {"acc": 1}}',
    '{"metrics": {"loss": NaN}}',
    '{"metrics": {"loss": Infinity}}',
    '{"metrics": {"loss": -Infinity}}',
    '{"metrics": {"loss": 1e400}}',
    '{"$note": "warm", "metrics": {"loss": 9}}',
    '{"$note": "only a note"}',
    '{"$params": {"lr": 0.9}}',
    "[9, 0.1]",
    "9",
    '"metrics.loss"',
    "not a record",
    '{"metrics": {"loss": 9}} trailing',
  ];
  const sets = [
    ["metrics.loss > 5"],
    ["metrics.loss >= 5"],
    ["metrics.loss = 5"],
    ["metrics.loss = 0"],
    ["metrics.loss != 0.5"],
    ["metrics.loss < -1"],
    ["metrics.loss <= 0"],
    ["metrics.loss > 1e300"],
    ["metrics.loss < 1e-300"],
    ["metrics.loss > 1e10", "step > 5"],
    ["metrics.loss > 8", "metrics.loss < -5"],
    ["metrics.loss > 8", "metrics.acc >= 1"],
    ["value.metrics.loss > 4"],
    ["lr < 0.5"],
    ["metrics.loss > 5", "diverged"],
  ];
  test.each(sets.map((set) => [set.join(" | "), set]))("%s stops where checking every record parsed stops, with the same record", (_, set) => {
    for (let first = 0; first < hostile.length; first++) {
      const lines = [hostile[first]!, ...hostile.filter((_, i) => i !== first)];
      for (let n = 1; n <= lines.length; n++) {
        const prefix = lines.slice(0, n);
        expect([set, first, n, liveStop(set as string[], prefix)]).toEqual([set, first, n, liveStop(set as string[], prefix, false)]);
      }
    }
  });

  test("the fast path still stops: a rule that holds on a probed number, and one held by params from the start", () => {
    const lines = ['{"step": 1, "metrics": {"loss": 0.01}}', '{"step": 2, "metrics": {"loss": 0.2}}', '{"step": 3, "metrics": {"loss": 7}}'];
    expect(liveStop(["metrics.loss > 5"], lines)).toEqual({ at: 3, by: { rule: "metrics.loss > 5", source: "f:3", step: 3, elapsed_ms: 1003 } });
    expect(liveStop(["lr < 0.5"], lines)?.at).toBe(1);
    expect(liveStop(["metrics.loss > 5"], lines.slice(0, 2))).toBeNull();
  });

  const generatedSets = [["metrics.loss > 5"], ["metrics.loss >= 5"], ["loss <= 0"], ["metrics.loss = 5", "step < -1"], ["metrics.acc != 0.25"]];
  test.each(generatedSets.map((set) => [set.join(" | "), set]))(
    "%s on generated hostile records, whole and damaged: stops where checking every record parsed stops",
    (_, set) => {
      const random = seededRandom(3);
      let stops = 0;
      for (let round = 0; round < 400; round++) {
        const lines = Array.from({ length: 25 }, () => {
          const whole = hostileValue(random);
          return random() < 0.2 ? damaged(random, whole) : whole;
        });
        const live = liveStop(set as string[], lines);
        expect({ lines, live }).toEqual({ lines, live: liveStop(set as string[], lines, false) });
        if (live) stops++;
      }
      // Both outcomes were seen: runs that stopped, and runs that did not.
      expect(stops).toBeGreaterThan(10);
      expect(stops).toBeLessThan(390);
    },
  );
});
