//! Varlink addresses (UAPI.20, "Service Addresses").
//!
//! | form | meaning |
//! |---|---|
//! | `unix:/run/org.example.ftl` | `AF_UNIX` socket bound in the file system; `;mode=0666` sets the socket's permissions when a server binds it |
//! | `unix:@org.example.ftl` | Linux abstract socket namespace |
//! | `tcp:127.0.0.1:12345`, `tcp:[::1]:12345`, `tcp:localhost:12345` | TCP |
//! | `exec:/usr/libexec/org.example.ftl` | clients only: start the program with a socket-activated listening socket, then connect to it |
//!
//! Properties after a `;` that are not understood are ignored, as the
//! specification asks, so that addresses can be extended later.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::Error;

/// `sun_path` holds 108 bytes; a path needs its terminating NUL, an
/// abstract name its leading NUL.
const SUN_PATH_MAX: usize = 107;

/// A parsed varlink address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A socket bound in the file system.
    Unix {
        /// The socket path.
        path: PathBuf,
        /// Permissions a server gives the socket inode (`;mode=0666`),
        /// applied before the socket accepts connections.
        mode: Option<u32>,
    },
    /// A socket in the Linux abstract namespace (`unix:@name`).
    UnixAbstract {
        /// The name, without the leading `@`.
        name: String,
    },
    /// A TCP endpoint.
    Tcp {
        /// Host name or IP address, without the brackets of an IPv6 address.
        host: String,
        /// Port number.
        port: u16,
    },
    /// A program to start with a socket-activated listening socket.
    Exec {
        /// The program; a name without `/` is looked up in `PATH`.
        program: PathBuf,
    },
}

impl FromStr for Address {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::invalid_address(s, reason);
        let mut parts = s.split(';');
        let main = parts.next().unwrap_or_default();
        let (scheme, rest) = main
            .split_once(':')
            .ok_or_else(|| bad("missing scheme: expected `unix:`, `tcp:` or `exec:`"))?;
        let mut mode = None;
        for prop in parts.filter(|p| !p.is_empty()) {
            let (key, value) = prop.split_once('=').unwrap_or((prop, ""));
            if key == "mode" && scheme == "unix" {
                let m = u32::from_str_radix(value, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| {
                        bad(&format!(
                            "mode {value:?} is not an octal permission such as 0666"
                        ))
                    })?;
                mode = Some(m);
            }
        }
        match scheme {
            "unix" => {
                if let Some(name) = rest.strip_prefix('@') {
                    if name.is_empty() {
                        return Err(bad("empty abstract socket name after `@`"));
                    }
                    if name.len() > SUN_PATH_MAX {
                        return Err(bad(&format!(
                            "abstract socket name is longer than {SUN_PATH_MAX} bytes"
                        )));
                    }
                    if mode.is_some() {
                        return Err(bad("`mode` does not apply to abstract sockets"));
                    }
                    Ok(Self::UnixAbstract { name: name.into() })
                } else if rest.is_empty() {
                    Err(bad("empty socket path after `unix:`"))
                } else if rest.len() > SUN_PATH_MAX {
                    Err(bad(&format!(
                        "socket path is longer than {SUN_PATH_MAX} bytes"
                    )))
                } else if rest.contains('\0') {
                    Err(bad("socket path contains a NUL byte"))
                } else {
                    Ok(Self::Unix {
                        path: rest.into(),
                        mode,
                    })
                }
            }
            "tcp" => {
                let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
                    let (host, after) = v6
                        .split_once(']')
                        .ok_or_else(|| bad("missing `]` after IPv6 address"))?;
                    let port = after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("missing `:port` after `]`"))?;
                    if host.parse::<std::net::Ipv6Addr>().is_err() {
                        return Err(bad(&format!("{host:?} is not an IPv6 address")));
                    }
                    (host, port)
                } else {
                    let (host, port) = rest
                        .rsplit_once(':')
                        .ok_or_else(|| bad("missing `:port` after the host"))?;
                    if host.contains(':') {
                        return Err(bad(
                            "IPv6 addresses must be written in brackets: `tcp:[::1]:port`",
                        ));
                    }
                    (host, port)
                };
                if host.is_empty() {
                    return Err(bad("empty host"));
                }
                let port = port
                    .parse::<u16>()
                    .map_err(|_| bad(&format!("port {port:?} is not a number from 0 to 65535")))?;
                Ok(Self::Tcp {
                    host: host.into(),
                    port,
                })
            }
            "exec" => {
                if rest.is_empty() {
                    Err(bad("empty program path after `exec:`"))
                } else {
                    Ok(Self::Exec {
                        program: rest.into(),
                    })
                }
            }
            other => Err(bad(&format!(
                "unknown scheme `{other}`: expected `unix`, `tcp` or `exec`"
            ))),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix { path, mode } => {
                write!(f, "unix:{}", path.display())?;
                if let Some(m) = mode {
                    write!(f, ";mode={m:04o}")?;
                }
                Ok(())
            }
            Self::UnixAbstract { name } => write!(f, "unix:@{name}"),
            Self::Tcp { host, port } if host.contains(':') => write!(f, "tcp:[{host}]:{port}"),
            Self::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
            Self::Exec { program } => write!(f, "exec:{}", program.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Address {
        s.parse().unwrap()
    }
    fn reason(s: &str) -> String {
        match s.parse::<Address>() {
            Err(Error::InvalidAddress { reason, .. }) => reason,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            ok("unix:/run/x;mode=0666;future=1"),
            Address::Unix {
                path: "/run/x".into(),
                mode: Some(0o666)
            }
        );
        assert_eq!(
            ok("unix:@abs"),
            Address::UnixAbstract { name: "abs".into() }
        );
        assert_eq!(
            ok("tcp:127.0.0.1:80"),
            Address::Tcp {
                host: "127.0.0.1".into(),
                port: 80
            }
        );
        assert_eq!(
            ok("tcp:[::1]:80"),
            Address::Tcp {
                host: "::1".into(),
                port: 80
            }
        );
        assert_eq!(
            ok("tcp:localhost:1;x=y"),
            Address::Tcp {
                host: "localhost".into(),
                port: 1
            }
        );
        assert_eq!(
            ok("exec:/bin/x"),
            Address::Exec {
                program: "/bin/x".into()
            }
        );
        for s in [
            "unix:/run/x;mode=0600",
            "unix:@a",
            "tcp:[::1]:5",
            "tcp:h:5",
            "exec:/x",
        ] {
            assert_eq!(ok(s).to_string(), s);
        }
    }

    #[test]
    fn precise_errors() {
        assert!(reason("/run/x").contains("missing scheme"));
        assert!(reason("http:x").contains("unknown scheme `http`"));
        assert!(reason("unix:").contains("empty socket path"));
        assert!(reason("unix:@").contains("empty abstract"));
        assert!(reason("unix:/x;mode=rw").contains("octal"));
        assert!(reason("unix:/x;mode=77777").contains("octal"));
        assert!(reason(&format!("unix:/{}", "a".repeat(200))).contains("longer than"));
        assert!(reason("tcp:host").contains("missing `:port`"));
        assert!(reason("tcp:host:99999").contains("port \"99999\""));
        assert!(reason("tcp:[::1:80").contains("missing `]`"));
        assert!(reason("tcp:::1:80").contains("brackets"));
        assert!(reason("tcp:[zz]:80").contains("not an IPv6"));
        assert!(reason("tcp::80").contains("empty host"));
        assert!(reason("exec:").contains("empty program"));
    }
}
