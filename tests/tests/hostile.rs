//! Behaviour of generated code through real sockets, for an interface
//! written to trip a code generator (`fixtures/org.example.hostile.varlink`):
//! every method round-trips through the generated client and server, bad
//! parameters get `InvalidParameter` naming the field, replies with extra
//! fields are accepted, and every IDL error arrives as its typed variant.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::json;
use varlink_runtime::server::{DispatchFuture, Listener};
use varlink_runtime::{CallContext, Interface, MethodCall, MethodError, MethodReply, Service};

mod hostile {
    varlink_macros::varlink_interface!(
        "fixtures/org.example.hostile.varlink",
        blocking_client = true
    );
}

use hostile::*;

struct Impl;

impl Hostile for Impl {
    async fn echo(
        &self,
        _context: &mut CallContext,
        r#type: Type,
        nested: Nested,
        self_: std::option::Option<Self_>,
        string: String,
        option: hostile::Option,
    ) -> Result<EchoReply, Error> {
        Ok(EchoReply {
            r#type,
            nested,
            self_,
            string,
            option,
        })
    }

    async fn raw(
        &self,
        _context: &mut CallContext,
        object: serde_json::Map<std::string::String, serde_json::Value>,
        any: serde_json::Value,
    ) -> Result<RawReply, Error> {
        Ok(RawReply { object, any })
    }

    async fn fail(
        &self,
        _context: &mut CallContext,
        which: std::string::String,
    ) -> Result<FailReply, Error> {
        Err(match which.as_str() {
            "Bad" => Error::Bad {
                r#type: "kind".to_owned(),
                reason: BadParametersReason {
                    code: 7,
                    detail: Some("why".to_owned()),
                },
            },
            "Empty" => Error::Empty,
            "Shadow" => Error::Shadow {
                f: "x".to_owned(),
                remote: 1,
                error: true,
            },
            "PermissionDenied" => Error::PermissionDenied,
            _ => Error::InvalidParameter {
                parameter: "which".to_owned(),
            },
        })
    }

    async fn stream(&self, context: &mut CallContext, count: i64) -> Result<StreamReply, Error> {
        if context.more() {
            for index in 0..count - 1 {
                context
                    .reply_continues(&StreamReply { index })
                    .await
                    .map_err(Error::Transport)?;
            }
        }
        Ok(StreamReply { index: count - 1 })
    }

    async fn unary(&self, context: &mut CallContext) -> Result<UnaryReply, Error> {
        if context.upgrade() {
            // Leave varlink: echo one line in upper case on the raw stream.
            use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
            let stream = context
                .upgrade_connection(&UnaryReply {})
                .await
                .map_err(Error::Transport)?;
            let mut stream = BufReader::new(stream);
            let mut line = std::string::String::new();
            stream
                .read_line(&mut line)
                .await
                .map_err(|e| Error::Transport(e.into()))?;
            stream
                .get_mut()
                .write_all(line.to_uppercase().as_bytes())
                .await
                .map_err(|e| Error::Transport(e.into()))?;
        }
        Ok(UnaryReply {})
    }

    async fn context(
        &self,
        call_context: &mut CallContext,
        context: std::string::String,
        call: i64,
        parameters: i64,
        reply: i64,
    ) -> Result<ContextReply, Error> {
        assert!(!call_context.more());
        Ok(ContextReply {
            context,
            call: call + parameters + reply,
        })
    }
}

/// Serves `service` on a fresh UNIX socket; returns its address.
async fn serve(service: Service, name: &str) -> std::string::String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let address = format!("unix:{}", dir.join("sock").display());
    let listener = Listener::bind(&address.parse().expect("address"))
        .await
        .expect("bind");
    tokio::spawn(async move { service.serve(listener).await });
    address
}

fn service() -> Service {
    let mut service = Service::new("test", "hostile", "0", "https://example.invalid");
    service.add_interface(HostileServer::new(Impl));
    service
}

fn sample_type(n: i64) -> Type {
    Type {
        r#type: format!("t{n}"),
        r#enum: Some(Enum::Self_),
        interface: true,
        bool: n,
        foo_bar: 1.5,
        foo_baz: "baz".to_owned(),
        r#async: -n,
        r#match: None,
    }
}

fn sample_nested() -> Nested {
    Nested {
        outer: NestedOuter {
            inner: NestedOuterInner {
                deep: Some(vec![
                    Some(HashMap::from([("k".to_owned(), NestedOuterInnerDeep::A)])),
                    None,
                ]),
            },
            list: vec![NestedOuterList { x: 1 }, NestedOuterList { x: 2 }],
        },
        set: ["x".to_owned(), "y".to_owned()].into(),
        maybe_set: None,
        map: HashMap::from([("one".to_owned(), sample_type(1))]),
    }
}

#[tokio::test]
async fn every_method_round_trips() {
    let address = serve(service(), "roundtrip").await;
    let mut client = HostileClient::connect(address.as_str())
        .await
        .expect("connect");

    let self_ = Self_ {
        self_: true,
        super_: 3,
        crate_: Some("c".to_owned()),
    };
    let string = hostile::String {
        text: "s".to_owned(),
    };
    let option = hostile::Option {
        some: Some(hostile::String {
            text: "o".to_owned(),
        }),
    };
    let reply = client
        .echo(
            &sample_type(5),
            &sample_nested(),
            Some(&self_),
            &string,
            &option,
        )
        .await
        .expect("echo");
    assert_eq!(reply.r#type, sample_type(5));
    assert_eq!(reply.nested, sample_nested());
    assert_eq!(reply.self_, Some(self_));
    assert_eq!(reply.string, string);
    assert_eq!(reply.option, option);

    let object = json!({"a": [1, {"b": null}]})
        .as_object()
        .cloned()
        .expect("object");
    let reply = client
        .raw(&object, &json!([true, "x", 2.5]))
        .await
        .expect("raw");
    assert_eq!((reply.object, reply.any), (object, json!([true, "x", 2.5])));

    client.unary().await.expect("unary");
    let reply = client.context("ctx", 1, 2, 3).await.expect("context");
    assert_eq!((reply.context.as_str(), reply.call), ("ctx", 6));

    // `more`: a stream that ends after the reply without `continues`.
    let mut stream = client.stream_more(4).await.expect("more");
    let mut indexes = Vec::new();
    while let Some(reply) = stream.next().await {
        indexes.push(reply.expect("reply").index);
    }
    assert_eq!(indexes, [0, 1, 2, 3]);
    drop(stream); // the stream borrows the client
    // Without `more` the same method answers once.
    assert_eq!(client.stream(4).await.expect("plain").index, 3);

    // `oneway`: no reply, and the next call gets its own reply.
    client.fail_oneway("Bad").await.expect("oneway");
    client.unary().await.expect("after oneway");
}

#[tokio::test]
async fn upgrade_hands_over_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = serve(service(), "upgrade").await;
    let mut client = HostileClient::connect(address.as_str())
        .await
        .expect("connect");
    let (UnaryReply {}, mut stream) = client.unary_upgrade().await.expect("upgrade");
    stream.write_all(b"raw bytes\n").await.expect("write");
    let mut echoed = vec![0; 10];
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_exact(&mut echoed),
    )
    .await
    .expect("in time")
    .expect("read");
    assert_eq!(echoed, b"RAW BYTES\n");
}

#[tokio::test]
async fn every_idl_error_arrives_typed() {
    let address = serve(service(), "errors").await;
    let mut client = HostileClient::connect(address.as_str())
        .await
        .expect("connect");
    match client.fail("Bad").await {
        Err(Error::Bad { r#type, reason }) => {
            assert_eq!(r#type, "kind");
            assert_eq!(
                reason,
                BadParametersReason {
                    code: 7,
                    detail: Some("why".to_owned())
                }
            );
        }
        other => panic!("expected Bad, got {other:?}"),
    }
    assert!(matches!(client.fail("Empty").await, Err(Error::Empty)));
    assert!(matches!(
        client.fail("PermissionDenied").await,
        Err(Error::PermissionDenied)
    ));
    match client.fail("other").await {
        Err(Error::InvalidParameter { parameter }) => assert_eq!(parameter, "which"),
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
    let error = client.fail("Bad").await.expect_err("fails");
    assert_eq!(
        error.to_string(),
        r#"org.example.hostile.Bad { type: "kind", reason: BadParametersReason { code: 7, detail: Some("why") } }"#
    );
    // Fields named `f`, `remote` and `error`, like the generated code's
    // own bindings, survive the trip and the formatting.
    let error = client.fail("Shadow").await.expect_err("fails");
    assert_eq!(
        error.to_string(),
        r#"org.example.hostile.Shadow { f: "x", remote: 1, error: true }"#
    );
}

#[tokio::test]
async fn wire_names_are_kept() {
    let value = serde_json::to_value(sample_type(2)).expect("json");
    assert_eq!(
        value,
        json!({"type": "t2", "enum": "self", "interface": true, "bool": 2, "fooBar": 1.5, "foo_baz": "baz", "async": -2})
    );
    let nested = serde_json::to_value(sample_nested()).expect("json");
    assert_eq!(nested["set"].as_object().map(|set| set.len()), Some(2));
    assert_eq!(nested["set"]["x"], json!({}));
    assert!(
        nested.get("maybe_set").is_none(),
        "None is omitted: {nested}"
    );
    assert_eq!(nested["outer"]["inner"]["deep"], json!([{"k": "a"}, null]));
    // Absent and null optional fields read as None.
    let parsed: Type = serde_json::from_value(json!({"type": "t", "enum": null, "interface": false, "bool": 0, "fooBar": 0.0, "foo_baz": "", "async": 0}))
        .expect("parse");
    assert_eq!((parsed.r#enum, parsed.r#match), (None, None));
}

#[tokio::test]
async fn bad_parameters_get_invalid_parameter_naming_the_field() {
    let address = serve(service(), "invalid").await;
    let mut raw = varlink_runtime::Connection::connect(address.as_str())
        .await
        .expect("connect");
    for (method, parameters, field) in [
        ("Unary", json!({"bogus": 1}), "bogus"),
        ("Stream", json!({"count": "three"}), "count"),
        ("Stream", json!({}), "count"),
        (
            "Context",
            json!({"context": "c", "call": 1, "parameters": 2, "reply": 3, "extra": 0}),
            "extra",
        ),
    ] {
        let error = raw
            .call::<_, serde_json::Value>(&format!("org.example.hostile.{method}"), &parameters)
            .await
            .expect_err("invalid");
        match Error::from(error) {
            Error::InvalidParameter { parameter } => {
                assert_eq!(parameter, field, "{method} {parameters}")
            }
            other => panic!("{method} {parameters}: expected InvalidParameter, got {other:?}"),
        }
    }
    // Unknown fields are refused inside nested types too, though the same
    // types ignore them in replies.
    let mut echo = json!({
        "type": serde_json::to_value(sample_type(1)).expect("json"),
        "nested": serde_json::to_value(sample_nested()).expect("json"),
        "string": {"text": "s"},
        "option": {},
    });
    echo["nested"]["map"]["one"]["surprise"] = json!(true);
    let error = raw
        .call::<_, serde_json::Value>("org.example.hostile.Echo", &echo)
        .await
        .expect_err("nested unknown field");
    match Error::from(error) {
        Error::InvalidParameter { parameter } => assert_eq!(parameter, "nested.map.one.surprise"),
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
    // Absent, null and {} parameters are the same, and the connection stayed usable.
    for parameters in [json!(null), json!({})] {
        raw.call::<_, serde_json::Value>("org.example.hostile.Unary", &parameters)
            .await
            .expect("unary");
    }
    match Error::from(
        raw.call::<_, serde_json::Value>("org.example.hostile.Nope", &json!({}))
            .await
            .expect_err("unknown"),
    ) {
        Error::MethodNotFound { method } => assert_eq!(method, "org.example.hostile.Nope"),
        other => panic!("expected MethodNotFound, got {other:?}"),
    }
}

/// A hand-written server that answers with more than the interface
/// declares, and with errors the interface does not know.
struct Extended;

impl Interface for Extended {
    fn name(&self) -> &str {
        "org.example.hostile"
    }
    fn description(&self) -> &str {
        INTERFACE_DESCRIPTION
    }
    fn dispatch<'a>(
        &'a self,
        call: &'a MethodCall,
        _ctx: &'a mut CallContext,
    ) -> DispatchFuture<'a> {
        Box::pin(async move {
            match call.member() {
                "Stream" => MethodReply::new(&json!({"index": 9, "added_later": {"x": 1}})),
                "Fail" => Err(MethodError::new(
                    "org.example.other.Surprise",
                    &json!({"n": 1}),
                )),
                // Declared error, undeclared shape: kept raw rather than lost.
                _ => Err(MethodError::new(
                    "org.example.hostile.Bad",
                    &json!({"type": 1}),
                )),
            }
        })
    }
}

#[tokio::test]
async fn clients_accept_extra_reply_fields_and_keep_unknown_errors() {
    let mut service = Service::new("test", "extended", "0", "https://example.invalid");
    service.add_interface(Extended);
    let address = serve(service, "extended").await;
    let mut client = HostileClient::connect(address.as_str())
        .await
        .expect("connect");
    assert_eq!(
        client.stream(1).await.expect("extra fields ignored").index,
        9
    );
    match client.fail("x").await {
        Err(Error::Remote { name, parameters }) => {
            assert_eq!(name, "org.example.other.Surprise");
            assert_eq!(
                parameters.map(|p| p.get().to_owned()).as_deref(),
                Some(r#"{"n":1}"#)
            );
        }
        other => panic!("expected Remote, got {other:?}"),
    }
    match client.unary().await {
        Err(Error::Remote { name, .. }) => assert_eq!(name, "org.example.hostile.Bad"),
        other => panic!("expected Remote, got {other:?}"),
    }
}

#[test]
fn blocking_client_round_trips() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let address = runtime.block_on(serve(service(), "blocking"));
    let handle = std::thread::spawn(move || {
        let mut client = HostileBlockingClient::connect(address.as_str()).expect("connect");
        let reply = client.context("b", 1, 1, 1).expect("context");
        assert_eq!(reply.call, 3);
        let indexes: Vec<i64> = client
            .stream_more(3)
            .expect("more")
            .map(|reply| reply.expect("reply").index)
            .collect();
        assert_eq!(indexes, [0, 1, 2]);
        assert!(matches!(client.fail("Empty"), Err(Error::Empty)));
    });
    handle.join().expect("blocking client thread");
    drop(runtime);
}
