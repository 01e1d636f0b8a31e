/* A tiny training loop reporting to exprag: one "EXPRAG::<json>" line per step (libc only).
 * Run it with:  cc examples/train.c -o train -lm && exprag run --name c-demo -- ./train 0.03 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    double lr = argc > 1 ? atof(argv[1]) : 0.1;
    for (int step = 0; step < 5; step++) {
        double loss = exp(-lr * 10 * (step + 1));
        printf("EXPRAG::{\"step\": %d, \"metrics\": {\"loss\": %.6f, \"acc\": %.6f}}\n", step, loss, 1 - loss / 2);
        fflush(stdout);
    }
    return 0;
}
