varlink_macros::varlink_interface!("fixtures/no.such.interface.varlink");

fn main() {}
