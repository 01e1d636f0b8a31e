# A tiny training loop reporting to exprag: one "EXPRAG::<json>" line per step (base R only).
# Run it with:  exprag run --name r-demo -- Rscript examples/train.R 0.03
args <- commandArgs(trailingOnly = TRUE)
lr <- if (length(args) > 0) as.numeric(args[1]) else 0.1
for (step in 0:4) {
  loss <- exp(-lr * 10 * (step + 1))
  cat(sprintf('EXPRAG::{"step": %d, "metrics": {"loss": %.6f, "acc": %.6f}}\n', step, loss, 1 - loss / 2))
}
