//! The few operating-system calls that need `unsafe`, kept in one place.
//!
//! Everything else in the crate goes through std, tokio or socket2.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The first file descriptor of socket activation (`SD_LISTEN_FDS_START`).
pub(crate) const LISTEN_FDS_START: RawFd = 3;

/// Takes ownership of a file descriptor inherited through socket activation.
pub(crate) fn take_inherited_fd(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_GETFD only queries the descriptor table; an invalid fd gives
    // EBADF and no other effect.
    check(unsafe { libc::fcntl(fd, libc::F_GETFD) })?;
    // SAFETY: the descriptor is open (checked above) and was passed to this
    // process for the varlink service by socket activation (the caller
    // checked LISTEN_PID and LISTEN_FDNAMES), so nothing else in the process
    // owns it; it is taken at most once because the caller holds a global
    // "taken" flag.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The inode number of a pidfd of this process, to compare with
/// `LISTEN_PIDFDID`.
pub(crate) fn own_pidfd_inode() -> io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    let pid = std::process::id() as libc::pid_t;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor
    // or -1; it touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this new descriptor, nobody else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    Ok(std::fs::File::from(fd).metadata()?.ino())
}

/// Asks a child started for an `exec:` address to terminate.
pub(crate) fn terminate(child: &Child) {
    // SAFETY: kill() only sends a signal; the pid belongs to our own child,
    // which has not been reaped yet (we hold its `Child`), so it cannot have
    // been recycled for another process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

/// Raw pointers prepared before `fork()` for use in the child.
struct ExecPointers {
    program: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    /// Where the digits of `LISTEN_PID=` go, 21 bytes of space.
    pid_digits: *mut u8,
    fd: RawFd,
}

// SAFETY: the pointers are only dereferenced in the forked child, where the
// process is single-threaded; in the parent they are never used.
unsafe impl Send for ExecPointers {}
// SAFETY: as above.
unsafe impl Sync for ExecPointers {}

fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL byte"))
}

fn find_program(program: &Path) -> io::Result<PathBuf> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Ok(program.to_owned());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} not found in PATH", program.display()),
            )
        })
}

/// Starts `program` with `listener` as file descriptor 3 and the socket
/// activation variables `LISTEN_FDS=1`, `LISTEN_FDNAMES=varlink` and
/// `LISTEN_PID` set to the child's own pid.
///
/// The child's pid is only known after `fork()`, and between `fork()` and
/// `exec()` only async-signal-safe calls are allowed (no allocation, no
/// `setenv`). So every string is prepared before the fork, with room for the
/// pid's digits, and the child writes the digits and calls `execve` itself.
pub(crate) fn spawn_activated(
    program: &Path,
    args: &[OsString],
    listener: OwnedFd,
) -> io::Result<Child> {
    let program = find_program(program)?;
    let prog_c = cstring(program.as_os_str().as_bytes())?;
    let mut argv_c = vec![prog_c.clone()];
    for a in args {
        argv_c.push(cstring(a.as_bytes())?);
    }
    let mut env_c = Vec::new();
    for (k, v) in std::env::vars_os() {
        if k.as_bytes().starts_with(b"LISTEN_") {
            continue;
        }
        let mut kv = k.as_bytes().to_vec();
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        if let Ok(c) = CString::new(kv) {
            env_c.push(c);
        }
    }
    env_c.push(cstring(b"LISTEN_FDS=1")?);
    env_c.push(cstring(b"LISTEN_FDNAMES=varlink")?);
    // "LISTEN_PID=" then 21 NUL bytes: enough for any pid plus a terminator.
    let mut pid_env = b"LISTEN_PID=".to_vec();
    pid_env.resize(pid_env.len() + 21, 0);
    let argv_p: Vec<*const libc::c_char> = argv_c
        .iter()
        .map(|c| c.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let mut envp_p: Vec<*const libc::c_char> = env_c.iter().map(|c| c.as_ptr()).collect();
    envp_p.push(pid_env.as_ptr().cast());
    envp_p.push(std::ptr::null());
    let ptrs = ExecPointers {
        program: prog_c.as_ptr(),
        argv: argv_p.as_ptr(),
        envp: envp_p.as_ptr(),
        // SAFETY: 11 is the length of "LISTEN_PID=", inside the buffer.
        pid_digits: unsafe { pid_env.as_mut_ptr().add(11) },
        fd: listener.as_raw_fd(),
    };
    let mut cmd = Command::new(&program);
    // SAFETY: the closure runs in the child between fork and exec and only
    // makes async-signal-safe calls (fcntl, dup2, getpid, execve) and writes
    // into memory prepared before the fork, which stays alive in the parent
    // until `spawn` returns (the child has its own copy).
    unsafe {
        cmd.pre_exec(move || {
            let p = &ptrs;
            if p.fd == LISTEN_FDS_START {
                if libc::fcntl(p.fd, libc::F_SETFD, 0) < 0 {
                    return Err(io::Error::last_os_error());
                }
            } else if libc::dup2(p.fd, LISTEN_FDS_START) < 0 {
                return Err(io::Error::last_os_error());
            }
            let mut pid = libc::getpid() as u32;
            let mut tmp = [0u8; 10];
            let mut n = 0;
            loop {
                tmp[n] = b'0' + (pid % 10) as u8;
                pid /= 10;
                n += 1;
                if pid == 0 {
                    break;
                }
            }
            for i in 0..n {
                *p.pid_digits.add(i) = tmp[n - 1 - i];
            }
            *p.pid_digits.add(n) = 0;
            libc::execve(p.program, p.argv, p.envp);
            Err(io::Error::last_os_error())
        });
    }
    let child = cmd.spawn();
    // Everything the child used is dropped only now.
    drop((prog_c, argv_c, env_c, pid_env, argv_p, envp_p, listener));
    child
}

/// The error of a call that returns -1 and sets `errno` on failure.
fn check(result: libc::c_int) -> io::Result<()> {
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets the extended attribute `name` of the inode `fd` refers to.
pub(crate) fn set_fd_xattr(fd: BorrowedFd<'_>, name: &CStr, value: &[u8]) -> io::Result<()> {
    // SAFETY: `name` is NUL-terminated and `value` is `value.len()` readable
    // bytes; fsetxattr only reads them, during the call.
    check(unsafe {
        libc::fsetxattr(
            fd.as_raw_fd(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    })
}

/// Sets the extended attribute `name` of the file at `path`, not following
/// a symlink there.
pub(crate) fn set_path_xattr(path: &Path, name: &CStr, value: &[u8]) -> io::Result<()> {
    let path = cstring(path.as_os_str().as_bytes())?;
    // SAFETY: `path` and `name` are NUL-terminated and `value` is
    // `value.len()` readable bytes; lsetxattr only reads them, during the
    // call.
    check(unsafe {
        libc::lsetxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    })
}

/// `SO_PASSRIGHTS` (Linux 6.16), which the libc crate does not define yet:
/// its value on these architectures. (SPARC and PA-RISC number socket
/// options their own way; others are not checked.)
const SO_PASSRIGHTS: Option<libc::c_int> = if cfg!(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "s390x"
    )
)) {
    Some(83)
} else {
    None
};

/// Turns off the reception of file descriptors (`SCM_RIGHTS`) on a UNIX
/// socket, and on the connections a listening one accepts: a peer's
/// `sendmsg` with descriptors then fails instead of queueing them.
/// `ENOPROTOOPT` on kernels before 6.16; `Unsupported` where the option's
/// value is not known.
pub(crate) fn refuse_passed_fds(fd: BorrowedFd<'_>) -> io::Result<()> {
    let Some(option) = SO_PASSRIGHTS else {
        return Err(io::ErrorKind::Unsupported.into());
    };
    let off: libc::c_int = 0;
    // SAFETY: the option value is one readable `c_int` and its size is
    // given; setsockopt only reads it, during the call.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&raw const off).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
}

/// The extended attribute `name` of the file at `path` (up to 64 bytes).
#[cfg(test)]
pub(crate) fn path_xattr(path: &Path, name: &CStr) -> io::Result<Vec<u8>> {
    let path = cstring(path.as_os_str().as_bytes())?;
    let mut value = vec![0u8; 64];
    // SAFETY: `path` and `name` are NUL-terminated, and `value` has
    // `value.len()` writable bytes, of which lgetxattr writes at most that
    // many, during the call.
    let len = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_mut_ptr().cast(),
            value.len(),
        )
    };
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    value.truncate(len as usize);
    Ok(value)
}
