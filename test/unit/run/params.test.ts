import { describe, expect, test } from "bun:test";
import { paramsFromArguments, paramsFromArgv, withParams } from "../../../src/core/run/params";
import { scriptArguments } from "../../../src/core/run/script-arguments";

const words = (line: string) => (line === "" ? [] : line.split(" "));

describe("scriptArguments", () => {
  test.each([
    // interpreters, with versions, paths and their own options
    ["python train.py --lr 0.1", "--lr 0.1"],
    ["python3 -u train.py --lr 0.1", "--lr 0.1"],
    ["/usr/bin/python3.11 -W ignore -X dev -OO train.py --lr 0.1", "--lr 0.1"],
    ["/opt/conda/bin/python -Wignore train.py --lr 0.1", "--lr 0.1"],
    ["C:\\Python311\\python.exe train.py --lr 0.1", "--lr 0.1"],
    ["pypy3 train.py --lr 0.1", "--lr 0.1"],
    ["python --check-hash-based-pycs always train.py --lr 0.1", "--lr 0.1"],
    ["python -m pkg.train --lr 0.1", "--lr 0.1"],
    ["python -u -mpkg.train --lr 0.1", "--lr 0.1"],
    ["python -c code --lr 0.1", "--lr 0.1"],
    ["python -uc code --lr 0.1", "--lr 0.1"],
    ["python -- train.py --lr 0.1", "--lr 0.1"],
    ["python - --lr 0.1", "--lr 0.1"],
    ["Rscript fit.R --lr 0.1", "--lr 0.1"],
    ["Rscript -e expr --lr 0.1", "--lr 0.1"],
    ["julia -t 4 --project train.jl --lr 0.1", "--lr 0.1"],
    ["node --require ./setup.cjs train.mjs --lr 0.1", "--lr 0.1"],
    ["bun run train.ts --lr 0.1", "--lr 0.1"],
    ["bun train.ts --lr 0.1", "--lr 0.1"],
    ["deno run --allow-read train.ts --lr 0.1", "--lr 0.1"],
    ["ruby -Ilib train.rb --lr 0.1", "--lr 0.1"],
    ["lua -e x=1 train.lua --lr 0.1", "--lr 0.1"],
    ["bash -x train.sh --lr 0.1", "--lr 0.1"],
    ["go run . --lr 0.1", "--lr 0.1"],
    ["go run -tags gpu ./cmd/train --lr 0.1", "--lr 0.1"],
    ["cargo run --release -- --lr 0.1", "--lr 0.1"],
    ["cargo run --release --bin train", ""],
    // launchers, alone and around an interpreter
    ["torchrun --nproc_per_node 2 train.py --lr 0.1", "--lr 0.1"],
    ["torchrun --nproc-per-node=2 --standalone train.py --lr 0.1", "--lr 0.1"],
    ["torchrun --nnodes 1 -m pkg.train --lr 0.1", "--lr 0.1"],
    ["python -m torch.distributed.run --nproc_per_node 2 train.py --lr 0.1", "--lr 0.1"],
    ["accelerate launch --num_processes 2 --config_file cfg.yaml train.py --lr 0.1", "--lr 0.1"],
    ["deepspeed --num_gpus 2 train.py --lr 0.1", "--lr 0.1"],
    ["deepspeed train.py --lr 0.1", "--lr 0.1"],
    ["uv run train.py --lr 0.1", "--lr 0.1"],
    ["uv run --with torch python -u train.py --lr 0.1", "--lr 0.1"],
    ["uv run -- python train.py --lr 0.1", "--lr 0.1"],
    ["uv run --isolated python train.py --lr 0.1", "--lr 0.1"],
    ["uv run pytest -k fast", "-k fast"],
    ["poetry run python x.py --lr 0.1", "--lr 0.1"],
    ["pipenv run python x.py --lr 0.1", "--lr 0.1"],
    ["conda run -n env python x.py --lr 0.1", "--lr 0.1"],
    ["conda run --no-capture-output --name env python x.py --lr 0.1", "--lr 0.1"],
    ["npx tsx train.ts --lr 0.1", "--lr 0.1"],
    ["env CUDA_VISIBLE_DEVICES=0 python train.py --lr 0.1", "--lr 0.1"],
    ["nohup uv run torchrun --nproc_per_node 2 train.py --lr 0.1", "--lr 0.1"],
    // an unknown launcher option takes the next word, unless that word is the command
    ["torchrun --rdzv-conf x=1 --log-dir logs train.py --lr 0.1", "--lr 0.1"],
    ["accelerate launch --multi_gpu train.py --lr 0.1", "--lr 0.1"],
    // no script found: every word after the program
    ["./train.sh --lr 0.1", "--lr 0.1"],
    ["mytool --lr 0.1", "--lr 0.1"],
    ["constructor --lr 0.1", "--lr 0.1"],
    ["__proto__ --lr 0.1", "--lr 0.1"],
    ["python -u", "-u"],
    ["torchrun --standalone", "--standalone"],
    ["python", ""],
  ])("%s -> %s", (line, expected) => {
    expect(scriptArguments(words(line))).toEqual(words(expected));
  });

  test("an empty argv has no arguments", () => {
    expect(scriptArguments([])).toEqual([]);
  });
});

describe("paramsFromArguments", () => {
  test.each<[string, string, Record<string, unknown>]>([
    ["reads --name value, with dashes as underscores", "--lr 0.03 --batch-size 32", { lr: 0.03, batch_size: 32 }],
    ["reads --name=value", "--lr=0.03 --name=resnet", { lr: 0.03, name: "resnet" }],
    ["takes a long option before another long option as true", "--fast --lr 1", { fast: true, lr: 1 }],
    ["takes a long option at the end as true", "--lr 1 --fast", { lr: 1, fast: true }],
    ["takes a long option before a short option as true", "--fast -v --lr 1", { fast: true, lr: 1 }],
    ["keeps --no-x as no_x, not inverted", "--no-augment", { no_augment: true }],
    ["lets the last of a repeated option win", "--lr 1 --lr 2", { lr: 2 }],
    ["lets a later key=value win over an option of the same name", "--lr 1 lr=3", { lr: 3 }],
    ["types JSON numbers", "--lr 1e-3 --warmup 0 --wd 1.5E+2", { lr: 0.001, warmup: 0, wd: 150 }],
    ["types true, false and null", "--a true --b false --c null", { a: true, b: false, c: null }],
    ["keeps other words as strings", "--tags a,b --name resnet --id 0123 --x .5 --y True", { tags: "a,b", name: "resnet", id: "0123", x: ".5", y: "True" }],
    ["keeps JSON arrays and quoted strings as written", '--list [1,2] --quoted "x"', { list: "[1,2]", quoted: '"x"' }],
    [
      "keeps integers beyond 2^53 and overflowing numbers as strings",
      "--seed 12345678901234567890 --big 1e400",
      { seed: "12345678901234567890", big: "1e400" },
    ],
    ["reads an empty value and a value holding =", "--empty= --filter=a=b", { empty: "", filter: "a=b" }],
    ["takes a lone dash as a value", "--input -", { input: "-" }],
    ["takes negative numbers as values, not options", "--shift -1 --lr -1e-3 --x -.5", { shift: -1, lr: -0.001, x: "-.5" }],
    ["reads a negative number after =", "--shift=-1", { shift: -1 }],
    ["nests key=value words on dots", "lr=0.03 model.depth=4 model.name=vit", { lr: 0.03, model: { depth: 4, name: "vit" } }],
    ["drops Hydra's + and ++ and ignores ~ deletions", "+trainer.max_epochs=10 ++seed=1 ~model.dropout", { trainer: { max_epochs: 10 }, seed: 1 }],
    ["keeps key=value keys as written", "~model.dropout=0.1 learning-rate=1 hydra/launcher=joblib", { "learning-rate": 1, "hydra/launcher": "joblib" }],
    ["never takes a key=value word as the value of the option before it", "--fast model.depth=4", { fast: true, model: { depth: 4 } }],
    ["never takes a Hydra deletion as the value of the option before it", "--fast ~model", { fast: true }],
    ["takes a home path as a value", "--data ~/data", { data: "~/data" }],
    ["nests dotted long options", "--model.depth 4 --model.hidden-size 8", { model: { depth: 4, hidden_size: 8 } }],
    ["replaces a value that a later path runs through", "a=1 a.b=2", { a: { b: 2 } }],
    ["replaces an object with a later value", "a.b=2 a=1", { a: 1 }],
    ["skips short options, their values and positional words", "-v -n 3 data.csv 7 --lr 0.1", { lr: 0.1 }],
    ["skips -- and reads the options after it", "--lr 0.1 -- --wd 2", { lr: 0.1, wd: 2 }],
    ["takes a long option before -- as true", "--flag -- x", { flag: true }],
    ["skips words that are not keys", "https://host/?a=b 0=1 =1 a..b=1 .a=1 --=3 --a..b 1", {}],
    ["has no parameters without arguments", "", {}],
  ])("%s: %s", (_behaviour, line, expected) => {
    expect(paramsFromArguments(words(line))).toEqual(expected);
  });

  test.each([
    ["--__proto__ 1 --constructor 2", '{"__proto__":1,"constructor":2}'],
    ["__proto__.polluted=1 constructor.prototype.x=2", '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":2}}}'],
    ["--hasOwnProperty 1 toString=2", '{"hasOwnProperty":1,"toString":2}'],
  ])("keeps prototype-like keys as own properties: %s", (line, expected) => {
    const params = paramsFromArguments(words(line));
    expect(JSON.stringify(params)).toBe(expected);
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, "x")).toBe(false);
  });
});

describe("paramsFromArgv", () => {
  test.each<[string[], Record<string, unknown>]>([
    [words("python train.py --lr 0.03 --batch-size 32"), { lr: 0.03, batch_size: 32 }],
    [words("python3 -u train.py --lr 0.1 model.depth=4"), { lr: 0.1, model: { depth: 4 } }],
    [words("torchrun --nproc_per_node 2 train.py --lr 0.1"), { lr: 0.1 }],
    [["python", "-c", "import sys; print(sys.argv)", "--lr", "0.1"], { lr: 0.1 }],
    [words("cargo run --release -- --lr 0.1"), { lr: 0.1 }],
    [words("cargo run --release"), {}],
    [words("./train.sh --lr 0.1 --fast"), { lr: 0.1, fast: true }],
    [words("python train.py"), {}],
    [["python"], {}],
    [[], {}],
  ])("%p", (argv, expected) => {
    expect(paramsFromArgv(argv)).toEqual(expected);
  });
});

describe("withParams", () => {
  test("adds a sweep's point on top of the command line's params, dotted keys nesting", () => {
    expect(withParams({ lr: 0.1, model: { depth: 2, width: 8 } }, { lr: 0.03, "model.depth": 4, bs: 32 })).toEqual({
      lr: 0.03,
      model: { depth: 4, width: 8 },
      bs: 32,
    });
  });

  test("without params read (--no-params) the point alone; without a point, params as they were", () => {
    expect(withParams(null, { lr: 0.1 })).toEqual({ lr: 0.1 });
    expect(withParams(null, undefined)).toBeNull();
    const params = { lr: 0.1 };
    expect(withParams(params, undefined)).toBe(params);
  });
});
