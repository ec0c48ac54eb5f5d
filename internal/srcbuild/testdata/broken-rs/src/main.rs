// A crate that does not compile: the error must name it and quote rustc.
fn main() {
    println!("{}", undefined_name);
}
