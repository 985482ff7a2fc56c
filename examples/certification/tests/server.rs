//! The certification server's checks, call by call, and the command line.

use std::time::Duration;

use example_certification::server::{new_mytype, service, service_with_lifetime};
use serde_json::{Value, json};
use varlink_runtime::{Connection, Error, testing};

const PREFIX: &str = "org.varlink.certification.";

async fn call(conn: &mut Connection, method: &str, parameters: Value) -> Result<Value, Error> {
    conn.call(&format!("{PREFIX}{method}"), &parameters).await
}

/// The error name and parameters of a failed call.
fn remote(result: Result<Value, Error>) -> (String, Value) {
    match result {
        Err(Error::Remote(e)) => {
            let parameters = e
                .parameters
                .as_deref()
                .map_or(Value::Null, |p| serde_json::from_str(p.get()).unwrap());
            (e.name, parameters)
        }
        other => panic!("expected an error reply, got {other:?}"),
    }
}

async fn started(conn: &mut Connection) -> String {
    let reply = call(conn, "Start", json!({})).await.unwrap();
    reply["client_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn unknown_client_id_is_a_client_id_error() {
    let (mut conn, _server) = testing::pair(&service()).unwrap();
    let (name, _) = remote(call(&mut conn, "Test01", json!({"client_id": "nobody"})).await);
    assert_eq!(name, format!("{PREFIX}ClientIdError"));
}

#[tokio::test]
async fn a_call_out_of_order_wants_the_expected_one_and_ends_the_client() {
    let (mut conn, _server) = testing::pair(&service()).unwrap();
    let id = started(&mut conn).await;
    let (name, parameters) =
        remote(call(&mut conn, "Test02", json!({"client_id": id, "bool": true})).await);
    assert_eq!(name, format!("{PREFIX}CertificationError"));
    assert_eq!(
        parameters["wants"],
        json!({"method": format!("{PREFIX}Test01")})
    );
    assert_eq!(parameters["got"]["method"], format!("{PREFIX}Test02"));
    let (name, _) = remote(call(&mut conn, "Test01", json!({"client_id": id})).await);
    assert_eq!(name, format!("{PREFIX}ClientIdError"));
}

#[tokio::test]
async fn a_wrong_value_reports_wants_and_got() {
    let (mut conn, _server) = testing::pair(&service()).unwrap();
    let id = started(&mut conn).await;
    call(&mut conn, "Test01", json!({"client_id": id}))
        .await
        .unwrap();
    let (name, parameters) =
        remote(call(&mut conn, "Test02", json!({"client_id": id, "bool": false})).await);
    assert_eq!(name, format!("{PREFIX}CertificationError"));
    assert_eq!(
        parameters["wants"],
        json!({"method": format!("{PREFIX}Test02"), "parameters": {"client_id": id, "bool": true}})
    );
    assert_eq!(
        parameters["got"],
        json!({"method": format!("{PREFIX}Test02"), "parameters": {"client_id": id, "bool": false}})
    );
}

#[tokio::test]
async fn a_flag_the_step_does_not_want_fails_it() {
    let (mut conn, _server) = testing::pair(&service()).unwrap();
    let id = started(&mut conn).await;
    let mut replies = conn
        .call_more::<_, Value>(&format!("{PREFIX}Test01"), &json!({"client_id": id}))
        .await
        .unwrap();
    let (name, parameters) = remote(replies.next().await.unwrap());
    assert_eq!(name, format!("{PREFIX}CertificationError"));
    assert_eq!(parameters["got"]["more"], true);
    assert!(parameters["wants"].get("more").is_none());
}

/// The reference servers compare the request as sent: a `"more": false`
/// member that the step does not want fails it, like any extra key.
#[tokio::test]
async fn an_explicit_false_flag_fails_the_step() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // The runtime's client never sends a false flag: write the bytes by hand.
    let service = service();
    let (mut raw, server_side) = tokio::net::UnixStream::pair().unwrap();
    let task = tokio::spawn(async move { service.serve_stream(server_side, None).await });
    let start = format!("{{\"method\":\"{PREFIX}Start\"}}\0");
    raw.write_all(start.as_bytes()).await.unwrap();
    let reply = read_message(&mut raw).await;
    let id = reply["parameters"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let test01 = json!({"method": format!("{PREFIX}Test01"), "parameters": {"client_id": id}, "more": false});
    let mut bytes = serde_json::to_vec(&test01).unwrap();
    bytes.push(0);
    raw.write_all(&bytes).await.unwrap();
    let reply = read_message(&mut raw).await;
    assert_eq!(reply["error"], format!("{PREFIX}CertificationError"));
    assert_eq!(reply["parameters"]["got"]["more"], false);
    assert!(reply["parameters"]["wants"].get("more").is_none());
    drop(raw);
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;

    async fn read_message(stream: &mut tokio::net::UnixStream) -> Value {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
                .await
                .expect("reply in time")
                .unwrap();
            assert_eq!(n, 1, "connection closed");
            if byte[0] == 0 {
                return serde_json::from_slice(&buf).unwrap();
            }
            buf.push(byte[0]);
        }
    }
}

#[tokio::test]
async fn test10_without_more_fails() {
    let (mut conn, _server) = testing::pair(&service()).unwrap();
    let id = started(&mut conn).await;
    let steps = [
        ("Test01", json!({})),
        ("Test02", json!({"bool": true})),
        ("Test03", json!({"int": 1})),
        ("Test04", json!({"float": 1.0})),
        ("Test05", json!({"string": "ping"})),
        (
            "Test06",
            json!({"bool": false, "int": 2, "float": std::f64::consts::PI, "string": "a lot of string"}),
        ),
        (
            "Test07",
            json!({"struct": {"bool": false, "int": 2, "float": std::f64::consts::PI, "string": "a lot of string"}}),
        ),
        ("Test08", json!({"map": {"foo": "Foo", "bar": "Bar"}})),
        (
            "Test09",
            json!({"set": {"one": {}, "two": {}, "three": {}}}),
        ),
    ];
    for (method, mut parameters) in steps {
        parameters["client_id"] = id.clone().into();
        call(&mut conn, method, parameters).await.unwrap();
    }
    let (name, parameters) = remote(
        call(
            &mut conn,
            "Test10",
            json!({"client_id": id, "mytype": new_mytype()}),
        )
        .await,
    );
    assert_eq!(name, format!("{PREFIX}CertificationError"));
    assert_eq!(parameters["wants"]["more"], true);
}

#[tokio::test]
async fn an_unknown_parameter_is_an_invalid_parameter() {
    let (mut conn, _server) = testing::pair(&service()).unwrap();
    let id = started(&mut conn).await;
    let result = call(&mut conn, "Test01", json!({"client_id": id, "extra": 1})).await;
    assert!(
        matches!(
            &result,
            Err(Error::Service(varlink_runtime::ServiceError::InvalidParameter { parameter }))
                if parameter == "extra"
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn client_ids_expire() {
    let (mut conn, _server) = testing::pair(&service_with_lifetime(Duration::ZERO)).unwrap();
    let id = started(&mut conn).await;
    let (name, _) = remote(call(&mut conn, "Test01", json!({"client_id": id})).await);
    assert_eq!(name, format!("{PREFIX}ClientIdError"));
}

#[tokio::test]
async fn the_whole_run_in_process_and_client_ids_differ() {
    let service = service();
    let dir = std::env::temp_dir().join(format!("example-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let address = format!("unix:{}", dir.join("socket").display());
    let listener = varlink_runtime::Listener::bind(&address.parse().unwrap())
        .await
        .unwrap();
    tokio::spawn(async move { service.serve(listener).await });
    for _ in 0..2 {
        let outcome = tokio::time::timeout(
            Duration::from_secs(30),
            example_certification::client::run(&address, &mut |_| {}),
        )
        .await
        .unwrap();
        assert!(outcome.unwrap());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_binary_certifies_itself_through_exec() {
    // No arguments: the client starts the binary itself by `exec:`.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_varlink-certification"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "Certification passed"
    );
}

#[test]
fn command_line_parsing() {
    use example_certification::cli::{Options, parse};
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        parse(args(&["--client", "--varlink=unix:@x"])),
        Ok(Some(Options {
            client: true,
            address: Some("unix:@x".into())
        }))
    );
    assert_eq!(
        parse(args(&["--varlink", "tcp:127.0.0.1:1"])),
        Ok(Some(Options {
            client: false,
            address: Some("tcp:127.0.0.1:1".into())
        }))
    );
    assert_eq!(parse(args(&["--help"])), Ok(None));
    assert!(parse(args(&["--bogus"])).is_err());
    assert!(parse(args(&["--varlink"])).is_err());
}
