//! Varlink certification in both directions against the Python reference
//! implementation (`varlink` 31.0.0 from PyPI), and against ourselves.
//!
//! "Ours" is `examples/certification`: its library in this process where a
//! test can call it, and its `varlink-certification` binary where a process
//! is needed (socket activation by the Python client, `exec:` addresses).
//! Every wait is bounded; socket paths, abstract names and ports are unique
//! per test.

use std::process::Command;

use example_certification::certification::{CertificationClient, Error};
use example_certification::{client, server};
use varlink_runtime::Listener;
use varlink_tests::net::{
    free_tcp_port, unix_abstract_address, unix_path_address, wait_until_accepting,
};
use varlink_tests::process::{self, Background, Output};
use varlink_tests::{LIMIT, python, workspace_binary};

fn our_binary() -> std::path::PathBuf {
    workspace_binary("varlink-certification", "example-certification")
}

/// Serves our certification service in this process at `address`; returns
/// the address actually bound (the port for `tcp:...:0`).
async fn serve_ours(address: &str) -> String {
    let listener = Listener::bind(&address.parse().expect("a valid address"))
        .await
        .expect("bind the certification service");
    let bound = listener.address().expect("a bound address").to_string();
    tokio::spawn(async move { server::service().serve(listener).await });
    bound
}

/// Runs our client against `address`, failing the test on any error.
async fn run_our_client(address: &str) {
    let mut log = Vec::new();
    let outcome = tokio::time::timeout(LIMIT, client::run(address, &mut |l| log.push(l)))
        .await
        .unwrap_or_else(|_| panic!("the certification against {address} timed out"));
    match outcome {
        Ok(all_ok) => assert!(all_ok, "End answered all_ok: false\n{}", log.join("\n")),
        Err(e) => panic!(
            "certification against {address} failed: {e}\n{}",
            log.join("\n")
        ),
    }
    assert!(log.last().is_some_and(|l| l.starts_with("End:")), "{log:?}");
}

/// Runs a process to its end on a blocking thread, so that servers of this
/// process keep running.
async fn run_process(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || process::run(&mut command))
        .await
        .expect("the process runner")
}

fn assert_python_client_passed(output: &Output) {
    assert!(
        output.status.success() && output.last_line() == "Certification passed",
        "the Python certification client failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        output.stdout,
        output.stderr
    );
    assert!(
        output.stdout.contains("End: {'all_ok': True}"),
        "{}",
        output.stdout
    );
}

fn python_certification() -> Command {
    python::module("varlink.tests.test_certification")
}

// Our client against the Python certification server.

async fn our_client_against_python_server(address: &str) {
    let mut python_server =
        Background::spawn(python_certification().arg(format!("--varlink={address}")));
    wait_until_accepting(address, || python_server.alive());
    run_our_client(address).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_python_server_unix_path() {
    our_client_against_python_server(&unix_path_address()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_python_server_unix_abstract() {
    our_client_against_python_server(&unix_abstract_address()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_python_server_tcp() {
    our_client_against_python_server(&format!("tcp:127.0.0.1:{}", free_tcp_port())).await;
}

// The Python certification client against our server.

async fn python_client_against_our_server(address: &str) {
    let address = serve_ours(address).await;
    let mut command = python_certification();
    command.arg("--client").arg(format!("--varlink={address}"));
    assert_python_client_passed(&run_process(command).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_against_our_server_unix_path() {
    python_client_against_our_server(&unix_path_address()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_against_our_server_unix_abstract() {
    python_client_against_our_server(&unix_abstract_address()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_against_our_server_tcp() {
    python_client_against_our_server("tcp:127.0.0.1:0").await;
}

// Ourselves against ourselves.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_our_server_every_address_kind() {
    for address in [
        unix_path_address(),
        unix_abstract_address(),
        "tcp:127.0.0.1:0".into(),
    ] {
        let bound = serve_ours(&address).await;
        run_our_client(&bound).await;
        // A second run on the same server gets a fresh client id.
        run_our_client(&bound).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_starts_our_server_through_exec() {
    run_our_client(&format!("exec:{}", our_binary().display())).await;
}

#[test]
fn binary_client_starts_binary_server_through_exec() {
    // No address: the client starts the program itself with `exec:`.
    let output = process::run(Command::new(our_binary()).arg("--client"));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.last_line(), "Certification passed");
    assert!(
        output.stderr.contains("End: EndReply { all_ok: true }"),
        "{}",
        output.stderr
    );
}

#[test]
fn binary_client_against_binary_server() {
    let address = unix_path_address();
    let mut server =
        Background::spawn(Command::new(our_binary()).arg(format!("--varlink={address}")));
    wait_until_accepting(&address, || server.alive());
    let output = process::run(
        Command::new(our_binary())
            .arg("--client")
            .arg(format!("--varlink={address}")),
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.last_line(), "Certification passed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_reports_an_exec_program_that_is_no_service() {
    // A program that is no varlink service: the client reports an error
    // instead of hanging.
    let outcome = tokio::time::timeout(LIMIT, client::run("exec:/bin/true", &mut |_| {})).await;
    assert!(
        matches!(outcome, Ok(Err(Error::Transport(_)))),
        "{outcome:?}"
    );
}

// The Python client starting our server by socket activation.

#[test]
fn python_client_activates_our_server_with_address_argument() {
    // The Python client replaces $VARLINK_ADDRESS with the socket it
    // passes as fd 3; the server must serve that socket, not bind anew.
    let activate = format!("{} --varlink=$VARLINK_ADDRESS", our_binary().display());
    let output = process::run(
        python_certification()
            .arg("--client")
            .arg(format!("--activate={activate}")),
    );
    assert_python_client_passed(&output);
}

#[test]
fn python_client_activates_our_server_without_arguments() {
    let output = process::run(
        python_certification()
            .arg("--client")
            .arg(format!("--activate={}", our_binary().display())),
    );
    assert_python_client_passed(&output);
}

// The Python command-line tool against our server.

fn python_cli(args: &[&str]) -> Output {
    let output = process::run(python::module("varlink.cli").args(args));
    // The tool exits 0 even when the service answers with an error; a
    // traceback means the tool itself failed.
    assert!(
        output.status.success() && !output.stderr.contains("Traceback"),
        "python -m varlink.cli {args:?} failed:\n{output:?}"
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cli_info_lists_both_interfaces() {
    let address = serve_ours(&unix_abstract_address()).await;
    let output = tokio::task::spawn_blocking(move || python_cli(&["info", &address]))
        .await
        .unwrap();
    let interfaces: Vec<&str> = output
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Interfaces:"))
        .skip(1)
        .map(str::trim)
        .collect();
    assert_eq!(
        interfaces,
        ["org.varlink.service", "org.varlink.certification"],
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("Vendor: Varlink"),
        "{}",
        output.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cli_help_returns_the_idl_text() {
    let address = serve_ours(&unix_abstract_address()).await;
    let target = format!("{address}/org.varlink.certification");
    let output = tokio::task::spawn_blocking(move || python_cli(&["help", &target]))
        .await
        .unwrap();
    let idl = include_str!("../../examples/certification/src/org.varlink.certification.varlink");
    assert_eq!(output.stdout.trim_end(), idl.trim_end());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cli_call_without_more() {
    let address = serve_ours(&unix_abstract_address()).await;
    let info = format!("{address}/org.varlink.service.GetInfo");
    let start = format!("{address}/org.varlink.certification.Start");
    let test01 = format!("{address}/org.varlink.certification.Test01");
    let (info, started, unknown) = tokio::task::spawn_blocking(move || {
        (
            python_cli(&["call", &info, "{}"]),
            python_cli(&["call", &start, "{}"]),
            python_cli(&["call", &test01, r#"{"client_id": "no such client"}"#]),
        )
    })
    .await
    .unwrap();
    let reply: serde_json::Value = serde_json::from_str(&info.stdout).expect("a JSON reply");
    assert_eq!(
        reply["interfaces"],
        serde_json::json!(["org.varlink.service", "org.varlink.certification"])
    );
    // The tool always sends `"more": false`; the certification server
    // checks every request exactly, so Start fails, as it does against the
    // Python reference server. The tool prints an error reply to stderr and
    // still exits 0.
    assert!(started.stdout.trim().is_empty(), "{started:?}");
    assert!(
        started
            .stderr
            .contains("org.varlink.certification.CertificationError")
            && started.stderr.contains("'more': False"),
        "{started:?}"
    );
    assert!(
        unknown
            .stderr
            .contains("org.varlink.certification.ClientIdError"),
        "{unknown:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cli_call_with_more_in_the_middle_of_a_certification() {
    // Our client runs Start ... Test09; the Python tool calls Test10 with
    // `--more` for the same client id; our client finishes with Test11 and
    // End, which answers all_ok only if the server saw every step right.
    let address = serve_ours(&unix_abstract_address()).await;
    let mut ours = CertificationClient::connect(address.as_str())
        .await
        .unwrap();
    let id = ours.start().await.unwrap().client_id;
    ours.test01(&id).await.unwrap();
    ours.test02(&id, true).await.unwrap();
    ours.test03(&id, 1).await.unwrap();
    ours.test04(&id, 1.0).await.unwrap();
    let r05 = ours.test05(&id, "ping").await.unwrap();
    let r06 = ours
        .test06(&id, r05.bool, r05.int, r05.float, &r05.string)
        .await
        .unwrap();
    let s = r06.r#struct;
    let r07 = ours
        .test07(
            &id,
            &example_certification::certification::Test07ParamsStruct {
                bool: s.bool,
                int: s.int,
                float: s.float,
                string: s.string,
            },
        )
        .await
        .unwrap();
    let r08 = ours.test08(&id, &r07.map).await.unwrap();
    let r09 = ours.test09(&id, &r08.set).await.unwrap();

    let arguments = serde_json::json!({ "client_id": id, "mytype": r09.mytype }).to_string();
    let method = format!("{address}/org.varlink.certification.Test10");
    let output =
        tokio::task::spawn_blocking(move || python_cli(&["call", "--more", &method, &arguments]))
            .await
            .unwrap();
    let replies: Vec<String> = serde_json::Deserializer::from_str(&output.stdout)
        .into_iter::<serde_json::Value>()
        .map(|r| {
            r.expect("JSON replies")["string"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (1..=10).map(|i| format!("Reply number {i}")).collect();
    assert_eq!(replies, expected, "{}", output.stdout);

    ours.test11_oneway(&id, &replies).await.unwrap();
    assert!(ours.end(&id).await.unwrap().all_ok);
}
