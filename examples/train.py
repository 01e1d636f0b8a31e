# A tiny training loop reporting to exprag: one "EXPRAG::<json>" line per step (standard library only).
# Run it with:  exprag run --name python-demo -- python3 examples/train.py --lr 0.03
import json
import math
import sys

lr = float(sys.argv[sys.argv.index("--lr") + 1]) if "--lr" in sys.argv else 0.1
for step in range(5):
    loss = math.exp(-lr * 10 * (step + 1))
    record = {"step": step, "metrics": {"loss": loss, "acc": 1 - loss / 2}}
    if step == 4:
        record["$note"] = "last step"  # becomes the record's note
    print(f"step {step}: loss {loss:.4f}")
    print("EXPRAG::" + json.dumps(record))
