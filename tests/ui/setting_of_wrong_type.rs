varlink_macros::varlink_interface!("fixtures/org.example.hostile.varlink", server = "no");

fn main() {}
