//! Malformed and hostile input against a running server, one test per case.
//!
//! Each test checks what UAPI.20 asks for: a malformed message closes the
//! connection (calls read before it are still answered), a bad parameter
//! gets `org.varlink.service.InvalidParameter` naming the field and leaves
//! the connection usable. Each test also checks that the server keeps
//! serving: a connection opened before the bad input and one opened after
//! it both get correct replies.
//!
//! Decisions recorded here (UAPI.20 is silent on them):
//!
//! - A `method` without a dot is a well-formed message naming a method that
//!   cannot exist: `MethodNotFound` naming it, the connection stays usable.
//! - A message that never ends (no NUL) is bounded in memory by the maximum
//!   message size: once the buffered bytes exceed it, the connection is
//!   closed. It is bounded in time only by the idle timeout, when one is
//!   set: a connection that sent half a message and then nothing is idle.
//! - Deeply nested JSON: the message framing and header parsing accept any
//!   depth without recursion; serde_json refuses nesting deeper than 128
//!   when decoding typed parameters, which is `InvalidParameter`.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use varlink_runtime::server::DispatchFuture;
use varlink_runtime::{
    Address, CallContext, Interface, MethodCall, MethodError, MethodReply, Service,
};

// --- a service with typed parameters ---------------------------------------

const TYPED_IDL: &str = "\
interface org.example.typed

# Adds two integers.
method Add(a: int, b: int) -> (sum: int)

# Returns the text and its length in characters.
method Text(text: string) -> (text: string, chars: int)

# Takes a value of any shape.
method Any(value: any) -> ()

# Answers with a text of `bytes` bytes.
method Big(bytes: int) -> (text: string)

error Overflow ()
";

struct Typed;

/// How many `Big` calls the service has started.
static BIG_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BigIn {
    bytes: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddIn {
    a: i64,
    b: i64,
}
#[derive(Serialize)]
struct AddOut {
    sum: i64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextIn {
    text: String,
}
#[derive(Serialize)]
struct TextOut {
    text: String,
    chars: usize,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnyIn {
    #[allow(dead_code)]
    value: Value,
}

impl Interface for Typed {
    fn name(&self) -> &str {
        "org.example.typed"
    }
    fn description(&self) -> &str {
        TYPED_IDL
    }
    fn dispatch<'a>(
        &'a self,
        call: &'a MethodCall,
        _ctx: &'a mut CallContext,
    ) -> DispatchFuture<'a> {
        Box::pin(async move {
            match call.member() {
                "Add" => {
                    let AddIn { a, b } = call.parse_parameters()?;
                    let sum = a.checked_add(b).ok_or_else(|| {
                        MethodError::without_parameters("org.example.typed.Overflow")
                    })?;
                    MethodReply::new(&AddOut { sum })
                }
                "Text" => {
                    let TextIn { text } = call.parse_parameters()?;
                    let chars = text.chars().count();
                    MethodReply::new(&TextOut { text, chars })
                }
                "Any" => {
                    let AnyIn { .. } = call.parse_parameters()?;
                    Ok(MethodReply::empty())
                }
                "Big" => {
                    let BigIn { bytes } = call.parse_parameters()?;
                    BIG_CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    MethodReply::new(&json!({"text": "z".repeat(bytes)}))
                }
                _ => Err(MethodError::method_not_found(call)),
            }
        })
    }
}

fn service() -> (Service, Arc<Observed>) {
    let (mut service, observed) = test_service();
    service.add_interface(Typed);
    (service, observed)
}

/// A running server and a connection opened before any bad input.
struct Fixture {
    server: Running,
    bystander: Raw,
}

impl Fixture {
    async fn start() -> Self {
        Self::with(service()).await
    }

    async fn with((service, _): (Service, Arc<Observed>)) -> Self {
        let server = serve(&service, &abstract_address()).await;
        let mut bystander = Raw::connect(&server.address).await;
        assert_eq!(bystander.call(add(2, 3)).await, sum(5));
        Self { server, bystander }
    }

    async fn connect(&self) -> Raw {
        Raw::connect(&self.server.address).await
    }

    /// The connection from before and a new one still get correct replies;
    /// then the server shuts down cleanly.
    async fn still_serving(mut self) {
        assert_eq!(self.bystander.call(add(40, 2)).await, sum(42));
        let mut fresh = self.connect().await;
        assert_eq!(fresh.call(add(-1, 1)).await, sum(0));
        assert_eq!(
            fresh
                .call(json!({"method": "org.example.test.Echo", "parameters": {"value": "ok"}}))
                .await,
            json!({"parameters": {"value": "ok"}})
        );
        drop(fresh);
        self.server.stop().await;
    }

    /// A valid call, then `bad`: the call is answered, then the connection
    /// is closed without another reply.
    async fn closes_on(self, bad: &[u8]) -> Self {
        let mut raw = self.connect().await;
        raw.send(&frame(&[add(1, 1)])).await;
        raw.send_until_closed(bad).await;
        assert_eq!(raw.recv().await, Some(sum(2)));
        assert_eq!(
            raw.recv().await,
            None,
            "not closed after {:?}",
            String::from_utf8_lossy(&bad[..bad.len().min(200)])
        );
        self
    }

    /// `call` gets `reply`, and the connection answers the next call.
    async fn replies(self, call: Value, reply: Value) -> Self {
        let mut raw = self.connect().await;
        assert_eq!(raw.call(call.clone()).await, reply, "{call}");
        assert_eq!(raw.call(add(1, 2)).await, sum(3));
        self
    }
}

fn add(a: impl Into<Value>, b: impl Into<Value>) -> Value {
    json!({"method": "org.example.typed.Add", "parameters": {"a": a.into(), "b": b.into()}})
}

fn sum(n: i64) -> Value {
    json!({"parameters": {"sum": n}})
}

fn invalid(field: &str) -> Value {
    json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": field}})
}

fn bytes(text: &str) -> Vec<u8> {
    let mut v = text.as_bytes().to_vec();
    v.push(0);
    v
}

// --- malformed messages: the connection closes -----------------------------

#[tokio::test]
async fn invalid_json_closes() {
    let f = Fixture::start().await;
    let f = f
        .closes_on(b"{\"method\": \"org.example.typed.Add\",}\0")
        .await;
    let f = f.closes_on(b"not json\0").await;
    f.closes_on(b"{\"method\":\"org.example.typed.Add\"}trailing\0")
        .await
        .still_serving()
        .await;
}

#[tokio::test]
async fn invalid_utf8_closes() {
    let f = Fixture::start().await;
    let f = f
        .closes_on(
            b"{\"method\":\"org.example.typed.Text\",\"parameters\":{\"text\":\"\xff\xfe\"}}\0",
        )
        .await;
    // An overlong encoding and a lone surrogate, each invalid UTF-8.
    let f = f
        .closes_on(
            b"{\"method\":\"org.example.typed.Text\",\"parameters\":{\"text\":\"\xc0\xaf\"}}\0",
        )
        .await;
    f.closes_on(
        b"{\"method\":\"org.example.typed.Text\",\"parameters\":{\"text\":\"\xed\xa0\x80\"}}\0",
    )
    .await
    .still_serving()
    .await;
}

#[tokio::test]
async fn top_level_array_closes() {
    let f = Fixture::start().await;
    f.closes_on(&bytes(r#"[{"method":"org.example.typed.Add"}]"#))
        .await
        .still_serving()
        .await;
}

#[tokio::test]
async fn top_level_string_number_and_null_close() {
    let f = Fixture::start().await;
    let f = f.closes_on(&bytes(r#""org.example.typed.Add""#)).await;
    let f = f.closes_on(&bytes("42")).await;
    let f = f.closes_on(&bytes("null")).await;
    // An empty message (two NULs in a row) is no JSON at all.
    f.closes_on(b"\0").await.still_serving().await;
}

#[tokio::test]
async fn missing_method_closes() {
    let f = Fixture::start().await;
    let f = f.closes_on(&bytes("{}")).await;
    f.closes_on(&bytes(r#"{"parameters":{"a":1,"b":2}}"#))
        .await
        .still_serving()
        .await;
}

#[tokio::test]
async fn non_string_method_closes() {
    let f = Fixture::start().await;
    let f = f.closes_on(&bytes(r#"{"method":5}"#)).await;
    let f = f.closes_on(&bytes(r#"{"method":null}"#)).await;
    let f = f
        .closes_on(&bytes(r#"{"method":["org.example.typed.Add"]}"#))
        .await;
    // Two `method` members are ambiguous.
    f.closes_on(&bytes(
        r#"{"method":"org.example.typed.Add","method":"org.example.test.Echo"}"#,
    ))
    .await
    .still_serving()
    .await;
}

#[tokio::test]
async fn method_without_a_dot_is_method_not_found() {
    let f = Fixture::start().await;
    let f = f
        .replies(
            json!({"method": "Add"}),
            json!({"error": "org.varlink.service.MethodNotFound", "parameters": {"method": "Add"}}),
        )
        .await;
    f.replies(
        json!({"method": ""}),
        json!({"error": "org.varlink.service.MethodNotFound", "parameters": {"method": ""}}),
    )
    .await
    .still_serving()
    .await;
}

#[tokio::test]
async fn unknown_unprefixed_header_member_closes() {
    let f = Fixture::start().await;
    let f = f
        .closes_on(&bytes(r#"{"method":"org.example.typed.Add","bogus":1}"#))
        .await;
    // `continues` and `error` belong to replies, not calls.
    let f = f
        .closes_on(&bytes(
            r#"{"method":"org.example.typed.Add","continues":true}"#,
        ))
        .await;
    f.closes_on(&bytes(
        r#"{"method":"org.example.typed.Add","error":"x.y.Z"}"#,
    ))
    .await
    .still_serving()
    .await;
}

#[tokio::test]
async fn vendor_members_are_ignored() {
    let f = Fixture::start().await;
    let mut call = add(4, 5);
    call["org.example.vendor"] = json!({"anything": [1, null, {"deep": true}]});
    call["io.systemd.trace"] = json!("id-1");
    f.replies(call, sum(9)).await.still_serving().await;
}

#[tokio::test]
async fn non_boolean_flags_close() {
    let f = Fixture::start().await;
    let mut f = f;
    for flag in ["more", "oneway", "upgrade"] {
        for value in [json!("yes"), json!(1), json!({}), json!([true])] {
            let mut call = add(1, 1);
            call[flag] = value;
            f = f.closes_on(&frame(&[call])).await;
        }
    }
    // `null` reads as absent and `false` as not set.
    let mut call = add(1, 1);
    call["more"] = Value::Null;
    call["oneway"] = json!(false);
    f.replies(call, sum(2)).await.still_serving().await;
}

#[tokio::test]
async fn two_flags_at_once_close() {
    let mut f = Fixture::start().await;
    for (x, y) in [
        ("more", "oneway"),
        ("more", "upgrade"),
        ("oneway", "upgrade"),
    ] {
        let mut call = add(1, 1);
        call[x] = json!(true);
        call[y] = json!(true);
        f = f.closes_on(&frame(&[call])).await;
    }
    // One set and one false is a single flag.
    let mut call = add(1, 1);
    call["more"] = json!(true);
    call["oneway"] = json!(false);
    f.replies(call, sum(2)).await.still_serving().await;
}

#[tokio::test]
async fn non_object_parameters_close() {
    let mut f = Fixture::start().await;
    for p in [json!([1, 2]), json!("a=1"), json!(3), json!(true)] {
        let call = json!({"method": "org.example.typed.Add", "parameters": p});
        f = f.closes_on(&frame(&[call])).await;
    }
    f.still_serving().await;
}

// --- parameters: an error reply, the connection stays ----------------------

#[tokio::test]
async fn absent_null_and_empty_parameters_are_equivalent() {
    let mut f = Fixture::start().await;
    for (method, reply) in [
        ("org.example.test.Echo", json!({})),
        ("org.example.typed.Add", invalid("a")),
        ("org.varlink.service.GetInfo", Value::Null),
    ] {
        let mut replies = Vec::new();
        for p in [None, Some(Value::Null), Some(json!({}))] {
            let mut call = json!({"method": method});
            if let Some(p) = p {
                call["parameters"] = p;
            }
            let mut raw = f.connect().await;
            replies.push(raw.call(call).await);
            assert_eq!(raw.call(add(1, 2)).await, sum(3));
        }
        assert_eq!(replies[0], replies[1], "{method}");
        assert_eq!(replies[0], replies[2], "{method}");
        if !reply.is_null() {
            assert_eq!(replies[0], reply, "{method}");
        }
    }
    f = f.replies(add(1, 2), sum(3)).await;
    f.still_serving().await;
}

#[tokio::test]
async fn unknown_field_is_invalid_parameter() {
    let f = Fixture::start().await;
    let f = f
        .replies(
            json!({"method": "org.example.typed.Add", "parameters": {"a": 1, "b": 2, "c": 3}}),
            invalid("c"),
        )
        .await;
    f.replies(
        json!({"method": "org.example.test.Echo", "parameters": {"value": "x", "Value": "y"}}),
        invalid("Value"),
    )
    .await
    .still_serving()
    .await;
}

#[tokio::test]
async fn ill_typed_field_is_invalid_parameter() {
    let mut f = Fixture::start().await;
    for a in [
        json!("1"),
        json!(null),
        json!(true),
        json!([1]),
        json!({"n": 1}),
    ] {
        f = f.replies(add(a, 2), invalid("a")).await;
    }
    f = f.replies(add(1, "2"), invalid("b")).await;
    // A missing required field is named too.
    f = f
        .replies(
            json!({"method": "org.example.typed.Add", "parameters": {"a": 1}}),
            invalid("b"),
        )
        .await;
    f.still_serving().await;
}

#[tokio::test]
async fn integers_beyond_i64_are_invalid_parameter() {
    let mut f = Fixture::start().await;
    // The bounds themselves are fine.
    f = f.replies(add(i64::MAX, 0), sum(i64::MAX)).await;
    f = f.replies(add(i64::MIN, 0), sum(i64::MIN)).await;
    for text in [
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "123456789012345678901234567890",
        "1e400",
    ] {
        let msg =
            format!(r#"{{"method":"org.example.typed.Add","parameters":{{"a":{text},"b":0}}}}"#);
        let mut raw = f.connect().await;
        raw.send(&bytes(&msg)).await;
        assert_eq!(raw.recv().await, Some(invalid("a")), "{text}");
        assert_eq!(raw.call(add(1, 2)).await, sum(3));
    }
    f.still_serving().await;
}

#[tokio::test]
async fn floats_where_ints_are_expected_are_invalid_parameter() {
    let mut f = Fixture::start().await;
    for text in ["1.0", "1.5", "1e3", "-0.0", "1E0"] {
        let msg =
            format!(r#"{{"method":"org.example.typed.Add","parameters":{{"a":1,"b":{text}}}}}"#);
        let mut raw = f.connect().await;
        raw.send(&bytes(&msg)).await;
        assert_eq!(raw.recv().await, Some(invalid("b")), "{text}");
        assert_eq!(raw.call(add(1, 2)).await, sum(3));
    }
    f = f
        .replies(
            add(i64::MAX, 1),
            json!({"error": "org.example.typed.Overflow"}),
        )
        .await;
    f.still_serving().await;
}

#[tokio::test]
async fn deeply_nested_json_in_parameters_is_invalid_parameter() {
    let f = Fixture::start().await;
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let msg = format!(r#"{{"method":"org.example.typed.Any","parameters":{{"value":{nested}}}}}"#);
    let mut raw = f.connect().await;
    raw.send(&bytes(&msg)).await;
    // The path names the field and how deep serde_json went before it
    // gave up: `value[0][0]...`.
    let reply = raw.recv().await.unwrap();
    assert_eq!(reply["error"], "org.varlink.service.InvalidParameter");
    let field = reply["parameters"]["parameter"].as_str().unwrap();
    assert!(field.starts_with("value[0][0]"), "{field}");
    assert_eq!(raw.call(add(1, 2)).await, sum(3));
    // Moderate nesting (below serde_json's limit of 128) is fine.
    let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let msg = format!(r#"{{"method":"org.example.typed.Any","parameters":{{"value":{ok}}}}}"#);
    raw.send(&bytes(&msg)).await;
    assert_eq!(raw.recv().await, Some(json!({})));
    f.still_serving().await;
}

#[tokio::test]
async fn deeply_nested_json_in_the_header_closes_or_is_ignored() {
    let f = Fixture::start().await;
    let depth = 100_000;
    // Unclosed at top level: never valid JSON.
    let f = f.closes_on(&bytes(&"[".repeat(depth))).await;
    // Balanced at top level: not an object.
    let f = f
        .closes_on(&bytes(&format!(
            "{}{}",
            "[".repeat(depth),
            "]".repeat(depth)
        )))
        .await;
    // Unclosed inside an object.
    let f = f
        .closes_on(&bytes(&format!(
            r#"{{"method":"org.example.typed.Add","parameters":{}"#,
            "{\"a\":".repeat(depth)
        )))
        .await;
    // Balanced, in a vendor member: kept raw and ignored.
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let msg = format!(
        r#"{{"method":"org.example.typed.Add","parameters":{{"a":1,"b":1}},"org.example.deep":{nested}}}"#
    );
    let mut raw = f.connect().await;
    raw.send(&bytes(&msg)).await;
    assert_eq!(raw.recv().await, Some(sum(2)));
    drop(raw);
    f.still_serving().await;
}

// --- framing and limits ------------------------------------------------------

fn limited(max: usize) -> (Service, Arc<Observed>) {
    let (mut service, observed) = service();
    service.set_max_message_size(max);
    (service, observed)
}

/// A Text call whose message is exactly `len` bytes long (without the NUL),
/// and the length of its text.
fn text_call_of_len(len: usize) -> (Vec<u8>, usize) {
    let head = r#"{"method":"org.example.typed.Text","parameters":{"text":""#;
    let tail = r#""}}"#;
    let fill = len - head.len() - tail.len();
    (bytes(&format!("{head}{}{tail}", "x".repeat(fill))), fill)
}

#[tokio::test]
async fn message_over_the_size_limit_closes() {
    let f = Fixture::with(limited(1024)).await;
    // Exactly at the limit is accepted.
    let mut raw = f.connect().await;
    let (call, chars) = text_call_of_len(1024);
    raw.send(&call).await;
    let reply = raw.recv().await.unwrap();
    assert_eq!(reply["parameters"]["chars"], chars);
    assert_eq!(raw.call(add(1, 2)).await, sum(3));
    drop(raw);
    // One byte more closes.
    let f = f.closes_on(&text_call_of_len(1025).0).await;
    // Much more, in one write, closes too.
    f.closes_on(&text_call_of_len(1 << 20).0)
        .await
        .still_serving()
        .await;
}

#[tokio::test]
async fn message_that_never_ends_is_bounded_by_the_size_limit() {
    // No idle timeout: the buffered bytes of an unfinished message are
    // bounded by the maximum message size.
    let f = Fixture::with(limited(4096)).await;
    let mut raw = f.connect().await;
    raw.send(&frame(&[add(1, 1)])).await;
    raw.send(br#"{"method":"org.example.typed.Text","parameters":{"text":""#)
        .await;
    assert_eq!(raw.recv().await, Some(sum(2)));
    // Keep sending without a NUL: closed once past the limit.
    raw.send_until_closed(&[b'x'; 8192]).await;
    assert_eq!(raw.recv().await, None);
    f.still_serving().await;
}

#[tokio::test]
async fn message_that_never_ends_is_closed_by_the_idle_timeout() {
    let (mut service, _) = service();
    service.set_idle_timeout(Some(Duration::from_millis(200)));
    let server = serve(&service, &abstract_address()).await;
    let mut raw = Raw::connect(&server.address).await;
    raw.send(&frame(&[add(1, 1)])).await;
    // Half a message, then silence: the connection counts as idle.
    raw.send(br#"{"method":"org.example.typed.Te"#).await;
    assert_eq!(raw.recv().await, Some(sum(2)));
    assert_eq!(raw.recv().await, None);
    // Other connections are served (fresh ones: an idle bystander would be
    // closed by the same timeout).
    let mut fresh = Raw::connect(&server.address).await;
    assert_eq!(fresh.call(add(1, 1)).await, sum(2));
    assert_eq!(fresh.call(add(2, 2)).await, sum(4));
    drop(fresh);
    server.stop().await;
}

#[tokio::test]
async fn a_message_trickling_in_byte_by_byte_is_closed_by_the_idle_timeout() {
    let (mut service, _) = service();
    service.set_idle_timeout(Some(Duration::from_millis(200)));
    let server = serve(&service, &abstract_address()).await;
    let mut raw = Raw::connect(&server.address).await;
    raw.send(&frame(&[add(1, 1)])).await;
    assert_eq!(raw.recv().await, Some(sum(2)));
    // A byte every 20 ms, never a whole message (a "slowloris"): bytes that
    // complete nothing are no activity, so the timeout still strikes and
    // the sending fails (else `within` fails the test).
    let trickle = async {
        for byte in br#"{"method":"org.example.typed.Add","parameters":{"a":1,"#
            .iter()
            .cycle()
        {
            if raw.try_send(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    within(trickle).await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_by_the_idle_timeout() {
    let (mut service, _) = service();
    service.set_idle_timeout(Some(Duration::from_millis(200)));
    let server = serve(&service, &abstract_address()).await;
    let mut raw = Raw::connect(&server.address).await;
    // A reply far larger than the socket buffers (about 200 KB), and the
    // client does not read: the server waits on it, which counts as idle.
    // (2 MiB, not more: a debug build on a busy machine took over a second
    // to produce 8 MiB, and the client began to read before the timeout.)
    raw.send(&frame(&[
        json!({"method": "org.example.typed.Big", "parameters": {"bytes": 2 << 20}}),
    ]))
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Closed meanwhile: what was sent before ends early, then end of file
    // (else `within` fails the test).
    let mut received = 0;
    let mut chunk = vec![0u8; 65536];
    loop {
        match within(raw.s.read(&mut chunk)).await {
            Ok(0) | Err(_) => break,
            Ok(n) => received += n,
        }
    }
    assert!(received < 2 << 20, "the whole reply arrived");
    server.stop().await;
}

#[tokio::test]
async fn raw_nul_inside_a_string_splits_the_message_and_closes() {
    let f = Fixture::start().await;
    f.closes_on(b"{\"method\":\"org.example.typed.Text\",\"parameters\":{\"text\":\"a\0b\"}}\0")
        .await
        .still_serving()
        .await;
}

#[tokio::test]
async fn escaped_nul_inside_a_string_is_fine() {
    let f = Fixture::start().await;
    f.replies(
        json!({"method": "org.example.typed.Text", "parameters": {"text": "a\u{0}b"}}),
        json!({"parameters": {"text": "a\u{0}b", "chars": 3}}),
    )
    .await
    .still_serving()
    .await;
    // serde_json writes U+0000 as the escape `\u0000`, never a raw NUL.
    assert_eq!(serde_json::to_string("a\u{0}b").unwrap(), r#""a\u0000b""#);
}

// --- clients that misbehave over time ----------------------------------------

/// Writes `chunk` over and over (continuing where a short write stopped)
/// until the socket stays full for `stall`; returns the bytes written.
/// Gives up after `cap` bytes.
async fn write_until_stalled(
    s: &mut UnixStream,
    chunk: &[u8],
    stall: Duration,
    cap: usize,
) -> usize {
    let mut written = 0;
    while written < cap {
        let at = written % chunk.len();
        match tokio::time::timeout(stall, s.write(&chunk[at..])).await {
            Ok(Ok(n)) => written += n,
            Ok(Err(e)) => panic!("write failed: {e}"),
            Err(_) => break,
        }
    }
    written
}

#[tokio::test]
async fn client_that_never_reads_is_held_back() {
    let f = Fixture::start().await;
    let mut flood = f.connect().await;
    // Pipelined calls with ~8 KiB replies each, never read. The server
    // stops reading once its unwritten replies pass its high-water mark,
    // so the client's writes stall: what it got to write is bounded (by
    // the server's read-ahead, its reply buffer and the socket buffers),
    // far below the cap that an unbounded server would reach.
    let call = frame(&[json!({
        "method": "org.example.typed.Text",
        "parameters": {"text": "y".repeat(8 << 10)}
    })]);
    let chunk: Vec<u8> = call.iter().copied().cycle().take(call.len() * 16).collect();
    let cap = 256 << 20;
    let written = within(write_until_stalled(
        &mut flood.s,
        &chunk,
        Duration::from_secs(1),
        cap,
    ))
    .await;
    eprintln!(
        "a client that never reads got to write {written} bytes before the server stopped reading"
    );
    assert!(
        written < 32 << 20,
        "wrote {written} bytes: the server did not hold back"
    );
    // Meanwhile everyone else is served.
    let mut f = f;
    assert_eq!(f.bystander.call(add(6, 7)).await, sum(13));
    let mut other = f.connect().await;
    assert_eq!(other.call(add(1, 2)).await, sum(3));
    // Once the client reads, every reply arrives, in order.
    let calls = written / call.len();
    for i in 0..calls {
        let reply = flood
            .recv()
            .await
            .unwrap_or_else(|| panic!("reply {i} of {calls}"));
        assert_eq!(reply["parameters"]["chars"], 8 << 10);
    }
    drop(flood);
    f.still_serving().await;
}

#[tokio::test]
async fn queued_calls_wait_while_replies_are_unread() {
    let f = Fixture::start().await;
    let mut flood = f.connect().await;
    // 64 small calls with 1 MiB replies, sent at once and not read: the
    // server answers a few (the socket buffer and its own reply buffer
    // fill), then starts no more queued calls until the client reads,
    // instead of building up 64 MiB of replies.
    let calls = 64;
    let one =
        frame(&[json!({"method": "org.example.typed.Big", "parameters": {"bytes": 1 << 20}})]);
    let all: Vec<u8> = one
        .iter()
        .copied()
        .cycle()
        .take(one.len() * calls)
        .collect();
    flood.send(&all).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = BIG_CALLS.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "{started} of {calls} calls with 1 MiB replies started while the client did not read"
    );
    assert!(
        started <= 4,
        "{started} replies of 1 MiB were built for a client that does not read"
    );
    // Reading brings every reply, in order.
    for i in 0..calls {
        let reply = flood
            .recv()
            .await
            .unwrap_or_else(|| panic!("reply {i} of {calls}"));
        assert_eq!(
            reply["parameters"]["text"].as_str().map(str::len),
            Some(1 << 20)
        );
    }
    drop(flood);
    f.still_serving().await;
}

#[tokio::test]
async fn client_that_never_reads_a_more_stream_is_held_back() {
    let f = Fixture::start().await;
    let mut flood = f.connect().await;
    // A stream of a million replies that nobody reads: the handler waits
    // for the writer (bounded queue), the writer for the client.
    flood
        .send(&frame(&[json!({"method": "org.example.test.Count", "parameters": {"n": 1_000_000}, "more": true})]))
        .await;
    let mut f = f;
    assert_eq!(f.bystander.call(add(6, 7)).await, sum(13));
    // Reading a few replies works, in order.
    for i in 0..10 {
        let reply = flood.recv().await.unwrap();
        assert_eq!(reply, json!({"parameters": {"i": i}, "continues": true}));
    }
    drop(flood);
    f.still_serving().await;
}

/// Waits until the only connection slot is free again, which proves that
/// the connection which held it has ended; returns the connection that got
/// the slot.
async fn slot_frees(address: &Address) -> Raw {
    within(async {
        loop {
            let mut again = Raw::connect(address).await;
            again.send_until_closed(&frame(&[add(1, 1)])).await;
            if again.recv().await.is_some() {
                return again;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}

fn single_connection() -> (Service, Arc<Observed>) {
    let (mut service, observed) = service();
    service.set_max_connections(1);
    (service, observed)
}

#[tokio::test]
async fn disconnect_in_the_middle_of_a_more_stream_frees_it() {
    let (service, observed) = single_connection();
    let server = serve(&service, &abstract_address()).await;
    // With one connection slot, each step's connection is the one that
    // got the slot after the previous connection ended.
    let mut raw = slot_frees(&server.address).await;
    for round in 1..=3 {
        raw.send(&frame(&[
            json!({"method": "org.example.test.Forever", "more": true}),
        ]))
        .await;
        assert_eq!(raw.recv().await.unwrap()["continues"], true);
        let dropped = observed.dropped.notified();
        drop(raw);
        within(dropped).await;
        assert_eq!(observed.streams_dropped.load(Ordering::SeqCst), round);
        raw = slot_frees(&server.address).await;
    }
    // Disconnecting with stream replies still unread in the socket.
    raw.send(&frame(&[
        json!({"method": "org.example.test.Count", "parameters": {"n": 100_000}, "more": true}),
    ]))
    .await;
    assert_eq!(raw.recv().await.unwrap()["continues"], true);
    drop(raw);
    let mut raw = slot_frees(&server.address).await;
    assert_eq!(raw.call(add(1, 2)).await, sum(3));
    drop(raw);
    server.stop().await;
}

#[tokio::test]
async fn disconnect_in_the_middle_of_an_upgrade_frees_it() {
    let (service, _) = single_connection();
    let server = serve(&service, &abstract_address()).await;
    // After the upgrade reply, while the upgraded protocol runs.
    let mut raw = slot_frees(&server.address).await;
    raw.send(&frame(&[
        json!({"method": "org.example.test.Upgrade", "upgrade": true}),
    ]))
    .await;
    assert_eq!(
        raw.recv().await,
        Some(json!({"parameters": {"protocol": "echo"}}))
    );
    raw.send(b"half a line of the upgraded protocol").await;
    drop(raw);
    // Before the upgrade reply could be read: the call and its first raw
    // bytes are sent, and the client is gone at once.
    let mut raw = slot_frees(&server.address).await;
    let mut msg = frame(&[json!({"method": "org.example.test.Upgrade", "upgrade": true})]);
    msg.extend_from_slice(b"raw bytes");
    raw.send(&msg).await;
    drop(raw);
    // Half of the upgrade call itself.
    let mut raw = slot_frees(&server.address).await;
    raw.send(br#"{"method":"org.example.test.Upgrade","upgr"#)
        .await;
    drop(raw);
    let mut raw = slot_frees(&server.address).await;
    assert_eq!(raw.call(add(1, 2)).await, sum(3));
    drop(raw);
    server.stop().await;
}

/// A connection keeps the interface of its last call for the next one:
/// calls that alternate between interfaces, with unknown ones and the
/// service interface in between, each reach their own.
#[tokio::test]
async fn calls_alternating_between_interfaces_reach_each() {
    let f = Fixture::start().await;
    let mut raw = f.connect().await;
    for round in 0..3 {
        assert_eq!(raw.call(add(round, 1)).await, sum(round + 1));
        assert_eq!(
            raw.call(json!({"method": "org.example.test.Echo", "parameters": {"value": "x"}}))
                .await,
            json!({"parameters": {"value": "x"}})
        );
        assert_eq!(raw.call(add(round, 2)).await, sum(round + 2));
        assert_eq!(
            raw.call(json!({"method": "org.example.nope.Add"})).await,
            json!({"error": "org.varlink.service.InterfaceNotFound", "parameters": {"interface": "org.example.nope"}})
        );
        assert_eq!(
            raw.call(json!({"method": "org.varlink.service.GetInfo"}))
                .await["parameters"]["interfaces"][2],
            json!("org.example.typed")
        );
    }
    f.still_serving().await;
}
