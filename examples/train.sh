#!/bin/sh
# Reports through the descriptor exprag opens for records ($EXPRAG_FD): stdout stays the script's own.
# Run it with:  exprag run --name shell-demo -- sh examples/train.sh 0.03
lr=${1:-0.1}
step=0
while [ "$step" -lt 5 ]; do
  loss=$(awk -v lr="$lr" -v s="$step" 'BEGIN { printf "%.6f", exp(-lr * 10 * (s + 1)) }')
  echo "step $step: loss $loss"
  echo "{\"step\": $step, \"metrics\": {\"loss\": $loss}}" >&"${EXPRAG_FD:-1}"
  step=$((step + 1))
done
