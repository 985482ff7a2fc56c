//! Socket hygiene of `unix:` listeners: what they replace, what they leave
//! alone, and the mode of the socket file.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use varlink_runtime::{Address, Connection, Error, Listener};

fn unix(path: &std::path::Path, mode: Option<u32>) -> Address {
    match mode {
        Some(m) => format!("unix:{};mode={m:04o}", path.display()),
        None => format!("unix:{}", path.display()),
    }
    .parse()
    .unwrap()
}

#[tokio::test]
async fn a_regular_file_is_not_replaced() {
    let dir = temp_dir();
    let path = dir.join("not-a-socket");
    std::fs::write(&path, b"precious").unwrap();
    let err = Listener::bind(&unix(&path, None)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::AlreadyExists),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("not a socket"),
        "{text}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[tokio::test]
async fn a_directory_and_a_symlink_are_not_replaced() {
    let dir = temp_dir();
    let sub = dir.join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    let err = Listener::bind(&unix(&sub, None)).await.unwrap_err();
    assert!(err.to_string().contains("not a socket"), "{err}");
    assert!(sub.is_dir());

    // A symlink, even one pointing at a stale socket, is left alone.
    let target = dir.join("stale");
    drop(std::os::unix::net::UnixListener::bind(&target).unwrap());
    let link = dir.join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = Listener::bind(&unix(&link, None)).await.unwrap_err();
    assert!(err.to_string().contains("not a socket"), "{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[tokio::test]
async fn a_stale_socket_is_replaced_and_removed_on_drop() {
    let dir = temp_dir();
    let path = dir.join("s");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let (service, _) = test_service();
    let server = serve(&service, &unix(&path, None)).await;
    let mut conn = within(Connection::connect(&server.address)).await.unwrap();
    let reply: serde_json::Value = within(conn.call("org.example.test.Echo", &()))
        .await
        .unwrap();
    assert_eq!(reply, serde_json::json!({}));
    drop(conn);
    server.stop().await;
    assert!(!path.exists());
}

#[tokio::test]
async fn mode_is_set_when_bind_returns() {
    let dir = temp_dir();
    for mode in [0o600, 0o660, 0o666, 0o640] {
        let path = dir.join(format!("m{mode:o}"));
        let listener = Listener::bind(&unix(&path, Some(mode))).await.unwrap();
        // Checked before anything is served: the mode is in place by the
        // time the socket accepts connections (set between bind() and
        // listen(); before listen() a connect is refused).
        let got = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(got, mode, "{}", path.display());
        drop(listener);
        assert!(!path.exists());
    }
}

/// Whether the runtime must refuse descriptors here: where it knows the
/// value of `SO_PASSRIGHTS`, on a kernel that has it (Linux 6.16). Other
/// kernels may still have it backported, so the test then accepts either
/// outcome.
fn descriptors_must_be_refused() -> bool {
    let known_arch = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    // "6.18.44-fc", "6.16+": the leading digits of the first two parts.
    let mut numbers = release.trim().split('.').map(|part| {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().unwrap_or(0)
    });
    let version = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    known_arch && version >= (6, 16)
}

/// Sends `bytes` with `fd` attached in an `SCM_RIGHTS` message.
fn send_with_fd(
    stream: &std::os::unix::net::UnixStream,
    bytes: &[u8],
    fd: std::os::fd::BorrowedFd<'_>,
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }
    // followed by the descriptor and padding to 8 bytes.
    let header = std::mem::size_of::<libc::cmsghdr>();
    let mut control = Vec::with_capacity(header + 8);
    control.extend_from_slice(&(header + 4).to_ne_bytes());
    control.extend_from_slice(&libc::SOL_SOCKET.to_ne_bytes());
    control.extend_from_slice(&libc::SCM_RIGHTS.to_ne_bytes());
    control.extend_from_slice(&fd.as_raw_fd().to_ne_bytes());
    control.extend_from_slice(&[0; 4]);
    let socket = socket2::SockRef::from(stream);
    let buffers = [std::io::IoSlice::new(bytes)];
    let message = socket2::MsgHdr::new()
        .with_buffers(&buffers)
        .with_control(&control);
    socket.sendmsg(&message, 0)
}

/// Sends `bytes` with a descriptor attached, as a peer that passes one
/// would. UAPI.20: a side that uses no descriptors turns their reception
/// off, so the sender learns at once (`EPERM`, nothing sent) and `bytes`
/// then go plainly. Where the refusal is not required, the descriptor may
/// go with them (the runtime reads without ancillary data, which drops it).
fn send_with_fd_or_plainly(stream: &std::os::unix::net::UnixStream, bytes: &[u8], what: &str) {
    use std::io::Write;
    use std::os::fd::AsFd;
    let file = std::fs::File::open("/dev/null").unwrap();
    match send_with_fd(stream, bytes, file.as_fd()) {
        Err(error) if error.raw_os_error() == Some(libc::EPERM) => {
            let mut stream = stream;
            stream.write_all(bytes).unwrap();
        }
        Err(error) => panic!("{what}: {error}"),
        Ok(sent) => {
            assert!(!descriptors_must_be_refused(), "{what}: accepted");
            assert_eq!(sent, bytes.len(), "{what}");
        }
    }
}

/// Reads one NUL-terminated message, without its NUL.
fn read_message(stream: &mut std::os::unix::net::UnixStream, what: &str) -> Vec<u8> {
    use std::io::Read;
    let mut message = Vec::new();
    let mut byte = [0u8];
    while message.last() != Some(&0) {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "{what}: closed");
        message.push(byte[0]);
    }
    message.pop();
    message
}

// Multi-threaded: the test's blocking socket calls must not stop the
// server's task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_refuses_file_descriptors_and_keeps_serving() {
    let dir = temp_dir();
    let (service, _) = test_service();
    let path_address = unix(&dir.join("fds"), None);
    for address in [path_address, abstract_address()] {
        let server = serve(&service, &address).await;
        let stream = match &server.address {
            Address::Unix { path, .. } => std::os::unix::net::UnixStream::connect(path).unwrap(),
            Address::UnixAbstract { name } => {
                use std::os::linux::net::SocketAddrExt;
                let addr =
                    std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
                std::os::unix::net::UnixStream::connect_addr(&addr).unwrap()
            }
            other => panic!("{other}"),
        };
        let call = b"{\"method\":\"org.example.test.Echo\",\"parameters\":{}}\0";
        send_with_fd_or_plainly(&stream, call, &address.to_string());
        // The connection stays usable: the call is answered.
        let mut stream = stream;
        expect_empty_reply(&mut stream, &address.to_string());
        drop(stream);
        server.stop().await;
    }
}

/// Reads one message and checks it is the empty reply of `Echo`.
fn expect_empty_reply(stream: &mut std::os::unix::net::UnixStream, what: &str) {
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let reply: serde_json::Value = serde_json::from_slice(&read_message(stream, what)).unwrap();
    // Echo of no parameters: a reply without `parameters` or `error`.
    assert_eq!(reply, serde_json::json!({}), "{what}");
}

// A connection takes the listener's `SO_PASSRIGHTS` when the client
// connects. The clients that wake a socket-activated service connected
// before the service had the socket; they must be refused as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_connected_before_activation_is_refused_descriptors_too() {
    use std::io::Write;
    let dir = temp_dir();
    let path = dir.join("activated");
    let manager_made = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let mut early = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let listener = Listener::from_fd(manager_made.into()).unwrap();
    let (service, _) = test_service();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        service
            .serve_with_shutdown(listener, async {
                let _ = stopped.await;
            })
            .await
    });
    let call = b"{\"method\":\"org.example.test.Echo\",\"parameters\":{}}\0";
    // A first call answered: the server has accepted the connection (where
    // the refusal is set).
    early.write_all(call).unwrap();
    expect_empty_reply(&mut early, "early client, first call");
    send_with_fd_or_plainly(&early, call, "early client");
    expect_empty_reply(&mut early, "early client");
    drop(early);
    let _ = stop.send(());
    within(task).await.unwrap().unwrap();
}

// UAPI.20: clients accept descriptors only from methods that return them;
// this crate has none, so both clients refuse them.
#[test]
fn clients_refuse_file_descriptors_from_the_service() {
    let dir = temp_dir();
    for blocking in [true, false] {
        let path = dir.join(format!("client-{blocking}"));
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        // A service that answers the first call with a descriptor attached.
        let service = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            read_message(&mut stream, "the call");
            let reply = b"{\"parameters\":{\"n\":1}}\0";
            send_with_fd_or_plainly(&stream, reply, &format!("blocking: {blocking}"));
        });
        let address: Address = format!("unix:{}", path.display()).parse().unwrap();
        let reply: serde_json::Value = if blocking {
            let mut conn =
                varlink_runtime::client::blocking::Connection::connect(&address).unwrap();
            conn.call("org.example.test.Echo", &()).unwrap()
        } else {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut conn = within(Connection::connect(&address)).await.unwrap();
                within(conn.call("org.example.test.Echo", &()))
                    .await
                    .unwrap()
            })
        };
        assert_eq!(reply, serde_json::json!({"n": 1}), "blocking: {blocking}");
        service.join().unwrap();
    }
}
