//! Replies that handlers serialize straight into the connection's reply
//! buffer (`__private::reply`, what generated servers call, and
//! `reply_continues`): order, oneway, an error returned after a reply was
//! written, and serializers that fail half-way.

mod common;

use common::{abstract_address, connect_abstract, frame, serve, within};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use varlink_runtime::server::DispatchFuture;
use varlink_runtime::{CallContext, Interface, MethodCall, MethodError, Service};

const IDL: &str = "\
interface org.example.written
method Echo(value: string) -> (value: string)
method Big(size: int) -> (data: string)
method Count(n: int) -> (i: int)
method Regret() -> ()
method BreakAfter(n: int) -> (i: int)
method Twice() -> (x: int)
method LateUpgrade(size: int) -> (late: bool)
";

/// Serializes a member, then fails: the half-written reply must vanish.
struct FailsHalfWay;

impl Serialize for FailsHalfWay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("partial", &"x".repeat(1000))?;
        Err(serde::ser::Error::custom("fails on purpose"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    value: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Size {
    size: usize,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct N {
    n: i64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

struct Written;

impl Interface for Written {
    fn name(&self) -> &str {
        "org.example.written"
    }
    fn description(&self) -> &str {
        IDL
    }
    fn dispatch<'a>(
        &'a self,
        call: &'a MethodCall,
        ctx: &'a mut CallContext,
    ) -> DispatchFuture<'a> {
        use varlink_runtime::__private::reply;
        let internal = |e: varlink_runtime::Error| MethodError::internal(e.to_string());
        Box::pin(async move {
            match call.member() {
                "Echo" => {
                    let Text { value } = call.parse_parameters()?;
                    reply(ctx, &json!({ "value": value }))
                }
                "Big" => {
                    let Size { size } = call.parse_parameters()?;
                    reply(ctx, &json!({ "data": "b".repeat(size) }))
                }
                "Count" => {
                    let N { n } = call.parse_parameters()?;
                    for i in 0..n - 1 {
                        ctx.reply_continues(&json!({ "i": i }))
                            .await
                            .map_err(internal)?;
                    }
                    reply(ctx, &json!({ "i": n - 1 }))
                }
                "Regret" => {
                    let Empty {} = call.parse_parameters()?;
                    reply(ctx, &json!({ "written": true }))?;
                    Err(MethodError::without_parameters(
                        "org.example.written.Regretted",
                    ))
                }
                "BreakAfter" => {
                    let N { n } = call.parse_parameters()?;
                    for i in 0..n {
                        ctx.reply_continues(&json!({ "i": i }))
                            .await
                            .map_err(internal)?;
                    }
                    // A failing `continues` reply is an error the handler
                    // sees; nothing of it is sent.
                    assert!(ctx.reply_continues(&FailsHalfWay).await.is_err());
                    reply(ctx, &FailsHalfWay)
                }
                "Twice" => {
                    // A second final reply that fails to serialize must
                    // not take away the first, which the handler returns.
                    let Empty {} = call.parse_parameters()?;
                    let first = reply(ctx, &json!({ "x": 1 }));
                    assert!(reply(ctx, &FailsHalfWay).is_err());
                    first
                }
                "LateUpgrade" => {
                    // Gives up waiting for the upgraded stream (the client
                    // does not read the large confirmation) and returns a
                    // reply anyway: it must not follow the confirmation.
                    let Size { size } = call.parse_parameters()?;
                    let confirmation = json!({ "late": false, "pad": "u".repeat(size) });
                    let waited = tokio::time::timeout(
                        std::time::Duration::from_millis(50),
                        ctx.upgrade_connection(&confirmation),
                    )
                    .await;
                    assert!(waited.is_err(), "the client reads nothing yet");
                    reply(ctx, &json!({ "late": true }))
                }
                _ => Err(MethodError::method_not_found(call)),
            }
        })
    }
}

async fn start() -> common::Running {
    let mut service = Service::new("t", "written", "1", "https://example.invalid");
    service.add_interface(Written);
    serve(&service, &abstract_address()).await
}

/// Reads `count` messages, or every message until the server closes the
/// connection (`count` = `None`); fails on a partial message at the end.
async fn read_messages(
    s: &mut (impl tokio::io::AsyncRead + Unpin),
    count: Option<usize>,
) -> Vec<Value> {
    let mut buf = Vec::new();
    let mut messages = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        while let Some(pos) = buf.iter().position(|&b| b == 0) {
            let msg: Vec<u8> = buf.drain(..=pos).collect();
            messages.push(serde_json::from_slice(&msg[..pos]).expect("a whole JSON message"));
            if Some(messages.len()) == count {
                return messages;
            }
        }
        match within(s.read(&mut chunk)).await {
            Ok(0) => {
                assert!(
                    buf.is_empty(),
                    "partial message before close: {:?}",
                    String::from_utf8_lossy(&buf[..buf.len().min(200)])
                );
                assert!(count.is_none(), "closed after {} messages", messages.len());
                return messages;
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && count.is_none() => {
                assert!(buf.is_empty(), "partial message before reset");
                return messages;
            }
            Err(e) => panic!("read failed: {e}"),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

#[tokio::test]
async fn pipelined_written_replies_keep_call_order() {
    let server = start().await;
    let mut s = connect_abstract(&server.address);
    let mut calls = Vec::new();
    let mut expected = Vec::new();
    for i in 0..30 {
        // Large replies (beyond the connection's buffers), small ones, and
        // streams in between.
        let size = [10, 300_000, 70_000][i % 3];
        calls.push(json!({"method": "org.example.written.Big", "parameters": {"size": size}}));
        expected.push(json!({"parameters": {"data": "b".repeat(size)}}));
        calls.push(
            json!({"method": "org.example.written.Echo", "parameters": {"value": i.to_string()}}),
        );
        expected.push(json!({"parameters": {"value": i.to_string()}}));
        calls.push(
            json!({"method": "org.example.written.Count", "parameters": {"n": 3}, "more": true}),
        );
        expected.push(json!({"parameters": {"i": 0}, "continues": true}));
        expected.push(json!({"parameters": {"i": 1}, "continues": true}));
        expected.push(json!({"parameters": {"i": 2}}));
    }
    let bytes = frame(&calls);
    // Written and read at once: the replies outgrow the socket buffers.
    let (mut reader, mut writer) = s.split();
    let write = async { within(writer.write_all(&bytes)).await.unwrap() };
    let read = read_messages(&mut reader, Some(expected.len()));
    let ((), messages) = tokio::join!(write, read);
    assert!(messages == expected, "replies out of order or altered");
    server.stop().await;
}

#[tokio::test]
async fn oneway_calls_stay_silent_and_errors_replace_written_replies() {
    let server = start().await;
    let mut s = connect_abstract(&server.address);
    let calls = [
        json!({"method": "org.example.written.Echo", "parameters": {"value": "quiet"}, "oneway": true}),
        json!({"method": "org.example.written.Big", "parameters": {"size": 100000}, "oneway": true}),
        json!({"method": "org.example.written.Regret"}),
        json!({"method": "org.example.written.Echo", "parameters": {"value": "after"}}),
    ];
    within(s.write_all(&frame(&calls))).await.unwrap();
    let messages = read_messages(&mut s, Some(2)).await;
    assert_eq!(
        messages,
        [
            json!({"error": "org.example.written.Regretted"}),
            json!({"parameters": {"value": "after"}}),
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn a_reply_failing_half_way_never_reaches_the_wire() {
    let server = start().await;
    let mut s = connect_abstract(&server.address);
    let calls = [
        json!({"method": "org.example.written.Echo", "parameters": {"value": "before"}}),
        json!({"method": "org.example.written.BreakAfter", "parameters": {"n": 2}, "more": true}),
        json!({"method": "org.example.written.Echo", "parameters": {"value": "never"}}),
    ];
    within(s.write_all(&frame(&calls))).await.unwrap();
    // The failing final reply is an internal error: the connection closes.
    // What arrives before that is whole messages, in order, and never any
    // of the failing ones.
    let messages = read_messages(&mut s, None).await;
    let expected = [
        json!({"parameters": {"value": "before"}}),
        json!({"parameters": {"i": 0}, "continues": true}),
        json!({"parameters": {"i": 1}, "continues": true}),
    ];
    assert!(
        expected.starts_with(&messages),
        "unexpected replies: {messages:?}"
    );
    // The server goes on serving other connections.
    let mut other = connect_abstract(&server.address);
    within(other.write_all(&frame(&calls[..1]))).await.unwrap();
    assert_eq!(read_messages(&mut other, Some(1)).await, expected[..1]);
    server.stop().await;
}

#[tokio::test]
async fn a_failed_second_reply_leaves_the_first_in_place() {
    let server = start().await;
    let mut s = connect_abstract(&server.address);
    let calls = [
        json!({"method": "org.example.written.Twice"}),
        json!({"method": "org.example.written.Echo", "parameters": {"value": "next"}}),
    ];
    within(s.write_all(&frame(&calls))).await.unwrap();
    assert_eq!(
        read_messages(&mut s, Some(2)).await,
        [
            json!({"parameters": {"x": 1}}),
            json!({"parameters": {"value": "next"}}),
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn nothing_follows_an_upgrade_confirmation() {
    let server = start().await;
    let mut s = connect_abstract(&server.address);
    let size = 2_000_000;
    let call = json!({"method": "org.example.written.LateUpgrade", "parameters": {"size": size}, "upgrade": true});
    within(s.write_all(&frame(&[call]))).await.unwrap();
    // Read only once the handler has given up and returned.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n =
            match tokio::time::timeout(std::time::Duration::from_millis(500), s.read(&mut chunk))
                .await
            {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => panic!("read failed: {e}"),
                Err(_) => break,
            };
        if n == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..n]);
    }
    let end = received
        .iter()
        .position(|&b| b == 0)
        .expect("the confirmation arrives whole");
    let confirmation: Value = serde_json::from_slice(&received[..end]).unwrap();
    assert_eq!(confirmation["parameters"]["late"], json!(false));
    assert_eq!(
        &received[end + 1..],
        b"",
        "bytes after the upgrade confirmation"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_internal_error_still_delivers_the_replies_before_it() {
    let server = start().await;
    let mut s = connect_abstract(&server.address);
    let mut calls: Vec<Value> = (0..20)
        .map(|i| json!({"method": "org.example.written.Echo", "parameters": {"value": i.to_string()}}))
        .collect();
    // Fails internally (its final reply cannot be serialized)...
    calls.push(
        json!({"method": "org.example.written.BreakAfter", "parameters": {"n": 0}, "more": true}),
    );
    // ...so this one, queued behind it, is never answered.
    calls.push(json!({"method": "org.example.written.Echo", "parameters": {"value": "never"}}));
    within(s.write_all(&frame(&calls))).await.unwrap();
    let expected: Vec<Value> = (0..20)
        .map(|i| json!({"parameters": {"value": i.to_string()}}))
        .collect();
    assert_eq!(read_messages(&mut s, None).await, expected);
    server.stop().await;
}
