import { expect, test } from "bun:test";
import { shellLine } from "../../../src/render/shell";

test.each([
  [["python", "train.py", "--lr=0.1"], "python train.py --lr=0.1"],
  [["echo", "a b", ""], "echo 'a b' ''"],
  [["echo", "it's"], "echo 'it'\\''s'"],
  [["sh", "-c", "echo $HOME; ls *"], "sh -c 'echo $HOME; ls *'"],
  [["echo", "{a}"], "echo '{a}'"],
])("%p reads back as %s", (argv, line) => {
  expect(shellLine(argv)).toBe(line);
});
