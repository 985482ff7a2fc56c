//! Interoperability with the Python `varlink` 31.0.0 implementation: its
//! command line client against the runtime's server, and the runtime's
//! clients against a Python server. The Python package is installed into
//! `target/pyvenv` on first use (see `common::python`).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::{Value, json};
use varlink_runtime::client::blocking;
use varlink_runtime::{Address, Connection, Error, ServiceError};

/// Runs `python -m varlink.cli ARGS` and returns (success, stdout, stderr).
async fn cli(args: Vec<String>) -> (bool, String, String) {
    let py = python().to_owned();
    tokio::task::spawn_blocking(move || {
        let child = Command::new(py)
            .args(["-m", "varlink.cli"])
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_output(child)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cli_talks_to_the_runtime_server() {
    let (service, observed) = test_service();
    let dir = temp_dir();
    let server = serve(
        &service,
        &format!("unix:{}/s", dir.display()).parse().unwrap(),
    )
    .await;
    let addr = server.address.to_string();

    let (ok, out, err) = cli(vec!["info".into(), addr.clone()]).await;
    assert!(ok, "info failed: {err}");
    for want in [
        "Varlink Test",
        "Runtime Tests",
        "org.varlink.service",
        "org.example.test",
    ] {
        assert!(out.contains(want), "info output lacks {want}: {out}");
    }

    let (ok, out, err) = cli(vec!["help".into(), format!("{addr}/org.example.test")]).await;
    assert!(ok, "help failed: {err}");
    assert!(out.contains("interface org.example.test"), "{out}");
    assert!(out.contains("method Count(n: int) -> (i: int)"), "{out}");
    assert!(out.contains("error Failure"), "{out}");

    let (ok, out, err) = cli(vec![
        "call".into(),
        format!("{addr}/org.example.test.Echo"),
        r#"{"value": "from python"}"#.into(),
    ])
    .await;
    assert!(ok, "call failed: {err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"value": "from python"})
    );

    let (ok, out, err) = cli(vec![
        "call".into(),
        "-m".into(),
        format!("{addr}/org.example.test.Count"),
        r#"{"n": 3}"#.into(),
    ])
    .await;
    assert!(ok, "call -m failed: {err}");
    let replies: Vec<Value> = serde_json::Deserializer::from_str(&out)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(replies, [json!({"i": 0}), json!({"i": 1}), json!({"i": 2})]);

    let (_, out, err) = cli(vec![
        "call".into(),
        format!("{addr}/org.example.test.Fail"),
        "{}".into(),
    ])
    .await;
    assert!(
        out.contains("org.example.test.Failure") || err.contains("org.example.test.Failure"),
        "error not reported: {out} {err}"
    );

    let (_, out, err) = cli(vec![
        "call".into(),
        format!("{addr}/org.example.test.Note"),
        r#"{"tag": "py"}"#.into(),
    ])
    .await;
    assert_eq!(*observed.notes.lock().unwrap(), ["py"], "{out} {err}");
    server.stop().await;
}

const PY_IDL: &str = "\
interface org.example.py

method Hello(name: string) -> (greeting: string)

method Count(n: int) -> (i: int)

method Fail() -> ()

error Boom (why: string)
";

const PY_SERVER: &str = r#"
import sys, varlink

service = varlink.Service(vendor='Python Vendor', product='Python Test', version='1',
                          url='https://example.invalid/py', interface_dir=sys.argv[2])

class Handler(varlink.RequestHandler):
    service = service

@service.interface('org.example.py')
class Py:
    def Hello(self, name):
        return {'greeting': 'Hello ' + name}

    def Count(self, n, _more=False):
        for i in range(n):
            yield {'i': i, '_continues': i + 1 < n}

    def Fail(self):
        raise varlink.VarlinkError({'error': 'org.example.py.Boom', 'parameters': {'why': 'asked'}})

with varlink.ThreadingServer(sys.argv[1], Handler) as server:
    print('READY', flush=True)
    server.serve_forever()
"#;

struct PyServer(Child);

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the Python server above on `address` and waits until it listens.
fn python_server(address: &str) -> PyServer {
    let dir = temp_dir();
    std::fs::write(dir.join("org.example.py.varlink"), PY_IDL).unwrap();
    std::fs::write(dir.join("server.py"), PY_SERVER).unwrap();
    let mut child = Command::new(python())
        .arg(dir.join("server.py"))
        .arg(address)
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let server = PyServer(child);
    let line = rx.recv_timeout(LIMIT).expect("Python server did not start");
    assert_eq!(line.trim(), "READY", "Python server failed to start");
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_clients_talk_to_a_python_server() {
    let dir = temp_dir();
    let address: Address = format!("unix:{}/py", dir.display()).parse().unwrap();
    let _server = python_server(&address.to_string());

    let mut conn = within(Connection::connect(&address)).await.unwrap();
    let info: Value = within(conn.call("org.varlink.service.GetInfo", &()))
        .await
        .unwrap();
    assert_eq!(info["vendor"], "Python Vendor");
    assert!(
        info["interfaces"]
            .as_array()
            .unwrap()
            .contains(&json!("org.example.py"))
    );
    let desc: Value = within(conn.call(
        "org.varlink.service.GetInterfaceDescription",
        &json!({"interface": "org.example.py"}),
    ))
    .await
    .unwrap();
    assert!(
        desc["description"]
            .as_str()
            .unwrap()
            .contains("method Hello")
    );

    let hello: Value = within(conn.call("org.example.py.Hello", &json!({"name": "Rust"})))
        .await
        .unwrap();
    assert_eq!(hello, json!({"greeting": "Hello Rust"}));

    let mut stream = within(conn.call_more::<_, Value>("org.example.py.Count", &json!({"n": 3})))
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(r) = within(stream.next()).await {
        got.push(r.unwrap()["i"].as_i64().unwrap());
    }
    assert_eq!(got, [0, 1, 2]);
    drop(stream);

    match within(conn.call::<_, Value>("org.example.py.Fail", &())).await {
        Err(Error::Remote(e)) => {
            assert_eq!(e.name, "org.example.py.Boom");
            assert_eq!(e.parameters_as::<Value>().unwrap(), json!({"why": "asked"}));
        }
        other => panic!("{other:?}"),
    }
    match within(conn.call::<_, Value>("org.example.nope.X", &())).await {
        Err(Error::Service(ServiceError::InterfaceNotFound { interface })) => {
            assert_eq!(interface, "org.example.nope")
        }
        other => panic!("{other:?}"),
    }

    // Pipelining against Python.
    for name in ["a", "b", "c"] {
        conn.send(
            "org.example.py.Hello",
            &json!({"name": name}),
            varlink_runtime::wire::CallFlags::NONE,
        )
        .unwrap();
    }
    for name in ["a", "b", "c"] {
        let r = within(conn.receive::<Value>()).await.unwrap();
        assert_eq!(r.parameters["greeting"], format!("Hello {name}"));
    }

    let address2 = address.clone();
    let greeting = tokio::task::spawn_blocking(move || {
        let mut conn = blocking::Connection::connect(&address2).unwrap();
        conn.set_call_timeout(Some(LIMIT));
        conn.call::<_, Value>("org.example.py.Hello", &json!({"name": "blocking"}))
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(greeting["greeting"], "Hello blocking");
}
