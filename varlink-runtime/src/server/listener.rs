//! Listening sockets for every address kind, and from socket activation.

use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use super::PeerCredentials;
use crate::activation;
use crate::address::Address;
use crate::error::Error;
use crate::stream::RawStream;
use crate::unix_hygiene::{Role, accepted, refuse_fds, tag, tag_entrypoint};

const BACKLOG: i32 = 128;

/// Where a server takes its connections from.
#[derive(Debug)]
pub struct Listener {
    kind: Kind,
    address: Option<Address>,
    /// A socket file this listener created and removes when dropped.
    unlink: Option<PathBuf>,
}

#[derive(Debug)]
enum Kind {
    Unix(UnixListener),
    Tcp(TcpListener),
    /// A connected socket passed by socket activation: one connection only.
    Connected(Option<UnixStream>),
}

type Accepted = (Box<dyn RawStream>, Option<PeerCredentials>);

fn peer_of(s: &UnixStream) -> Option<PeerCredentials> {
    s.peer_cred().ok().map(|c| PeerCredentials {
        uid: c.uid(),
        gid: c.gid(),
        pid: c.pid(),
    })
}

impl Listener {
    /// Binds `address` and listens.
    ///
    /// For `unix:/path`, a stale socket file (one nobody accepts on) is
    /// replaced, a live one is an error, and a path that is not a socket
    /// (a regular file, a directory, a symlink) is never touched: binding
    /// fails with an error naming it; `;mode=` is applied between `bind()`
    /// and `listen()`, so no client can connect before the mode is set. The
    /// socket file is removed when the listener is dropped. `exec:` cannot be
    /// listened on.
    ///
    /// As UAPI.20 asks, UNIX sockets refuse file descriptors
    /// (`SO_PASSRIGHTS`, Linux 6.16), and carry their role in the
    /// `user.varlink` extended attribute (`listen`, `entrypoint` on the
    /// socket file, `server` on each accepted connection; Linux 7.0), where
    /// the kernel supports it.
    pub async fn bind(address: &Address) -> Result<Self, Error> {
        match address {
            Address::Unix { path, mode } => {
                if let Ok(meta) = std::fs::symlink_metadata(path) {
                    // Only a socket file is ever replaced; anything else
                    // (a regular file, a directory, a symlink) is left
                    // alone, with an error that names it.
                    if !meta.file_type().is_socket() {
                        return Err(Error::Io(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!(
                                "{} exists and is not a socket; not replacing it",
                                path.display()
                            ),
                        )));
                    }
                    // A socket nobody accepts on is stale; one whose state
                    // cannot be told (no permission to connect) is kept.
                    match std::os::unix::net::UnixStream::connect(path) {
                        Ok(_) => {
                            return Err(Error::Io(io::Error::new(
                                io::ErrorKind::AddrInUse,
                                format!("{} is served by another process", path.display()),
                            )));
                        }
                        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                            std::fs::remove_file(path)?;
                        }
                        Err(e) => {
                            return Err(Error::Io(io::Error::new(
                                e.kind(),
                                format!(
                                    "cannot tell whether the socket {} is in use, not replacing it: {e}",
                                    path.display()
                                ),
                            )));
                        }
                    }
                }
                let listener = listen_unix(&socket2::SockAddr::unix(path)?, || {
                    tag_entrypoint(path);
                    if let Some(mode) = mode {
                        if let Err(e) =
                            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
                        {
                            let _ = std::fs::remove_file(path);
                            return Err(e);
                        }
                    }
                    Ok(())
                })?;
                Ok(Self {
                    kind: Kind::Unix(listener),
                    address: Some(address.clone()),
                    unlink: Some(path.clone()),
                })
            }
            Address::UnixAbstract { name } => {
                use std::os::unix::ffi::OsStrExt;
                // Not `UnixListener::bind_addr`, which listens at once. (socket2
                // takes an abstract name as a path that starts with a NUL
                // byte.)
                let abstract_path = [&[0], name.as_bytes()].concat();
                let addr = socket2::SockAddr::unix(std::ffi::OsStr::from_bytes(&abstract_path))?;
                Ok(Self {
                    kind: Kind::Unix(listen_unix(&addr, || Ok(()))?),
                    address: Some(address.clone()),
                    unlink: None,
                })
            }
            Address::Tcp { host, port } => {
                let l = TcpListener::bind((host.as_str(), *port)).await?;
                let local = l.local_addr()?;
                Ok(Self {
                    kind: Kind::Tcp(l),
                    address: Some(Address::Tcp {
                        host: local.ip().to_string(),
                        port: local.port(),
                    }),
                    unlink: None,
                })
            }
            Address::Exec { .. } => Err(Error::invalid_address(
                &address.to_string(),
                "`exec:` addresses are for clients; a server cannot listen on them",
            )),
        }
    }

    /// Takes the socket passed by socket activation (`LISTEN_FDS`,
    /// `LISTEN_PID`, `LISTEN_PIDFDID`, `LISTEN_FDNAMES` with the name
    /// `varlink`). Returns `Ok(None)` when there is none for this process.
    ///
    /// A listening socket (UNIX or TCP) is served like a bound one; a
    /// connected UNIX socket is served as a single connection. The
    /// environment variables are left in place.
    pub fn from_activation() -> Result<Option<Self>, Error> {
        match activation::take_listen_fd()? {
            Some(fd) => Self::from_fd(fd).map(Some),
            None => Ok(None),
        }
    }

    /// Wraps a socket: listening UNIX or TCP, or a connected UNIX socket.
    pub fn from_fd(fd: OwnedFd) -> Result<Self, Error> {
        let sock = socket2::Socket::from(fd);
        sock.set_cloexec(true)?;
        sock.set_nonblocking(true)?;
        let listening = sock.is_listener()?;
        let domain = sock.domain()?;
        let kind = if domain == socket2::Domain::UNIX {
            // The service manager that made the socket tags it; turning off
            // descriptors is the service's part.
            refuse_fds(&sock);
            if listening {
                Kind::Unix(UnixListener::from_std(sock.into())?)
            } else {
                Kind::Connected(Some(UnixStream::from_std(sock.into())?))
            }
        } else if domain == socket2::Domain::IPV4 || domain == socket2::Domain::IPV6 {
            if !listening {
                return Err(Error::Activation(
                    "passed TCP socket is not listening".into(),
                ));
            }
            Kind::Tcp(TcpListener::from_std(sock.into())?)
        } else {
            return Err(Error::Activation(
                "passed descriptor is not a UNIX or TCP stream socket".into(),
            ));
        };
        Ok(Self {
            kind,
            address: None,
            unlink: None,
        })
    }

    /// The address this listener serves; for `tcp:` with port 0, the port
    /// the system picked. `None` for sockets from activation.
    pub fn address(&self) -> Option<&Address> {
        self.address.as_ref()
    }

    /// The next connection; `Ok(None)` when there will be no more.
    pub(crate) async fn accept(&mut self) -> io::Result<Option<Accepted>> {
        match &mut self.kind {
            Kind::Unix(l) => {
                let (s, _) = l.accept().await?;
                accepted(&s);
                let peer = peer_of(&s);
                Ok(Some((Box::new(s), peer)))
            }
            Kind::Tcp(l) => {
                let (s, _): (TcpStream, _) = l.accept().await?;
                // Replies are small and latency matters more than packing.
                s.set_nodelay(true)?;
                Ok(Some((Box::new(s), None)))
            }
            Kind::Connected(s) => Ok(s.take().map(|s| {
                let peer = peer_of(&s);
                (Box::new(s) as Box<dyn RawStream>, peer)
            })),
        }
    }
}

/// A UNIX socket listening at `addr`. `before_listen` runs between `bind()`
/// and `listen()`, while the socket exists but no client can connect yet;
/// so do the refusal of file descriptors, which connections take from the
/// listener when they connect, and the `listen` tag.
fn listen_unix(
    addr: &socket2::SockAddr,
    before_listen: impl FnOnce() -> io::Result<()>,
) -> io::Result<UnixListener> {
    let sock = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)?;
    sock.bind(addr)?;
    before_listen()?;
    refuse_fds(&sock);
    sock.listen(BACKLOG)?;
    sock.set_nonblocking(true)?;
    tag(&sock, Role::Listen);
    UnixListener::from_std(sock.into())
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(path) = &self.unlink {
            let _ = std::fs::remove_file(path);
        }
    }
}
