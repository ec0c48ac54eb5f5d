// The test crate of diet build: no dependencies (no registry is needed),
// edition 2021 as Debian bookworm's rustc 1.63 knows it.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("hello from rust: {}", args.join(" "));
}
