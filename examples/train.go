// A tiny training loop reporting to exprag: one "EXPRAG::<json>" line per step (standard library only).
// Run it with:  exprag run --name go-demo -- go run examples/train.go 0.03
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
)

func main() {
	lr := 0.1
	if len(os.Args) > 1 {
		lr, _ = strconv.ParseFloat(os.Args[1], 64)
	}
	for step := 0; step < 5; step++ {
		loss := math.Exp(-lr * 10 * float64(step+1))
		line, _ := json.Marshal(map[string]any{"step": step, "metrics": map[string]float64{"loss": loss, "acc": 1 - loss/2}})
		fmt.Printf("EXPRAG::%s\n", line)
	}
}
