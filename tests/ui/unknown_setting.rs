varlink_macros::varlink_interface!("fixtures/org.example.hostile.varlink", servers = false);

fn main() {}
