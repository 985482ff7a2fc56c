//! Testing support: a client and a service connected in one process.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), varlink_runtime::Error> {
//! use varlink_runtime::{Service, testing};
//!
//! let service = Service::new("Example", "Test", "1", "https://example.org");
//! let (mut client, _server) = testing::pair(&service)?;
//! let info: serde_json::Value = client.call("org.varlink.service.GetInfo", &()).await?;
//! assert_eq!(info["vendor"], "Example");
//! # Ok(())
//! # }
//! ```

use tokio::net::UnixStream;
use tokio::task::JoinHandle;

use crate::client::Connection;
use crate::error::Error;
use crate::server::{PeerCredentials, Service};

/// Connects a client to `service` over a UNIX socket pair, with no socket
/// file. The service side runs as a task of the current tokio runtime and
/// ends when the client is dropped. Peer credentials are those of this
/// process.
pub fn pair(service: &Service) -> Result<(Connection, JoinHandle<()>), Error> {
    let (client, server) = UnixStream::pair()?;
    let peer = server.peer_cred().ok().map(|c| PeerCredentials {
        uid: c.uid(),
        gid: c.gid(),
        pid: c.pid(),
    });
    let service = service.clone();
    let task = tokio::spawn(async move { service.serve_stream(server, peer).await });
    Ok((Connection::from_stream(client), task))
}
