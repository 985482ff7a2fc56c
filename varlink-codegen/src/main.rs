//! The `varlink-codegen` command line.
fn main() {}
