//! An empty program: the floor a Rust probe binary is measured against.
fn main() {}
