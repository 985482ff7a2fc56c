varlink_macros::varlink_interface!();

fn main() {}
