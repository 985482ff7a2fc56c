varlink_macros::varlink_interface!(inline = "interface org.example.x\ntype T (m: [string]int)\n", map_type = "not a path");

fn main() {}
