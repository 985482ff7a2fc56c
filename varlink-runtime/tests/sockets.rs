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
