//! Protocol rules of the server, checked with a raw socket client that
//! writes exact bytes and reads exact replies.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use serde_json::json;
use tokio::io::AsyncReadExt;
use varlink_runtime::Address;

async fn start() -> (Running, std::sync::Arc<Observed>) {
    let (service, observed) = test_service();
    (serve(&service, &abstract_address()).await, observed)
}

#[tokio::test]
async fn pipelined_replies_come_in_call_order() {
    let (server, _) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    // All calls in one write; the slow ones first, so a server answering out
    // of order would be caught.
    let mut calls = Vec::new();
    for i in 0..20 {
        calls.push(json!({"method": "org.example.test.Sleep", "parameters": {"ms": (20 - i) % 4}}));
        calls.push(
            json!({"method": "org.example.test.Echo", "parameters": {"value": i.to_string()}}),
        );
    }
    raw.send(&frame(&calls)).await;
    for i in 0..20 {
        assert_eq!(raw.recv().await.unwrap(), json!({}));
        assert_eq!(
            raw.recv().await.unwrap(),
            json!({"parameters": {"value": i.to_string()}})
        );
    }
    // A message split across writes byte by byte is framed correctly.
    let bytes =
        frame(&[json!({"method": "org.example.test.Echo", "parameters": {"value": "split"}})]);
    for b in bytes.chunks(1) {
        raw.send(b).await;
    }
    assert_eq!(raw.recv().await.unwrap()["parameters"]["value"], "split");
    server.stop().await;
}

#[tokio::test]
async fn each_call_reads_only_its_own_parameters() {
    // The server reuses parameter buffers from call to call: large and
    // small parameters, absent ones, one after the other and pipelined.
    let (server, _) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    let large = "x".repeat(20_000);
    for value in [large.as_str(), "small", "", large.as_str(), "tiny"] {
        assert_eq!(
            raw.call(json!({"method": "org.example.test.Echo", "parameters": {"value": value}}))
                .await,
            json!({"parameters": {"value": value}})
        );
        assert_eq!(
            raw.call(json!({"method": "org.example.test.Echo"})).await,
            json!({})
        );
    }
    let values: Vec<String> = (0..40).map(|i| "y".repeat((i * 997) % 5000)).collect();
    let calls: Vec<_> = values
        .iter()
        .map(|value| json!({"method": "org.example.test.Echo", "parameters": {"value": value}}))
        .collect();
    raw.send(&frame(&calls)).await;
    for value in &values {
        assert_eq!(
            raw.recv().await.unwrap(),
            json!({"parameters": {"value": value}})
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn oneway_calls_never_reply() {
    let (server, observed) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    raw.send(&frame(&[
        json!({"method": "org.example.test.Note", "parameters": {"tag": "a"}, "oneway": true}),
        // Errors are not sent for oneway calls either.
        json!({"method": "org.example.nope.X", "oneway": true}),
        json!({"method": "org.example.test.Nope", "oneway": true}),
        json!({"method": "org.example.test.Note", "parameters": {"bad": 1}, "oneway": true}),
        json!({"method": "org.varlink.service.GetInfo", "oneway": true}),
        json!({"method": "org.example.test.Note", "parameters": {"tag": "b"}, "oneway": true}),
        json!({"method": "org.example.test.Echo", "parameters": {"value": "after"}}),
    ]))
    .await;
    assert_eq!(
        raw.recv().await.unwrap(),
        json!({"parameters": {"value": "after"}})
    );
    assert_eq!(*observed.notes.lock().unwrap(), ["a", "b"]);
    server.stop().await;
}

#[tokio::test]
async fn more_streams_and_continues_only_with_more() {
    let (server, _) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    raw.send(&frame(&[
        json!({"method": "org.example.test.Count", "parameters": {"n": 3}, "more": true}),
    ]))
    .await;
    assert_eq!(
        raw.recv().await.unwrap(),
        json!({"parameters": {"i": 0}, "continues": true})
    );
    assert_eq!(
        raw.recv().await.unwrap(),
        json!({"parameters": {"i": 1}, "continues": true})
    );
    assert_eq!(raw.recv().await.unwrap(), json!({"parameters": {"i": 2}}));
    // Without `more` the method refuses; no `continues` is ever sent.
    assert_eq!(
        raw.call(json!({"method": "org.example.test.Count", "parameters": {"n": 3}}))
            .await,
        json!({"error": "org.varlink.service.ExpectedMore"})
    );
    // A plain method called with `more` replies once, without continues.
    assert_eq!(
        raw.call(json!({"method": "org.example.test.Echo", "more": true}))
            .await,
        json!({})
    );
    server.stop().await;
}

#[tokio::test]
async fn upgrade_hands_over_bytes_sent_with_the_call() {
    let (server, _) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    // The upgraded protocol's first bytes travel in the same write as the
    // call: the server must hand them to the handler, not parse them.
    let mut bytes = frame(&[json!({"method": "org.example.test.Upgrade", "upgrade": true})]);
    bytes.extend_from_slice(b"{\"not\":\"varlink\"}\0ping\n");
    raw.send(&bytes).await;
    assert_eq!(
        raw.recv().await.unwrap(),
        json!({"parameters": {"protocol": "echo"}})
    );
    let mut got = std::mem::take(&mut raw.buf);
    let want = b"welcome\n{\"not\":\"varlink\"}\0ping\n";
    while got.len() < want.len() {
        let mut chunk = [0u8; 256];
        let n = within(raw.s.read(&mut chunk)).await.unwrap();
        assert!(
            n > 0,
            "closed early, got {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(got, want);
    drop(raw);
    // Without the flag: ExpectedUpgrade, and the connection stays varlink.
    let mut raw = Raw::connect(&server.address).await;
    assert_eq!(
        raw.call(json!({"method": "org.example.test.Upgrade"}))
            .await,
        json!({"error": "org.varlink.service.ExpectedUpgrade"})
    );
    assert_eq!(
        raw.call(json!({"method": "org.example.test.Echo"})).await,
        json!({})
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_messages_close_the_connection() {
    let (server, _) = start().await;
    let cases: &[&[u8]] = &[
        b"not json\0",
        b"[1,2]\0",
        b"\"method\"\0",
        b"{}\0",
        b"{\"method\":5}\0",
        b"{\"method\":\"org.example.test.Echo\",\"bogus\":1}\0",
        b"{\"method\":\"org.example.test.Echo\",\"X-thing\":1}\0",
        b"{\"method\":\"org.example.test.Echo\",\"more\":\"yes\"}\0",
        b"{\"method\":\"org.example.test.Echo\",\"oneway\":1}\0",
        b"{\"method\":\"org.example.test.Echo\",\"more\":true,\"oneway\":true}\0",
        b"{\"method\":\"org.example.test.Echo\",\"more\":true,\"upgrade\":true}\0",
        b"{\"method\":\"org.example.test.Echo\",\"parameters\":[1]}\0",
        b"{\"method\":\"org.example.test.Echo\"}garbage\0",
        b"{\"method\":\"org.example.test.\xff\"}\0",
    ];
    for case in cases {
        let mut raw = Raw::connect(&server.address).await;
        // A valid call first, answered; then the bad one closes.
        raw.send(&frame(&[json!({"method": "org.example.test.Echo"})]))
            .await;
        raw.send(case).await;
        assert_eq!(raw.recv().await, Some(json!({})));
        assert_eq!(
            raw.recv().await,
            None,
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
    // Vendor extensions under dotted keys and `null` flags are accepted.
    let mut raw = Raw::connect(&server.address).await;
    assert_eq!(
        raw.call(
            json!({"method": "org.example.test.Echo", "org.example.vendor": {"x": 1}, "more": null})
        )
        .await,
        json!({})
    );
    server.stop().await;
}

#[tokio::test]
async fn service_errors_keep_the_connection() {
    let (server, _) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    let cases = [
        (
            json!({"method": "org.example.nope.Do"}),
            json!({"error": "org.varlink.service.InterfaceNotFound", "parameters": {"interface": "org.example.nope"}}),
        ),
        (
            json!({"method": "org.example.test.Nope"}),
            json!({"error": "org.varlink.service.MethodNotFound", "parameters": {"method": "org.example.test.Nope"}}),
        ),
        (
            json!({"method": "org.example.test.Echo", "parameters": {"value": 5}}),
            json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": "value"}}),
        ),
        (
            json!({"method": "org.example.test.Echo", "parameters": {"extra": true}}),
            json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": "extra"}}),
        ),
        (
            json!({"method": "org.example.test.Sleep", "parameters": null}),
            json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": "ms"}}),
        ),
        (
            json!({"method": "org.example.test.Fail"}),
            json!({"error": "org.example.test.Failure", "parameters": {"reason": "asked to"}}),
        ),
        (
            json!({"method": "org.varlink.service.GetInterfaceDescription", "parameters": {"interface": "org.example.nope"}}),
            json!({"error": "org.varlink.service.InterfaceNotFound", "parameters": {"interface": "org.example.nope"}}),
        ),
        (
            json!({"method": "org.varlink.service.GetInfo", "parameters": {"x": 1}}),
            json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": "x"}}),
        ),
        // Absent, null and {} parameters are the same.
        (
            json!({"method": "org.example.test.Echo", "parameters": {}}),
            json!({}),
        ),
        (
            json!({"method": "org.example.test.Echo", "parameters": null}),
            json!({}),
        ),
    ];
    for (call, reply) in cases {
        assert_eq!(raw.call(call.clone()).await, reply, "{call}");
    }
    let info = raw
        .call(json!({"method": "org.varlink.service.GetInfo"}))
        .await;
    assert_eq!(
        info,
        json!({"parameters": {
            "vendor": "Varlink Test", "product": "Runtime Tests", "version": "0.1",
            "url": "https://example.invalid",
            "interfaces": ["org.varlink.service", "org.example.test"]}})
    );
    let desc = raw
        .call(json!({"method": "org.varlink.service.GetInterfaceDescription", "parameters": {"interface": "org.example.test"}}))
        .await;
    assert_eq!(desc["parameters"]["description"], TEST_IDL);
    let desc = raw
        .call(json!({"method": "org.varlink.service.GetInterfaceDescription", "parameters": {"interface": "org.varlink.service"}}))
        .await;
    assert!(
        desc["parameters"]["description"]
            .as_str()
            .unwrap()
            .contains("error ExpectedUpgrade ()")
    );
    server.stop().await;
}

#[tokio::test]
async fn oversized_message_closes_the_connection() {
    let (mut service, _) = test_service();
    service.set_max_message_size(1024);
    let server = serve(&service, &abstract_address()).await;
    let mut raw = Raw::connect(&server.address).await;
    let fits = "x".repeat(900);
    assert_eq!(
        raw.call(json!({"method": "org.example.test.Echo", "parameters": {"value": fits}}))
            .await["parameters"]["value"],
        fits
    );
    // No terminator ever comes: the server stops buffering at the limit.
    raw.send(&[b'{'; 4096]).await;
    assert_eq!(raw.recv().await, None);
    server.stop().await;
}

#[tokio::test]
async fn panicking_handler_closes_only_its_connection() {
    let (server, _) = start().await;
    let mut other = Raw::connect(&server.address).await;
    let mut raw = Raw::connect(&server.address).await;
    raw.send(&frame(&[json!({"method": "org.example.test.Panic"})]))
        .await;
    assert_eq!(raw.recv().await, None);
    assert_eq!(
        other.call(json!({"method": "org.example.test.Echo"})).await,
        json!({})
    );
    let mut fresh = Raw::connect(&server.address).await;
    assert_eq!(
        fresh.call(json!({"method": "org.example.test.Echo"})).await,
        json!({})
    );
    // Pipelined: the calls before the panicking one are answered, the one
    // after it is not (its reply would be taken for the panicked call's).
    let mut pipelined = Raw::connect(&server.address).await;
    let echo = json!({"method": "org.example.test.Echo"});
    pipelined
        .send(&frame(&[
            echo.clone(),
            echo.clone(),
            json!({"method": "org.example.test.Panic"}),
            echo.clone(),
        ]))
        .await;
    assert_eq!(pipelined.recv().await, Some(json!({})));
    assert_eq!(pipelined.recv().await, Some(json!({})));
    assert_eq!(pipelined.recv().await, None);
    server.stop().await;
}

#[tokio::test]
async fn client_disconnect_mid_more_frees_the_handler() {
    let (server, observed) = start().await;
    for round in 1..=3 {
        let mut raw = Raw::connect(&server.address).await;
        raw.send(&frame(&[
            json!({"method": "org.example.test.Forever", "more": true}),
        ]))
        .await;
        assert_eq!(raw.recv().await.unwrap()["continues"], true);
        assert_eq!(raw.recv().await.unwrap()["continues"], true);
        let dropped = observed.dropped.notified();
        drop(raw);
        within(dropped).await;
        assert_eq!(observed.streams_dropped.load(Ordering::SeqCst), round);
    }
    let mut raw = Raw::connect(&server.address).await;
    assert_eq!(
        raw.call(json!({"method": "org.example.test.Echo"})).await,
        json!({})
    );
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_answers_the_running_call() {
    let (server, observed) = start().await;
    let mut raw = Raw::connect(&server.address).await;
    raw.send(&frame(&[
        json!({"method": "org.example.test.Sleep", "parameters": {"ms": 300}}),
    ]))
    .await;
    // Shut down only once the call runs: it must still be answered.
    within(observed.sleeping.notified()).await;
    let address = server.address.clone();
    server.stop().await;
    assert_eq!(raw.recv().await, Some(json!({})));
    assert_eq!(raw.recv().await, None);
    // The listener is gone.
    let Address::UnixAbstract { name } = address else {
        unreachable!()
    };
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    assert!(std::os::unix::net::UnixStream::connect_addr(&addr).is_err());
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed() {
    let (mut service, _) = test_service();
    service.set_max_connections(1);
    let server = serve(&service, &abstract_address()).await;
    let mut first = Raw::connect(&server.address).await;
    assert_eq!(
        first.call(json!({"method": "org.example.test.Echo"})).await,
        json!({})
    );
    let mut second = Raw::connect(&server.address).await;
    second
        .send(&frame(&[json!({"method": "org.example.test.Echo"})]))
        .await;
    assert_eq!(second.recv().await, None);
    assert_eq!(
        first.call(json!({"method": "org.example.test.Echo"})).await,
        json!({})
    );
    drop(first);
    served_again(&server.address).await;
    server.stop().await;
}

/// Waits until a new connection is served again: a connection slot frees
/// once the server has noticed that a connection closed.
async fn served_again(address: &Address) {
    let echo = json!({"method": "org.example.test.Echo"});
    within(async {
        loop {
            let mut again = Raw::connect(address).await;
            again.send(&frame(std::slice::from_ref(&echo))).await;
            if again.recv().await.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn connections_beyond_the_per_user_limit_are_closed() {
    let (mut service, _) = test_service();
    service.set_max_connections_per_uid(2);
    let server = serve(&service, &abstract_address()).await;
    let echo = json!({"method": "org.example.test.Echo"});
    let mut first = Raw::connect(&server.address).await;
    let mut second = Raw::connect(&server.address).await;
    assert_eq!(first.call(echo.clone()).await, json!({}));
    assert_eq!(second.call(echo.clone()).await, json!({}));
    // Every connection of a test comes from the same user.
    let mut third = Raw::connect(&server.address).await;
    third.send(&frame(std::slice::from_ref(&echo))).await;
    assert_eq!(third.recv().await, None);
    assert_eq!(first.call(echo.clone()).await, json!({}));
    drop(second);
    served_again(&server.address).await;
    server.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let (mut service, _) = test_service();
    service.set_idle_timeout(Some(std::time::Duration::from_millis(300)));
    let server = serve(&service, &abstract_address()).await;
    let echo = json!({"method": "org.example.test.Echo"});
    let mut idle = Raw::connect(&server.address).await;
    let mut busy = Raw::connect(&server.address).await;
    assert_eq!(idle.call(echo.clone()).await, json!({}));
    // A connection that keeps calling stays open well past the timeout.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_millis(900) {
        assert_eq!(busy.call(echo.clone()).await, json!({}));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The idle one was closed by the server meanwhile.
    assert_eq!(idle.recv().await, None);
    server.stop().await;
}
