//! What UAPI.20 asks of the `AF_UNIX` sockets this crate creates, beyond
//! carrying messages: the `user.varlink` extended attribute that names each
//! socket's role, and no file descriptors accepted by services.
//!
//! Both are best effort, as UAPI.20 says: kernels before Linux 7.0 refuse
//! extended attributes on sockets, kernels before 6.16 do not know
//! `SO_PASSRIGHTS`, and neither is a reason to fail a connection.

use std::io;
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sys;

/// The name of the extended attribute.
const ATTRIBUTE: &std::ffi::CStr = c"user.varlink";

/// The role of a socket, the value of its `user.varlink` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The connecting end of a connection.
    Client,
    /// A connection a service accepted.
    Server,
    /// A listening socket.
    Listen,
    /// The socket file in the file system that clients connect to.
    Entrypoint,
}

impl Role {
    fn value(self) -> &'static [u8] {
        match self {
            Role::Client => b"client",
            Role::Server => b"server",
            Role::Listen => b"listen",
            Role::Entrypoint => b"entrypoint",
        }
    }
}

/// Set once the kernel refused the attribute on a socket inode: it will
/// refuse it on every other one, and a failing system call per connection
/// is a cost for nothing.
static SOCKETS_UNTAGGABLE: AtomicBool = AtomicBool::new(false);

/// Tags the socket `fd` with `role` (not [`Role::Entrypoint`], which is the
/// file's, see [`tag_entrypoint`]).
pub(crate) fn tag(fd: &impl AsFd, role: Role) {
    if SOCKETS_UNTAGGABLE.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = write_role(fd, role) {
        if refused_for_good(&e) {
            SOCKETS_UNTAGGABLE.store(true, Ordering::Relaxed);
        }
        tracing::trace!("cannot set user.varlink on a {role:?} socket: {e}");
    }
}

/// Writes the attribute of `fd`.
fn write_role(fd: &impl AsFd, role: Role) -> io::Result<()> {
    sys::set_fd_xattr(fd.as_fd(), ATTRIBUTE, role.value())
}

/// Tags the socket file at `path` as an entrypoint.
pub(crate) fn tag_entrypoint(path: &Path) {
    if let Err(e) = sys::set_path_xattr(path, ATTRIBUTE, Role::Entrypoint.value()) {
        tracing::trace!("cannot set user.varlink on {}: {e}", path.display());
    }
}

/// Whether an error means the kernel does not take the attribute on socket
/// inodes at all (`EPERM` is what kernels before 7.0 answer for `user.*`
/// attributes on anything but regular files and directories).
fn refused_for_good(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EPERM | libc::EOPNOTSUPP | libc::ENOSYS)
    )
}

/// Prepares the socket of a client that just connected: it refuses
/// descriptors (UAPI.20 lets clients take them only from methods that
/// return them, and this crate has none) and is tagged `client`. Nothing
/// has been sent yet, so the service cannot have sent any.
pub(crate) fn connected_client(fd: &impl AsFd) {
    refuse_fds(fd);
    tag(fd, Role::Client);
}

/// Prepares a connection a service accepted: it refuses descriptors
/// (connections take the listener's `SO_PASSRIGHTS` when the client
/// connects, so those that connected before the listener refused them, a
/// socket-activated service's first clients, would still take them) and is
/// tagged `server`.
pub(crate) fn accepted(fd: &impl AsFd) {
    refuse_fds(fd);
    tag(fd, Role::Server);
}

/// Turns off the reception of file descriptors on a socket (for a
/// listening socket, also on the connections clients make to it from then
/// on). This crate reads messages without ancillary data, so descriptors
/// the peer sends are never used; refused, they are not queued with the
/// data either, and the peer's `sendmsg` fails with `EPERM`.
pub(crate) fn refuse_fds(fd: &impl AsFd) {
    if let Err(e) = sys::refuse_passed_fds(fd.as_fd()) {
        tracing::trace!("cannot turn off SO_PASSRIGHTS: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_holds_the_role_and_nothing_else() {
        // Socket inodes take `user.*` attributes only from Linux 7.0 on. A
        // regular file takes them on the file systems tests run on (tmpfs
        // from Linux 6.6, ext4, xfs, btrfs) and shows what gets written,
        // through the descriptor and through the path.
        let dir = std::env::temp_dir().join(format!("varlink-hygiene-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let by_fd = dir.join("by-fd");
        let by_path = dir.join("by-path");
        let file = std::fs::File::create(&by_fd).unwrap();
        std::fs::write(&by_path, b"").unwrap();
        // (`write_role` rather than `tag`, which may have stopped trying
        // after a socket refused it.)
        let _ = write_role(&file, Role::Server);
        tag_entrypoint(&by_path);
        match sys::path_xattr(&by_fd, ATTRIBUTE) {
            Ok(value) => assert_eq!(value, b"server"),
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{e}"),
        }
        match sys::path_xattr(&by_path, ATTRIBUTE) {
            Ok(value) => assert_eq!(value, b"entrypoint"),
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{e}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_socket_that_refuses_the_attribute_stops_further_attempts() {
        let socket = std::os::unix::net::UnixDatagram::unbound().unwrap();
        tag(&socket, Role::Client);
        let refused = sys::set_fd_xattr(socket.as_fd(), ATTRIBUTE, b"client").is_err();
        assert_eq!(SOCKETS_UNTAGGABLE.load(Ordering::Relaxed), refused);
    }
}
