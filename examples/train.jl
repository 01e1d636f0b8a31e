# A tiny training loop reporting to exprag: one "EXPRAG::<json>" line per step (Base only).
# Run it with:  exprag run --name julia-demo -- julia examples/train.jl 0.03
lr = isempty(ARGS) ? 0.1 : parse(Float64, ARGS[1])
for step in 0:4
    loss = exp(-lr * 10 * (step + 1))
    println("EXPRAG::{\"step\": $step, \"metrics\": {\"loss\": $loss, \"acc\": $(1 - loss / 2)}}")
end
