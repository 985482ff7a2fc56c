//! Load tests on loopback: many concurrent connections, deep pipelining,
//! long `more` streams, and a server restarted under clients that retry.
//!
//! Sizes are chosen to run in well under a minute in a debug build on two
//! cores; `VARLINK_LOAD_SCALE=10` (any positive integer) multiplies the
//! counts for larger runs:
//!
//! ```sh
//! VARLINK_LOAD_SCALE=10 cargo test --release -p varlink-tests --test load -- --nocapture
//! ```
//!
//! Each test prints its figures with `eprintln!` (shown with
//! `--nocapture`): the time taken and the peak resident memory of this
//! process (`VmHWM`, reset at the start of each test; server and clients
//! share the process, so it bounds the server's peak from above). The tests
//! of this file run one after the other, so that the figures are their own.
//! Every wait is bounded; nothing asserts on time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use varlink_runtime::wire::CallFlags;
use varlink_runtime::{Address, CallContext, Listener, Service};
use varlink_tests::LIMIT;

mod load {
    varlink_macros::varlink_interface!(
        inline = r#"
# A service for load tests.
interface org.example.load

# Returns its input.
method Echo(n: int, text: string) -> (n: int, text: string)

# Replies n times (with `more`).
method Count(n: int) -> (i: int)

# Which server instance answers.
method Generation() -> (generation: int)
"#
    );
}

use load::{CountReply, EchoReply, GenerationReply, Load, LoadClient, LoadServer};

struct Impl {
    generation: i64,
}

impl Load for Impl {
    async fn echo(
        &self,
        _context: &mut CallContext,
        n: i64,
        text: String,
    ) -> Result<EchoReply, load::Error> {
        Ok(EchoReply { n, text })
    }

    async fn count(&self, context: &mut CallContext, n: i64) -> Result<CountReply, load::Error> {
        if !context.more() {
            return Err(load::Error::ExpectedMore);
        }
        for i in 0..n - 1 {
            context
                .reply_continues(&CountReply { i })
                .await
                .map_err(load::Error::Transport)?;
        }
        Ok(CountReply { i: n - 1 })
    }

    async fn generation(&self, _context: &mut CallContext) -> Result<GenerationReply, load::Error> {
        Ok(GenerationReply {
            generation: self.generation,
        })
    }
}

fn service(generation: i64, connections: usize) -> Service {
    let mut service = Service::new("test", "load", "0", "https://example.invalid");
    service.add_interface(LoadServer::new(Impl { generation }));
    // Room for every connection of the test (all come from one user).
    service.set_max_connections(connections.max(64) + 64);
    service.set_max_connections_per_uid(connections.max(64) + 64);
    service
}

/// The multiplier of every count, from `VARLINK_LOAD_SCALE` (default 1).
fn scale() -> usize {
    match std::env::var("VARLINK_LOAD_SCALE") {
        Ok(s) => s
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("VARLINK_LOAD_SCALE must be a positive integer, not {s:?}")),
        Err(_) => 1,
    }
}

/// The tests of this file run one at a time, so that each one's peak
/// memory and time are its own.
async fn exclusive() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets `VmHWM` to the current resident size (Linux: `5` to
/// `/proc/self/clear_refs`); returns whether that worked.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn report(test: &str, what: &str, started: Instant, peak_reset: bool) {
    let rss = status_kib("VmRSS:").unwrap_or(0);
    let hwm = status_kib("VmHWM:").unwrap_or(0);
    eprintln!(
        "load/{test}: {what} in {:.2?}; peak RSS of the process {} MiB{}, RSS now {} MiB",
        started.elapsed(),
        hwm / 1024,
        if peak_reset {
            " (since the test started)"
        } else {
            " (since the process started)"
        },
        rss / 1024,
    );
}

async fn within<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    tokio::time::timeout(LIMIT * 4, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// Serves `service` on `address` until the returned sender fires.
async fn serve(
    service: Service,
    address: &Address,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<varlink_runtime::Result<()>>,
) {
    let listener = Listener::bind(address).await.expect("bind");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        service
            .serve_with_shutdown(listener, async {
                let _ = rx.await;
            })
            .await
    });
    (tx, task)
}

/// Raises the soft limit of open files to at least `want`, within the
/// hard limit. Returns the soft limit in force.
#[allow(unsafe_code)]
fn raise_nofile(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `lim`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < want {
            let raised = libc::rlimit {
                rlim_cur: want.min(lim.rlim_max),
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
    }
    lim.rlim_cur
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_connections() {
    let _one = exclusive().await;
    let peak_reset = reset_peak();
    let clients = 1000 * scale();
    // Calls per connection once all are open (besides the first one).
    let calls = 10;
    // A client and a server descriptor per connection, and some spare.
    let need = 2 * clients as u64 + 256;
    let have = raise_nofile(need);
    if have < need {
        eprintln!(
            "load/thousand_concurrent_connections: SKIPPED: needs {need} open files, \
             the hard limit allows {have} (raise it with `ulimit -Hn`)"
        );
        return;
    }
    let address: Address = varlink_tests::net::unix_path_address().parse().unwrap();
    let (stop, server) = serve(service(1, clients), &address).await;
    let started = Instant::now();

    // Connections are opened at most 64 at a time, below the listen
    // backlog; all are held open together before the calls start.
    let connect_gate = Arc::new(tokio::sync::Semaphore::new(64));
    let all_connected = Arc::new(tokio::sync::Barrier::new(clients));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (address, gate, barrier, ok) = (
            address.clone(),
            connect_gate.clone(),
            all_connected.clone(),
            ok.clone(),
        );
        tasks.spawn(async move {
            let started = started;
            let mut client = {
                let _permit = gate.acquire().await.unwrap();
                let mut client = LoadClient::connect(&address).await.expect("connect");
                // One call proves the server took the connection.
                let reply = client.echo(c as i64, "hello").await.expect("first call");
                assert_eq!(reply.n, c as i64);
                client
            };
            if barrier.wait().await.is_leader() {
                eprintln!(
                    "load/thousand_concurrent_connections: all {clients} connected after {:.2?}",
                    started.elapsed()
                );
            }
            for k in 0..calls {
                let text = format!("client {c} call {k}");
                let reply = client.echo(k, &text).await.expect("call");
                assert_eq!((reply.n, reply.text), (k, text));
            }
            ok.fetch_add(1, Ordering::Relaxed);
        });
    }
    within("1,000 concurrent connections", async {
        while let Some(r) = tasks.join_next().await {
            r.expect("client task");
        }
    })
    .await;
    assert_eq!(ok.load(Ordering::Relaxed), clients);
    report(
        "thousand_concurrent_connections",
        &format!(
            "{clients} connections open at once, {} calls",
            clients * (calls as usize + 1)
        ),
        started,
        peak_reset,
    );
    let _ = stop.send(());
    within("server shutdown", server).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_pipelined_calls() {
    let _one = exclusive().await;
    let peak_reset = reset_peak();
    let total = 100_000 * scale();
    // Calls in flight at once, and how many are sent per refill.
    let window = 1024;
    let batch = 128;
    let address: Address = varlink_tests::net::unix_abstract_address().parse().unwrap();
    let (stop, server) = serve(service(1, 1), &address).await;
    let started = Instant::now();
    let mut client = LoadClient::connect(&address).await.expect("connect");
    let conn = client.connection();
    let mut sent = 0usize;
    let mut received = 0usize;
    within("100,000 pipelined calls", async {
        while received < total {
            while sent < total && sent - received < window {
                let end = (sent + batch).min(total).min(received + window);
                for n in sent..end {
                    conn.send(
                        "org.example.load.Echo",
                        &serde_json::json!({"n": n, "text": "p"}),
                        CallFlags::NONE,
                    )
                    .expect("queue a call");
                }
                sent = end;
                conn.flush().await.expect("flush");
            }
            for _ in 0..batch.min(sent - received) {
                let reply = conn.receive::<EchoReply>().await.expect("reply");
                assert!(!reply.continues);
                assert_eq!(reply.parameters.n, received as i64, "reply out of order");
                received += 1;
            }
        }
    })
    .await;
    assert_eq!(conn.awaiting_replies(), 0);
    report(
        "hundred_thousand_pipelined_calls",
        &format!("{total} pipelined calls on one connection, every reply in order"),
        started,
        peak_reset,
    );
    drop(client);
    let _ = stop.send(());
    within("server shutdown", server).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_more_replies() {
    let _one = exclusive().await;
    let peak_reset = reset_peak();
    let n = 10_000 * scale() as i64;
    let address: Address = varlink_tests::net::unix_abstract_address().parse().unwrap();
    let (stop, server) = serve(service(1, 1), &address).await;
    let started = Instant::now();
    let mut client = LoadClient::connect(&address).await.expect("connect");
    within("10,000 more replies", async {
        let mut stream = client.count_more(n).await.expect("call");
        let mut next = 0;
        while let Some(reply) = stream.next().await {
            assert_eq!(reply.expect("reply").i, next);
            next += 1;
        }
        assert_eq!(next, n);
    })
    .await;
    // The connection is usable after the stream.
    assert_eq!(client.echo(1, "after").await.expect("call").n, 1);
    report(
        "ten_thousand_more_replies",
        &format!("{n} replies to one `more` call"),
        started,
        peak_reset,
    );
    drop(client);
    let _ = stop.send(());
    within("server shutdown", server).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restarted_while_clients_retry() {
    let _one = exclusive().await;
    let peak_reset = reset_peak();
    let clients = 20 * scale();
    let address: Address = varlink_tests::net::unix_path_address().parse().unwrap();
    let started = Instant::now();
    // The newest generation each client has been answered by.
    let seen: Arc<Vec<AtomicI64>> = Arc::new((0..clients).map(|_| AtomicI64::new(0)).collect());
    let failures = Arc::new(AtomicUsize::new(0));
    let (stop, mut server) = serve(service(1, clients), &address).await;

    // Each client calls in a loop; on any failure it drops the connection
    // and reconnects, pausing briefly while nobody listens. It stops once
    // the last generation answered it.
    let last = 3;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (address, seen, failures) = (address.clone(), seen.clone(), failures.clone());
        tasks.spawn(async move {
            let mut client: Option<LoadClient> = None;
            loop {
                if client.is_none() {
                    match LoadClient::connect(&address).await {
                        Ok(cl) => client = Some(cl),
                        Err(_) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            continue;
                        }
                    }
                }
                let Some(cl) = client.as_mut() else { continue };
                match cl.generation().await {
                    Ok(reply) => {
                        seen[c].fetch_max(reply.generation, Ordering::SeqCst);
                        if reply.generation == last {
                            return;
                        }
                        // Between calls, so that restarts find connections
                        // both idle and busy.
                        tokio::task::yield_now().await;
                    }
                    Err(_) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        client = None;
                    }
                }
            }
        });
    }
    let everyone_saw = |generation: i64| {
        let seen = seen.clone();
        async move {
            while !seen.iter().all(|s| s.load(Ordering::SeqCst) >= generation) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    within("all clients served by generation 1", everyone_saw(1)).await;

    // Restart 1: a graceful shutdown, then a new server on the same path.
    let _ = stop.send(());
    within("generation 1 shutdown", &mut server)
        .await
        .unwrap()
        .unwrap();
    let (stop2, server2) = serve(service(2, clients), &address).await;
    within("all clients served by generation 2", everyone_saw(2)).await;

    // Restart 2: the server task is killed (aborted) without a shutdown,
    // dropping its listener and every connection at once.
    server2.abort();
    let _ = server2.await;
    drop(stop2);
    let (stop3, server3) = serve(service(3, clients), &address).await;
    within("all clients served by generation 3", async {
        while let Some(r) = tasks.join_next().await {
            r.expect("client task");
        }
    })
    .await;
    assert!(seen.iter().all(|s| s.load(Ordering::SeqCst) == last));
    report(
        "server_restarted_while_clients_retry",
        &format!(
            "{clients} clients through 2 restarts (graceful, then killed), {} failed attempts retried",
            failures.load(Ordering::Relaxed)
        ),
        started,
        peak_reset,
    );
    let _ = stop3.send(());
    within("server shutdown", server3).await.unwrap().unwrap();
}
