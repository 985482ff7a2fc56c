//! The RPC benchmark for our toolkit: code generated from
//! `src/org.example.bench.varlink` by `varlink_codegen::Builder` in
//! `build.rs`, on `varlink-runtime`.
//!
//! `rpc_ours server unix:/PATH` or `rpc_ours client S1..S5 unix:/PATH [COUNT]`.

#[path = "../rpc/common.rs"]
mod common;
#[path = "../rpc/tokio_main.rs"]
mod tokio_main;

use std::time::Instant;

use common::{Latencies, Scenario, fail};
use varlink_runtime::wire::CallFlags;
use varlink_runtime::{CallContext, Received, Service};

mod bench {
    varlink_runtime::include_interface!("org.example.bench");
}

use bench::{BenchClient, EchoReply, Error, Item, PingReply, StreamReply};

struct BenchService;

impl bench::Bench for BenchService {
    async fn ping(&self, _context: &mut CallContext, ping: String) -> Result<PingReply, Error> {
        Ok(PingReply { pong: ping })
    }

    async fn echo(&self, _context: &mut CallContext, items: Vec<Item>) -> Result<EchoReply, Error> {
        Ok(EchoReply { items })
    }

    async fn stream(&self, context: &mut CallContext, count: i64) -> Result<StreamReply, Error> {
        for index in 0..count - 1 {
            context.reply_continues(&StreamReply { index }).await?;
        }
        Ok(StreamReply { index: count - 1 })
    }
}

async fn serve(address: &str) {
    let mut service = Service::new("varlink-rs", "rpc-bench", "1", "https://example.invalid");
    service.add_interface(bench::BenchServer::new(BenchService));
    let address = address.parse().unwrap_or_else(|e| fail("address", e));
    if let Err(e) = service.listen(&address).await {
        fail("listen", e);
    }
}

async fn connect(address: &str) -> BenchClient {
    BenchClient::connect(address)
        .await
        .unwrap_or_else(|e| fail("connect", e))
}

async fn pings(client: &mut BenchClient, count: usize, latencies: &mut Option<Latencies>) {
    for _ in 0..count {
        let start = Instant::now();
        let reply = client
            .ping(common::PING)
            .await
            .unwrap_or_else(|e| fail("ping", e));
        debug_assert_eq!(reply.pong, common::PING);
        if let Some(l) = latencies {
            l.record(start);
        }
    }
}

async fn client(scenario: Scenario, address: &str, count: usize) {
    let warm = common::warmup(count);
    match scenario {
        Scenario::S1 => {
            // Warm-up and measurement on one connection, as the peers do.
            let mut client = connect(address).await;
            pings(&mut client, warm, &mut None).await;
            let mut latencies = Some(Latencies::with_capacity(count));
            let start = Instant::now();
            pings(&mut client, count, &mut latencies).await;
            common::report(count as u64, start.elapsed(), 0, latencies);
        }
        Scenario::S2 => {
            let items = common::items(|id, name, tags, score, meta| Item {
                id,
                name,
                tags,
                score,
                meta: Some(meta),
            });
            let mut client = connect(address).await;
            let mut latencies = Latencies::with_capacity(count);
            let mut start = Instant::now();
            for i in 0..warm + count {
                if i == warm {
                    start = Instant::now();
                }
                let call = Instant::now();
                let reply = client
                    .echo(&items)
                    .await
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
            let mut client = connect(address).await;
            let mut replies = 0u64;
            let mut start = Instant::now();
            for i in 0..1 + count {
                if i == 1 {
                    start = Instant::now();
                    replies = 0;
                }
                let mut stream = client
                    .stream_more(common::STREAM_REPLIES)
                    .await
                    .unwrap_or_else(|e| fail("stream", e));
                while let Some(reply) = stream.next().await {
                    reply.unwrap_or_else(|e| fail("stream reply", e));
                    replies += 1;
                }
            }
            assert_eq!(replies, count as u64 * common::STREAM_REPLIES as u64);
            common::report(replies, start.elapsed(), 0, None);
        }
        Scenario::S4 => {
            let per = count / common::PARALLEL;
            let mut tasks = Vec::new();
            // Connect and warm up every connection first, then start together.
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(common::PARALLEL + 1));
            for _ in 0..common::PARALLEL {
                let address = address.to_owned();
                let barrier = barrier.clone();
                tasks.push(tokio::spawn(async move {
                    let mut client = connect(&address).await;
                    pings(&mut client, warm / common::PARALLEL + 1, &mut None).await;
                    barrier.wait().await;
                    pings(&mut client, per, &mut None).await;
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
            #[derive(serde::Serialize)]
            struct Params<'a> {
                ping: &'a str,
            }
            let mut client = connect(address).await;
            let mut start = Instant::now();
            let batches = count.div_ceil(common::PIPELINE_DEPTH);
            for round in 0..=batches {
                if round == 1 {
                    start = Instant::now();
                }
                let n = if round == 0 {
                    warm
                } else {
                    common::PIPELINE_DEPTH
                };
                let connection = client.connection();
                for _ in 0..n {
                    connection
                        .send(
                            "org.example.bench.Ping",
                            &Params { ping: common::PING },
                            CallFlags::NONE,
                        )
                        .unwrap_or_else(|e| fail("send", e));
                }
                connection
                    .flush()
                    .await
                    .unwrap_or_else(|e| fail("flush", e));
                for _ in 0..n {
                    let reply: Received<PingReply> = connection
                        .receive()
                        .await
                        .unwrap_or_else(|e| fail("receive", e));
                    debug_assert_eq!(reply.parameters.pong, common::PING);
                }
            }
            let calls = batches * common::PIPELINE_DEPTH;
            common::report(calls as u64, start.elapsed(), 0, None);
        }
    }
}

fn main() {
    tokio_main::run(
        |address| async move { serve(&address).await },
        |scenario, address, count| async move { client(scenario, &address, count).await },
    );
}
