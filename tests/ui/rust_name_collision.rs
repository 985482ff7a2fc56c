varlink_macros::varlink_interface!(inline = "interface org.example.x\ntype T (fooBar: int, foo_bar: int)\n");

fn main() {}
