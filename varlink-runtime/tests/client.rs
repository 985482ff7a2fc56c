//! The clients (async and blocking) against the runtime's server, over
//! every address kind, plus socket activation and `exec:`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use varlink_runtime::client::blocking;
use varlink_runtime::wire::CallFlags;
use varlink_runtime::{Address, Connection, Error, Listener, ServiceError, testing};

async fn exercise(address: &Address) {
    let mut conn = within(Connection::connect(address)).await.unwrap();
    let out: EchoOut = within(conn.call("org.example.test.Echo", &json!({"value": "hi"})))
        .await
        .unwrap();
    assert_eq!(out.value.as_deref(), Some("hi"));
    let info: Value = within(conn.call("org.varlink.service.GetInfo", &()))
        .await
        .unwrap();
    assert_eq!(info["interfaces"][1], "org.example.test");
}

#[tokio::test]
async fn every_address_kind() {
    let (service, _) = test_service();
    let dir = temp_dir();
    let mut addresses: Vec<Address> = vec![
        format!("unix:{}/s;unknown=ignored", dir.display())
            .parse()
            .unwrap(),
        abstract_address(),
        "tcp:127.0.0.1:0".parse().unwrap(),
    ];
    // IPv6 loopback may be missing in a sandbox; use it where it exists.
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        addresses.push("tcp:[::1]:0".parse().unwrap());
    }
    for address in addresses {
        let server = serve(&service, &address).await;
        exercise(&server.address).await;
        if let Address::Tcp { port, .. } = server.address {
            if address.to_string().contains("127.0.0.1") {
                // Host names resolve too.
                exercise(&format!("tcp:localhost:{port}").parse().unwrap()).await;
            }
        }
        server.stop().await;
    }
    // The socket file is removed with the listener.
    assert!(!dir.join("s").exists());
}

#[tokio::test]
async fn unix_mode_is_applied() {
    let (service, _) = test_service();
    let dir = temp_dir();
    for mode in [0o600, 0o666, 0o640] {
        let path = dir.join(format!("m{mode:o}"));
        let address: Address = format!("unix:{};mode={mode:04o}", path.display())
            .parse()
            .unwrap();
        let server = serve(&service, &address).await;
        let got = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(got, mode, "{address}");
        exercise(&server.address).await;
        server.stop().await;
    }
}

#[tokio::test]
async fn stale_socket_is_replaced_live_one_refused() {
    let (service, _) = test_service();
    let dir = temp_dir();
    let path = dir.join("s");
    // A stale socket file: bound, then its listener closed.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let address: Address = format!("unix:{}", path.display()).parse().unwrap();
    let server = serve(&service, &address).await;
    let err = Listener::bind(&address).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::AddrInUse),
        "{err}"
    );
    exercise(&address).await;
    server.stop().await;
}

#[tokio::test]
async fn bad_addresses_say_what_is_wrong() {
    let err = Connection::connect("tcp:localhost").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid varlink address \"tcp:localhost\": missing `:port` after the host"
    );
    let err = Listener::bind(&"exec:/bin/true".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("for clients"), "{err}");
}

#[tokio::test]
async fn more_oneway_pipelining_and_typed_errors() {
    let (service, observed) = test_service();
    let (mut conn, _task) = testing::pair(&service).unwrap();

    let mut stream =
        within(conn.call_more::<_, CountOut>("org.example.test.Count", &json!({"n": 4})))
            .await
            .unwrap();
    let mut got = Vec::new();
    while let Some(r) = within(stream.next()).await {
        got.push(r.unwrap().i);
    }
    assert_eq!(got, [0, 1, 2, 3]);
    drop(stream);

    // An error reply ends a stream.
    let mut stream = conn
        .call_more::<_, CountOut>("org.example.test.Nope", &())
        .await
        .unwrap();
    assert!(matches!(
        within(stream.next()).await,
        Some(Err(Error::Service(ServiceError::MethodNotFound { .. })))
    ));
    assert!(stream.next().await.is_none());
    drop(stream);

    // A stream dropped early is skipped by the next call.
    let mut stream = conn
        .call_more::<_, CountOut>("org.example.test.Count", &json!({"n": 50}))
        .await
        .unwrap();
    assert_eq!(within(stream.next()).await.unwrap().unwrap().i, 0);
    drop(stream);
    let out: EchoOut = within(conn.call("org.example.test.Echo", &json!({"value": "x"})))
        .await
        .unwrap();
    assert_eq!(out.value.as_deref(), Some("x"));

    // Oneway: nothing comes back; the next reply belongs to the next call.
    conn.call_oneway("org.example.test.Note", &json!({"tag": "one"}))
        .await
        .unwrap();
    conn.call_oneway("org.example.test.Nope", &())
        .await
        .unwrap();
    let _: Value = within(conn.call("org.example.test.Echo", &()))
        .await
        .unwrap();
    assert_eq!(*observed.notes.lock().unwrap(), ["one"]);

    // Pipelining: queue, then read in order.
    for i in 0..10 {
        conn.send(
            "org.example.test.Echo",
            &json!({"value": i.to_string()}),
            CallFlags::NONE,
        )
        .unwrap();
    }
    conn.send("org.example.test.Count", &json!({"n": 2}), CallFlags::MORE)
        .unwrap();
    assert!(matches!(
        conn.call::<_, Value>("org.example.test.Echo", &()).await,
        Err(Error::Usage(_))
    ));
    for i in 0..10 {
        let r = within(conn.receive::<EchoOut>()).await.unwrap();
        assert_eq!(r.parameters.value, Some(i.to_string()));
        assert!(!r.continues);
    }
    let r = within(conn.receive::<CountOut>()).await.unwrap();
    assert!(r.continues);
    let r = within(conn.receive::<CountOut>()).await.unwrap();
    assert!(!r.continues && r.parameters.i == 1);
    assert_eq!(conn.awaiting_replies(), 0);

    // Errors: the interface's own error keeps name and parameters.
    match conn.call::<_, Value>("org.example.test.Fail", &()).await {
        Err(Error::Remote(e)) => {
            assert_eq!(e.name, "org.example.test.Failure");
            let p: Value = e.parameters_as().unwrap();
            assert_eq!(p, json!({"reason": "asked to"}));
        }
        other => panic!("{other:?}"),
    }
    match conn
        .call::<_, Value>("org.example.test.Echo", &json!({"bogus": 1}))
        .await
    {
        Err(Error::Service(ServiceError::InvalidParameter { parameter })) => {
            assert_eq!(parameter, "bogus")
        }
        other => panic!("{other:?}"),
    }
    match conn.call::<_, Value>("org.example.nope.X", &()).await {
        Err(Error::Service(ServiceError::InterfaceNotFound { interface })) => {
            assert_eq!(interface, "org.example.nope")
        }
        other => panic!("{other:?}"),
    }
    // Peer credentials of the socket pair are this process's.
    let me: WhoamiOut = conn.call("org.example.test.Whoami", &()).await.unwrap();
    assert_eq!(me.pid, Some(std::process::id() as i32));
    let uid = std::fs::metadata(temp_dir()).unwrap();
    assert_eq!(me.uid, std::os::unix::fs::MetadataExt::uid(&uid));
}

#[tokio::test]
async fn upgrade_returns_the_raw_stream_with_buffered_bytes() {
    let (service, _) = test_service();
    let server = serve(&service, &abstract_address()).await;
    let mut conn = Connection::connect(&server.address).await.unwrap();
    let (reply, mut raw): (Value, _) = within(conn.call_upgrade("org.example.test.Upgrade", &()))
        .await
        .unwrap();
    assert_eq!(reply, json!({"protocol": "echo"}));
    // The greeting may already sit in the buffer; either way it reads first.
    let mut greeting = [0u8; 8];
    within(raw.read_exact(&mut greeting)).await.unwrap();
    assert_eq!(&greeting, b"welcome\n");
    raw.write_all(b"abc").await.unwrap();
    let mut echo = [0u8; 3];
    within(raw.read_exact(&mut echo)).await.unwrap();
    assert_eq!(&echo, b"abc");
    // The connection is no longer usable for varlink.
    assert!(matches!(
        conn.call::<_, Value>("org.example.test.Echo", &()).await,
        Err(Error::ConnectionClosed)
    ));
    drop(raw);
    // A handler that confirms without taking the stream: the server closes
    // the connection after the reply.
    let mut conn = Connection::connect(&server.address).await.unwrap();
    let (_, mut raw): (Value, _) = within(conn.call_upgrade("org.example.test.Echo", &()))
        .await
        .unwrap();
    let mut rest = Vec::new();
    within(raw.read_to_end(&mut rest)).await.unwrap();
    assert!(rest.is_empty());
    // A refused upgrade leaves the connection usable.
    let mut conn = Connection::connect(&server.address).await.unwrap();
    assert!(matches!(
        conn.call_upgrade::<_, Value>("org.example.nope.X", &())
            .await,
        Err(Error::Service(ServiceError::InterfaceNotFound { .. }))
    ));
    let _: Value = within(conn.call("org.example.test.Echo", &()))
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn call_timeout_skips_the_late_reply() {
    let (service, _) = test_service();
    let (mut conn, _task) = testing::pair(&service).unwrap();
    conn.set_call_timeout(Some(Duration::from_millis(50)));
    let err = conn
        .call::<_, Value>("org.example.test.Sleep", &json!({"ms": 400}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)));
    conn.set_call_timeout(Some(LIMIT));
    let out: EchoOut = conn
        .call("org.example.test.Echo", &json!({"value": "after"}))
        .await
        .unwrap();
    assert_eq!(out.value.as_deref(), Some("after"));
}

#[tokio::test]
async fn client_message_limit() {
    let (service, _) = test_service();
    let (mut conn, _task) = testing::pair(&service).unwrap();
    conn.set_max_message_size(64);
    let err =
        within(conn.call::<_, Value>("org.example.test.Echo", &json!({"value": "x".repeat(100)})))
            .await
            .unwrap_err();
    assert!(matches!(err, Error::MessageTooLarge { limit: 64 }), "{err}");
    assert!(matches!(
        conn.call::<_, Value>("org.example.test.Echo", &()).await,
        Err(Error::ConnectionClosed)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_client() {
    let (service, observed) = test_service();
    let dir = temp_dir();
    let server = serve(
        &service,
        &format!("unix:{}/b", dir.display()).parse().unwrap(),
    )
    .await;
    let address = server.address.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = blocking::Connection::connect(&address).unwrap();
        conn.set_call_timeout(Some(LIMIT));
        let out: EchoOut = conn
            .call("org.example.test.Echo", &json!({"value": "b"}))
            .unwrap();
        assert_eq!(out.value.as_deref(), Some("b"));
        let all: Vec<i64> = conn
            .call_more::<_, CountOut>("org.example.test.Count", &json!({"n": 3}))
            .unwrap()
            .map(|r| r.unwrap().i)
            .collect();
        assert_eq!(all, [0, 1, 2]);
        conn.call_oneway("org.example.test.Note", &json!({"tag": "blocking"}))
            .unwrap();
        for i in 0..5 {
            conn.send(
                "org.example.test.Echo",
                &json!({"value": i.to_string()}),
                CallFlags::NONE,
            )
            .unwrap();
        }
        for i in 0..5 {
            let r = conn.receive::<EchoOut>().unwrap();
            assert_eq!(r.parameters.value, Some(i.to_string()));
        }
        assert!(matches!(
            conn.call::<_, Value>("org.example.test.Fail", &()),
            Err(Error::Remote(e)) if e.name == "org.example.test.Failure"
        ));
        conn.set_call_timeout(Some(Duration::from_millis(50)));
        assert!(matches!(
            conn.call::<_, Value>("org.example.test.Sleep", &json!({"ms": 300})),
            Err(Error::Timeout(_))
        ));
        conn.set_call_timeout(Some(LIMIT));
        let _: Value = conn.call("org.example.test.Echo", &()).unwrap();

        let mut conn = blocking::Connection::connect(&address).unwrap();
        let (reply, mut raw): (Value, _) =
            conn.call_upgrade("org.example.test.Upgrade", &()).unwrap();
        assert_eq!(reply["protocol"], "echo");
        use std::io::{Read, Write};
        let mut greeting = [0u8; 8];
        raw.read_exact(&mut greeting).unwrap();
        assert_eq!(&greeting, b"welcome\n");
        raw.write_all(b"xyz").unwrap();
        let mut echo = [0u8; 3];
        raw.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"xyz");
    })
    .await
    .unwrap();
    assert_eq!(*observed.notes.lock().unwrap(), ["blocking"]);
    server.stop().await;
}

/// Not a test on its own: the program a socket-activation test starts (by
/// running this test binary again). It serves the test service on the
/// socket it was given, until it is killed.
#[tokio::test]
#[ignore = "run by socket_activation_* tests in a child process"]
async fn activation_child() {
    let listener = Listener::from_activation()
        .expect("bad activation variables")
        .expect("no socket passed by activation");
    let (service, _) = test_service();
    service.serve(listener).await.unwrap();
}

/// `sh -c 'exec TEST-BINARY activation_child … >/dev/null'`: `exec` keeps
/// the pid that LISTEN_PID names, the redirection keeps the child's test
/// harness output out of this test's output.
fn child_command() -> (std::path::PathBuf, Vec<std::ffi::OsString>) {
    let exe = std::env::current_exe().unwrap();
    let args = [
        "-c",
        "exec \"$0\" activation_child --exact --ignored --quiet >/dev/null",
    ]
    .iter()
    .map(Into::into)
    .chain([exe.into_os_string()])
    .collect();
    ("/bin/sh".into(), args)
}

#[tokio::test]
async fn socket_activation_passes_a_listening_fd() {
    let dir = temp_dir();
    let path = dir.join("activated");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let (program, args) = child_command();
    let mut child =
        varlink_runtime::activation::spawn_activated(&program, &args, listener).unwrap();
    let address: Address = format!("unix:{}", path.display()).parse().unwrap();
    let mut conn = Connection::connect(&address).await.unwrap();
    let info: Value = within(conn.call("org.varlink.service.GetInfo", &()))
        .await
        .unwrap();
    assert_eq!(
        info["interfaces"],
        json!(["org.varlink.service", "org.example.test"])
    );
    // The child's peer credentials are its own pid, which it got in LISTEN_PID.
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn exec_address_starts_the_service() {
    let dir = temp_dir();
    let script = dir.join("service.sh");
    let exe = std::env::current_exe().unwrap();
    // `exec` keeps the pid, so LISTEN_PID stays right for the test binary.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' activation_child --exact --ignored --quiet >/dev/null\n",
            exe.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let address = format!("exec:{}", script.display());
    let mut conn = within(Connection::connect(&address)).await.unwrap();
    let info: Value = within(conn.call("org.varlink.service.GetInfo", &()))
        .await
        .unwrap();
    assert_eq!(info["product"], "Runtime Tests");
    drop(conn);
    // The blocking client starts it the same way.
    let got = tokio::task::spawn_blocking(move || {
        let mut conn = blocking::Connection::connect(&address).unwrap();
        conn.call::<_, EchoOut>("org.example.test.Echo", &json!({"value": "e"}))
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(got.value.as_deref(), Some("e"));
    let err = Connection::connect(&format!("exec:{}/missing", dir.display()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot start"), "{err}");
}

#[tokio::test]
async fn socket_activation_passes_a_connected_socket() {
    // UAPI.20 allows an established connection instead of a listener; the
    // service then serves that one connection.
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let (program, args) = child_command();
    let mut child = varlink_runtime::activation::spawn_activated(&program, &args, theirs).unwrap();
    ours.set_nonblocking(true).unwrap();
    let mut conn = Connection::from_stream(tokio::net::UnixStream::from_std(ours).unwrap());
    let out: EchoOut = within(conn.call("org.example.test.Echo", &json!({"value": "fd"})))
        .await
        .unwrap();
    assert_eq!(out.value.as_deref(), Some("fd"));
    // Closing the only connection ends the activated service by itself.
    drop(conn);
    let status = tokio::task::spawn_blocking(move || {
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > LIMIT {
                child.kill().unwrap();
                panic!("activated service did not exit after its connection closed");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    })
    .await
    .unwrap();
    assert!(status.success());
}
