//! Unique socket addresses and waiting for a server to listen.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::LIMIT;

fn unique(kind: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "varlink-tests-{kind}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("dir"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// A socket path in a fresh directory: `unix:/tmp/.../socket`.
pub fn unix_path_address() -> String {
    format!("unix:{}", temp_dir().join("socket").display())
}

/// A unique abstract socket name: `unix:@...`.
pub fn unix_abstract_address() -> String {
    format!("unix:@{}", unique("abstract"))
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
/// released), for servers that cannot report the port they bound.
pub fn free_tcp_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// Whether a server accepts connections at `address` (`unix:/path`,
/// `unix:@name` or `tcp:host:port`; properties after `;` are ignored).
pub fn accepts(address: &str) -> bool {
    let address = address.split(';').next().unwrap_or(address);
    if let Some(name) = address.strip_prefix("unix:@") {
        SocketAddr::from_abstract_name(name.as_bytes())
            .and_then(|a| UnixStream::connect_addr(&a))
            .is_ok()
    } else if let Some(path) = address.strip_prefix("unix:") {
        UnixStream::connect(path).is_ok()
    } else if let Some(host_port) = address.strip_prefix("tcp:") {
        std::net::TcpStream::connect(host_port).is_ok()
    } else {
        panic!("cannot probe the address {address}")
    }
}

/// Waits until a server accepts connections at `address`, failing the test
/// after [`LIMIT`]. `alive` is asked between tries, so that a server that
/// died is reported at once rather than after the limit.
pub fn wait_until_accepting(address: &str, mut alive: impl FnMut() -> bool) {
    let start = Instant::now();
    while !accepts(address) {
        assert!(alive(), "the server for {address} exited before listening");
        assert!(
            start.elapsed() < LIMIT,
            "no server accepted connections at {address} within {LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
