//! Shared helpers of the integration tests: a hand-written test interface,
//! servers on real sockets, temp paths, bounded waits, and the Python venv.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use varlink_runtime::server::{DispatchFuture, Listener};
use varlink_runtime::{
    Address, CallContext, Interface, MethodCall, MethodError, MethodReply, Service,
};

/// Every wait in the tests is bounded by this.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test when it takes longer than [`LIMIT`].
pub async fn within<F: std::future::Future>(fut: F) -> F::Output {
    tokio::time::timeout(LIMIT, fut)
        .await
        .expect("test step timed out")
}

/// A fresh directory under the system temp dir.
pub fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "varlink-rt-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A unique abstract socket address.
pub fn abstract_address() -> Address {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "unix:@varlink-rt-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
    .parse()
    .unwrap()
}

pub const TEST_IDL: &str = "\
# A test interface implemented by hand against the runtime.
interface org.example.test

# Returns its input.
method Echo(value: ?string) -> (value: ?string)

# Waits, then replies.
method Sleep(ms: int) -> ()

# Replies n times with `more` (n-1 of them with continues).
method Count(n: int) -> (i: int)

# Replies forever with `more`.
method Forever() -> (i: int)

# Records a tag (for oneway tests).
method Note(tag: string) -> ()

# Panics.
method Panic() -> ()

# Upgrades the connection and echoes bytes back, after a greeting.
method Upgrade() -> (protocol: string)

# Reports the peer credentials.
method Whoami() -> (uid: int, pid: ?int)

# Fails with Failure.
method Fail() -> ()

error Failure (reason: string)
";

/// What the test interface observed.
#[derive(Default)]
pub struct Observed {
    pub notes: Mutex<Vec<String>>,
    /// Incremented when a `Forever` stream's handler is dropped.
    pub streams_dropped: AtomicUsize,
    pub dropped: tokio::sync::Notify,
    /// Notified when a `Sleep` call starts.
    pub sleeping: tokio::sync::Notify,
}

pub struct TestInterface {
    pub observed: Arc<Observed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoIn {
    value: Option<String>,
}
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct EchoOut {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SleepIn {
    ms: u64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountIn {
    n: i64,
}
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct CountOut {
    pub i: i64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteIn {
    tag: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}
#[derive(Serialize, Deserialize, Debug)]
pub struct WhoamiOut {
    pub uid: u32,
    pub pid: Option<i32>,
}

struct DropGuard(Arc<Observed>);
impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.streams_dropped.fetch_add(1, Ordering::SeqCst);
        self.0.dropped.notify_one();
    }
}

fn internal(e: varlink_runtime::Error) -> MethodError {
    MethodError::internal(e.to_string())
}

impl Interface for TestInterface {
    fn name(&self) -> &str {
        "org.example.test"
    }
    fn description(&self) -> &str {
        TEST_IDL
    }
    fn dispatch<'a>(
        &'a self,
        call: &'a MethodCall,
        ctx: &'a mut CallContext,
    ) -> DispatchFuture<'a> {
        Box::pin(async move {
            match call.member() {
                "Echo" => {
                    let EchoIn { value } = call.parse_parameters()?;
                    MethodReply::new(&EchoOut { value })
                }
                "Sleep" => {
                    let SleepIn { ms } = call.parse_parameters()?;
                    self.observed.sleeping.notify_one();
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok(MethodReply::empty())
                }
                "Count" => {
                    let CountIn { n } = call.parse_parameters()?;
                    if !ctx.more() {
                        return Err(varlink_runtime::ServiceError::ExpectedMore.into());
                    }
                    for i in 0..n - 1 {
                        ctx.reply_continues(&CountOut { i })
                            .await
                            .map_err(internal)?;
                    }
                    MethodReply::new(&CountOut { i: n - 1 })
                }
                "Forever" => {
                    let Empty {} = call.parse_parameters()?;
                    let _guard = DropGuard(self.observed.clone());
                    let mut i = 0;
                    loop {
                        ctx.reply_continues(&CountOut { i })
                            .await
                            .map_err(internal)?;
                        i += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                "Note" => {
                    let NoteIn { tag } = call.parse_parameters()?;
                    self.observed.notes.lock().unwrap().push(tag);
                    Ok(MethodReply::empty())
                }
                "Panic" => panic!("handler panics on purpose"),
                "Upgrade" => {
                    if !ctx.upgrade() {
                        return Err(varlink_runtime::ServiceError::ExpectedUpgrade.into());
                    }
                    let mut raw = ctx
                        .upgrade_connection(&serde_json::json!({"protocol": "echo"}))
                        .await
                        .map_err(internal)?;
                    raw.write_all(b"welcome\n").await.ok();
                    let mut buf = [0u8; 1024];
                    loop {
                        match raw.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if raw.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    Ok(MethodReply::empty())
                }
                "Whoami" => {
                    let peer = ctx.peer_credentials().copied();
                    MethodReply::new(&WhoamiOut {
                        uid: peer.map_or(u32::MAX, |p| p.uid),
                        pid: peer.and_then(|p| p.pid),
                    })
                }
                "Fail" => Err(MethodError::new(
                    "org.example.test.Failure",
                    &serde_json::json!({"reason": "asked to"}),
                )),
                _ => Err(MethodError::method_not_found(call)),
            }
        })
    }
}

/// The test service and what its interface observes.
pub fn test_service() -> (Service, Arc<Observed>) {
    let observed = Arc::new(Observed::default());
    let mut service = Service::new(
        "Varlink Test",
        "Runtime Tests",
        "0.1",
        "https://example.invalid",
    );
    service.add_interface(TestInterface {
        observed: observed.clone(),
    });
    (service, observed)
}

/// A running server; shuts down gracefully when [`Self::stop`] is awaited.
pub struct Running {
    pub address: Address,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<varlink_runtime::Result<()>>,
}

impl Running {
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        within(&mut self.task).await.unwrap().unwrap();
    }
}

/// Binds `address` and serves `service` on it in a task.
pub async fn serve(service: &Service, address: &Address) -> Running {
    let listener = Listener::bind(address).await.unwrap();
    let address = listener.address().unwrap().clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let service = service.clone();
    let task = tokio::spawn(async move {
        service
            .serve_with_shutdown(listener, async {
                let _ = rx.await;
            })
            .await
    });
    Running {
        address,
        stop: Some(tx),
        task,
    }
}

/// Waits for a child process, killing it after [`LIMIT`].
pub fn wait_output(mut child: Child) -> (bool, String, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            use std::io::Read;
            if let Some(mut o) = child.stdout.take() {
                o.read_to_string(&mut out).unwrap();
            }
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut err).unwrap();
            }
            return (status.success(), out, err);
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child process did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The Python interpreter of a venv with `varlink==31.0.0` (the
/// workspace's test crate installs it; see there).
#[path = "../../../tests/src/python.rs"]
#[allow(dead_code)]
mod python_venv;
#[allow(unused_imports)] // Not every test binary talks to Python.
pub use python_venv::python;

/// Connects to a server on an abstract socket (the tests' addresses).
pub fn connect_abstract(address: &Address) -> UnixStream {
    let Address::UnixAbstract { name } = address else {
        panic!("raw tests use abstract sockets")
    };
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let s = std::os::unix::net::UnixStream::connect_addr(&addr).unwrap();
    s.set_nonblocking(true).unwrap();
    UnixStream::from_std(s).unwrap()
}

/// A client that writes exact bytes and reads exact messages.
pub struct Raw {
    pub s: UnixStream,
    pub buf: Vec<u8>,
}

impl Raw {
    pub async fn connect(address: &Address) -> Self {
        Self {
            s: connect_abstract(address),
            buf: Vec::new(),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        within(self.s.write_all(bytes)).await.unwrap();
    }

    /// Sends bytes, failing once the server has closed the connection.
    pub async fn try_send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        within(self.s.write_all(bytes)).await
    }

    /// Sends bytes the server may refuse to read to the end: it may close
    /// the connection while they are being written.
    pub async fn send_until_closed(&mut self, bytes: &[u8]) {
        let _ = within(self.s.write_all(bytes)).await;
    }

    /// The next message, or `None` when the server closed the connection.
    pub async fn recv(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == 0) {
                let msg: Vec<u8> = self.buf.drain(..=pos).collect();
                return Some(serde_json::from_slice(&msg[..pos]).unwrap());
            }
            // On the heap: a 64 KiB array would live in every future that
            // awaits this one, and those nest deep enough in a test's
            // `block_on` to overflow the stack of a debug build.
            let mut chunk = vec![0u8; 65536];
            match within(self.s.read(&mut chunk)).await {
                // A server that closes with our bytes unread resets.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read failed: {e}"),
                Ok(0) => {
                    assert!(self.buf.is_empty(), "partial message before close");
                    return None;
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    pub async fn call(&mut self, msg: Value) -> Value {
        self.send(&frame(&[msg])).await;
        self.recv()
            .await
            .expect("connection closed instead of a reply")
    }
}

/// Messages as a client sends them: JSON, each ended by a NUL.
pub fn frame(msgs: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend(serde_json::to_vec(m).unwrap());
        out.push(0);
    }
    out
}
