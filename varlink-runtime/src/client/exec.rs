//! `exec:` addresses: start the service with a socket-activated listening
//! socket and connect to it.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::activation::spawn_activated;
use crate::error::Error;
use crate::unix_hygiene::{Role, connected_client, tag};

/// The started service. It is asked to terminate (SIGTERM) when the
/// connection is dropped, and reaped in the background, as sd-varlink does.
#[derive(Debug)]
pub(crate) struct ExecChild(Option<Child>);

impl Drop for ExecChild {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            crate::sys::terminate(&child);
            // Waiting could block (a service that ignores SIGTERM); a thread
            // reaps it without holding up the caller.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
        }
    }
}

/// Starts `program` and returns a connection to it.
///
/// The listening socket lives in the abstract namespace under a unique name,
/// so no file is left behind. The client connects before the program
/// starts: the connection waits in the backlog until the service accepts.
pub(crate) fn spawn(program: &Path) -> Result<(UnixStream, ExecChild), Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "varlink-rs-exec/{}/{}/{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
    let listener = UnixListener::bind_addr(&addr)?;
    // Tagged as a service manager tags the sockets it makes for a service.
    tag(&listener, Role::Listen);
    let stream = UnixStream::connect_addr(&addr)?;
    connected_client(&stream);
    let child = spawn_activated(program, &[], listener).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot start {}: {e}", program.display()),
        ))
    })?;
    Ok((stream, ExecChild(Some(child))))
}
