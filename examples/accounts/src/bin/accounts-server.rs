//! Serves `com.redhat.accounts` from `/etc/passwd`.
//!
//! ```sh
//! accounts-server unix:/tmp/accounts.sock
//! ```

use std::path::Path;

use example_accounts::{AccountsService, accounts::AccountsServer};
use varlink_runtime::Service;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(address) = std::env::args().nth(1) else {
        eprintln!("usage: accounts-server ADDRESS");
        std::process::exit(2);
    };
    let mut service = Service::new(
        "varlink-rs",
        "accounts",
        env!("CARGO_PKG_VERSION"),
        "https://example.invalid",
    );
    service.add_interface(AccountsServer::new(AccountsService::from_passwd(
        Path::new("/etc/passwd"),
    )?));
    service.listen(&address.parse()?).await?;
    Ok(())
}
