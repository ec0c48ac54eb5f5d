fn main() {
    println!("other");
}
