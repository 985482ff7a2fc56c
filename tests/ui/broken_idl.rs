varlink_macros::varlink_interface!(inline = r#"
interface com.redhat.accounts

type Account (
  name: string,
  uid: int

method GetAll() -> (accounts: []Account)
"#);

fn main() {}
