//! Placeholder until the build-script example arrives.
fn main() {}
