fn main() {
    println!("two-bins");
}
