// A tiny training loop that reports to exprag: one "EXPRAG::<json>" line per step on stdout.
// Run it with:  exprag run --name demo -- node examples/train.mjs --lr 0.03
const lr = Number(process.argv[process.argv.indexOf("--lr") + 1]) || 0.1;
const steps = 5;

console.log(`EXPRAG::${JSON.stringify({ $meta: { hparams: { lr, steps } } })}`);
for (let step = 0; step < steps; step++) {
  const loss = Math.exp(-lr * 10 * (step + 1));
  const acc = 1 - loss / 2;
  console.log(`step ${step}: loss ${loss.toFixed(4)}`);
  console.log(`EXPRAG::${JSON.stringify({ step, metrics: { loss, acc } })}`);
}
console.log(`EXPRAG::${JSON.stringify({ $note: "training finished" })}`);
