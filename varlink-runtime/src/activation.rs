//! Socket activation (UAPI.20, "Socket Activation"; `sd_listen_fds(3)`).
//!
//! A service started by systemd, by another activator or by a client's
//! `exec:` address finds its socket as file descriptor 3 (or later, named
//! `varlink` in `LISTEN_FDNAMES`), announced by `LISTEN_FDS` and addressed to
//! it by `LISTEN_PID` (and, where set, `LISTEN_PIDFDID`).
//! [`crate::server::Listener::from_activation`] builds a listener from it;
//! [`spawn_activated`] is the other side, starting a program that way.

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;
use crate::sys;

/// An inherited descriptor must be taken once: a second `OwnedFd` for it
/// would close it twice.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Takes the varlink socket passed by socket activation, if any.
///
/// Returns `Ok(None)` when the variables are absent or addressed to another
/// process (as the protocol requires), or when the socket was already taken;
/// an error when they are addressed to this process but inconsistent.
pub(crate) fn take_listen_fd() -> Result<Option<OwnedFd>, Error> {
    let Some(pid) = std::env::var_os("LISTEN_PID") else {
        return Ok(None);
    };
    let bad = |what: &str| Error::Activation(what.to_owned());
    let pid: u32 = pid
        .to_str()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| bad("LISTEN_PID is not a number"))?;
    if pid != std::process::id() {
        return Ok(None);
    }
    if let Some(id) = std::env::var_os("LISTEN_PIDFDID") {
        let id: u64 = id
            .to_str()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| bad("LISTEN_PIDFDID is not a number"))?;
        // Kernels without pidfds cannot check this; the pid matched.
        if let Ok(own) = sys::own_pidfd_inode() {
            if own != id {
                return Ok(None);
            }
        }
    }
    let count: usize = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad("LISTEN_FDS is missing or not a number"))?;
    let names = std::env::var("LISTEN_FDNAMES").unwrap_or_default();
    let index = match count {
        0 => return Ok(None),
        1 => 0,
        _ => names.split(':').position(|n| n == "varlink").ok_or_else(|| {
            bad(&format!(
                "LISTEN_FDS={count} but no descriptor is named `varlink` in LISTEN_FDNAMES={names:?}"
            ))
        })?,
    };
    if index >= count {
        return Err(bad("LISTEN_FDNAMES names more descriptors than LISTEN_FDS"));
    }
    if TAKEN.swap(true, Ordering::SeqCst) {
        return Ok(None);
    }
    let fd = sys::LISTEN_FDS_START + index as i32;
    sys::take_inherited_fd(fd)
        .map(Some)
        .map_err(|e| bad(&format!("descriptor {fd} is not open: {e}")))
}

/// Starts `program` with `args` the way a socket activator does: `listener`
/// becomes file descriptor 3, and `LISTEN_FDS=1`, `LISTEN_FDNAMES=varlink`
/// and `LISTEN_PID` (the child's pid) are set; other `LISTEN_*` variables of
/// this process are not passed on. Standard input, output and error are
/// inherited. A `program` without `/` is looked up in `PATH`.
///
/// This is what an `exec:` address does; it is public for tests and tools
/// that start services themselves.
pub fn spawn_activated(
    program: &Path,
    args: &[OsString],
    listener: impl Into<OwnedFd>,
) -> std::io::Result<Child> {
    sys::spawn_activated(program, args, listener.into())
}
