//! The RPC benchmark for `zlink` 0.8 on tokio. `zlink-codegen` emits only
//! client code, so the server is written by hand with `#[zlink::service]`
//! and the client with `#[zlink::proxy]` (what `zlink-codegen` generates);
//! S5 pipelines with `Connection::chain_from_iter`, in chains of 1,000
//! calls: a chain writes all its calls before it reads a reply, and with
//! 10,000 calls both socket buffers fill and client and server wait for
//! each other for ever.
//!
//! `rpc_zlink server unix:/PATH` or `rpc_zlink client S1..S5 unix:/PATH [COUNT]`.

#[path = "../rpc/common.rs"]
mod common;
#[path = "../rpc/tokio_main.rs"]
mod tokio_main;

use std::collections::HashMap;
use std::time::Instant;

use common::{Latencies, Scenario, fail};
use futures_util::{Stream, StreamExt as _, pin_mut};
use serde::{Deserialize, Serialize};
use zlink::{Reply, introspect};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, introspect::CustomType)]
struct Item {
    id: i64,
    name: String,
    tags: Vec<String>,
    score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meta: Option<HashMap<String, String>>,
}

#[derive(Debug, Serialize, Deserialize, introspect::Type)]
struct PingReply {
    pong: String,
}

#[derive(Debug, Serialize, Deserialize, introspect::Type)]
struct EchoReply {
    items: Vec<Item>,
}

#[derive(Debug, Serialize, Deserialize, introspect::Type)]
struct StreamReply {
    index: i64,
}

#[derive(Debug, Clone, PartialEq, zlink::ReplyError, introspect::ReplyError)]
#[zlink(interface = "org.example.bench")]
enum BenchError {
    Failed,
}

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("org.example.bench.Failed")
    }
}

struct Bench;

#[zlink::service(
    interface = "org.example.bench",
    vendor = "varlink-rs",
    product = "rpc-bench",
    version = "1",
    url = "https://example.invalid",
    types = [Item]
)]
impl Bench {
    async fn ping(&self, ping: String) -> PingReply {
        PingReply { pong: ping }
    }

    async fn echo(&self, items: Vec<Item>) -> EchoReply {
        EchoReply { items }
    }

    #[zlink(more)]
    async fn stream(
        &self,
        more: bool,
        count: i64,
    ) -> impl Stream<Item = Reply<StreamReply>> + Unpin {
        let first = if more { 0 } else { count - 1 };
        futures_util::stream::iter((first..count).map(move |index| {
            Reply::new(Some(StreamReply { index })).set_continues(Some(index + 1 < count))
        }))
    }
}

#[zlink::proxy("org.example.bench")]
trait BenchProxy {
    async fn ping(&mut self, ping: &str) -> zlink::Result<Result<PingReply, BenchError>>;
    async fn echo(&mut self, items: &[Item]) -> zlink::Result<Result<EchoReply, BenchError>>;
    #[zlink(more)]
    async fn stream(
        &mut self,
        count: i64,
    ) -> zlink::Result<impl Stream<Item = zlink::Result<Result<StreamReply, BenchError>>>>;
}

/// The calls of S5, for `chain_from_iter`.
#[derive(Debug, Serialize)]
#[serde(tag = "method", content = "parameters")]
enum Methods<'a> {
    #[serde(rename = "org.example.bench.Ping")]
    Ping { ping: &'a str },
}

type Conn = zlink::Connection<zlink::tokio::unix::Stream>;

async fn serve(address: &str) {
    let path = common::unix_path(address);
    let _ = std::fs::remove_file(path);
    let listener = zlink::tokio::unix::bind(path).unwrap_or_else(|e| fail("bind", e));
    if let Err(e) = zlink::Server::new(listener, Bench).run().await {
        fail("serve", e);
    }
}

async fn connect(address: &str) -> Conn {
    zlink::tokio::unix::connect(common::unix_path(address))
        .await
        .unwrap_or_else(|e| fail("connect", e))
}

async fn ping(conn: &mut Conn) {
    let reply = conn
        .ping(common::PING)
        .await
        .unwrap_or_else(|e| fail("ping", e))
        .unwrap_or_else(|e| fail("ping", e));
    debug_assert_eq!(reply.pong, common::PING);
}

async fn client(scenario: Scenario, address: &str, count: usize) {
    let warm = common::warmup(count);
    match scenario {
        Scenario::S1 => {
            let mut conn = connect(address).await;
            for _ in 0..warm {
                ping(&mut conn).await;
            }
            let mut latencies = Latencies::with_capacity(count);
            let start = Instant::now();
            for _ in 0..count {
                let call = Instant::now();
                ping(&mut conn).await;
                latencies.record(call);
            }
            common::report(count as u64, start.elapsed(), 0, Some(latencies));
        }
        Scenario::S2 => {
            let items = common::items(|id, name, tags, score, meta| Item {
                id,
                name,
                tags,
                score,
                meta: Some(meta),
            });
            let mut conn = connect(address).await;
            let mut latencies = Latencies::with_capacity(count);
            let mut start = Instant::now();
            for i in 0..warm + count {
                if i == warm {
                    start = Instant::now();
                }
                let call = Instant::now();
                let reply = conn
                    .echo(&items)
                    .await
                    .unwrap_or_else(|e| fail("echo", e))
                    .unwrap_or_else(|e| fail("echo", e));
                assert_eq!(reply.items.len(), items.len());
                if i >= warm {
                    latencies.record(call);
                }
            }
            let bytes = common::echo_bytes_per_call() * count as u64;
            common::report(count as u64, start.elapsed(), bytes, Some(latencies));
        }
        Scenario::S3 => {
            let mut conn = connect(address).await;
            let mut replies = 0u64;
            let mut start = Instant::now();
            for i in 0..1 + count {
                if i == 1 {
                    start = Instant::now();
                    replies = 0;
                }
                let stream = conn
                    .stream(common::STREAM_REPLIES)
                    .await
                    .unwrap_or_else(|e| fail("stream", e));
                pin_mut!(stream);
                while let Some(reply) = stream.next().await {
                    reply
                        .unwrap_or_else(|e| fail("stream reply", e))
                        .unwrap_or_else(|e| fail("stream reply", e));
                    replies += 1;
                }
            }
            assert_eq!(replies, count as u64 * common::STREAM_REPLIES as u64);
            common::report(replies, start.elapsed(), 0, None);
        }
        Scenario::S4 => {
            let per = count / common::PARALLEL;
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(common::PARALLEL + 1));
            let mut tasks = Vec::new();
            for _ in 0..common::PARALLEL {
                let address = address.to_owned();
                let barrier = barrier.clone();
                tasks.push(tokio::spawn(async move {
                    let mut conn = connect(&address).await;
                    for _ in 0..warm / common::PARALLEL + 1 {
                        ping(&mut conn).await;
                    }
                    barrier.wait().await;
                    for _ in 0..per {
                        ping(&mut conn).await;
                    }
                }));
            }
            barrier.wait().await;
            let start = Instant::now();
            for t in tasks {
                t.await.unwrap_or_else(|e| fail("task", e));
            }
            common::report((per * common::PARALLEL) as u64, start.elapsed(), 0, None);
        }
        Scenario::S5 => {
            let mut conn = connect(address).await;
            const DEPTH: usize = 1_000;
            let depth = DEPTH;
            let batches = count.div_ceil(depth);
            let mut start = Instant::now();
            for round in 0..=batches {
                if round == 1 {
                    start = Instant::now();
                }
                let n = if round == 0 { warm.min(depth) } else { depth };
                let calls = (0..n).map(|_| Methods::Ping { ping: common::PING });
                let replies = conn
                    .chain_from_iter::<Methods<'_>, _, _>(calls)
                    .unwrap_or_else(|e| fail("chain", e))
                    .send::<PingReply, BenchError>()
                    .await
                    .unwrap_or_else(|e| fail("send", e));
                pin_mut!(replies);
                let mut got = 0;
                while let Some(reply) = replies.next().await {
                    let (reply, _fds) = reply.unwrap_or_else(|e| fail("reply", e));
                    reply.unwrap_or_else(|e| fail("reply", e));
                    got += 1;
                }
                assert_eq!(got, n);
            }
            common::report((batches * depth) as u64, start.elapsed(), 0, None);
        }
    }
}

fn main() {
    tokio_main::run(
        |address| async move { serve(&address).await },
        |scenario, address, count| async move { client(scenario, &address, count).await },
    );
}
