//! Asks an accounts service about a user.
//!
//! ```sh
//! accounts-client unix:/tmp/accounts.sock root
//! ```

use example_accounts::accounts::AccountsClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, name] = args.as_slice() else {
        eprintln!("usage: accounts-client ADDRESS NAME");
        std::process::exit(2);
    };
    let mut accounts = AccountsClient::connect(address.as_str()).await?;
    let reply = accounts.get_by_name(name).await?;
    println!("{} {}", reply.account.full_name, reply.account.uid);
    Ok(())
}
