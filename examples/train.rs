// A tiny training loop reporting to exprag: one "EXPRAG::<json>" line per step (std only).
// Run it with:  rustc examples/train.rs -o train && exprag run --name rust-demo -- ./train 0.03
fn main() {
    let lr: f64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(0.1);
    for step in 0..5 {
        let loss = (-lr * 10.0 * (step as f64 + 1.0)).exp();
        println!("EXPRAG::{{\"step\": {}, \"metrics\": {{\"loss\": {}, \"acc\": {}}}}}", step, loss, 1.0 - loss / 2.0);
    }
}
