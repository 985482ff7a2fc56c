//! The raw tokio floor of the RPC benchmark: NUL-terminated JSON over a
//! tokio `UnixStream`, serde_json on both sides, nothing else.
//!
//! `rpc_raw_tokio server unix:/PATH` or
//! `rpc_raw_tokio client S1..S5 unix:/PATH [COUNT]`.

#[path = "../rpc/common.rs"]
mod common;
#[path = "../rpc/raw.rs"]
mod raw;
#[path = "../rpc/tokio_main.rs"]
mod tokio_main;

use std::time::Instant;

use common::{Latencies, RawItem, Scenario, fail};
use raw::{CallOut, Count, Index, Items, Ping, Pong, ReplyIn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

async fn serve(address: &str) {
    let path = common::unix_path(address);
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).unwrap_or_else(|e| fail("bind", e));
    loop {
        let (stream, _) = listener
            .accept()
            .await
            .unwrap_or_else(|e| fail("accept", e));
        tokio::spawn(connection(stream));
    }
}

async fn connection(mut stream: UnixStream) {
    let mut buf = Vec::new();
    let mut start = 0;
    let mut out = Vec::new();
    loop {
        while let Some(end) = raw::next_frame(&buf, start) {
            raw::handle(&buf[start..end], &mut out);
            start = end + 1;
        }
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        raw::compact(&mut buf, &mut start);
        buf.reserve(raw::READ_CHUNK);
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

struct Client {
    stream: UnixStream,
    buf: Vec<u8>,
    start: usize,
    out: Vec<u8>,
}

impl Client {
    async fn connect(address: &str) -> Self {
        let stream = UnixStream::connect(common::unix_path(address))
            .await
            .unwrap_or_else(|e| fail("connect", e));
        Self {
            stream,
            buf: Vec::new(),
            start: 0,
            out: Vec::new(),
        }
    }

    fn send(&mut self, method: &str, parameters: impl Serialize, more: bool) {
        raw::encode(
            &mut self.out,
            &CallOut {
                method,
                parameters,
                more,
            },
        );
    }

    async fn flush(&mut self) {
        self.stream
            .write_all(&self.out)
            .await
            .unwrap_or_else(|e| fail("write", e));
        self.out.clear();
    }

    async fn receive<P: DeserializeOwned>(&mut self) -> ReplyIn<P> {
        receive(&mut self.stream, &mut self.buf, &mut self.start).await
    }

    async fn call<P: DeserializeOwned>(&mut self, method: &str, parameters: impl Serialize) -> P {
        self.send(method, parameters, false);
        self.flush().await;
        self.receive().await.parameters
    }

    async fn ping(&mut self) {
        let pong: Pong = self
            .call("org.example.bench.Ping", Ping { ping: common::PING })
            .await;
        debug_assert_eq!(pong.pong, common::PING);
    }
}

async fn receive<P: DeserializeOwned>(
    stream: &mut (impl AsyncReadExt + Unpin),
    buf: &mut Vec<u8>,
    start: &mut usize,
) -> ReplyIn<P> {
    loop {
        if let Some(end) = raw::next_frame(buf, *start) {
            let reply =
                serde_json::from_slice(&buf[*start..end]).unwrap_or_else(|e| fail("reply", e));
            *start = end + 1;
            return reply;
        }
        raw::compact(buf, start);
        buf.reserve(raw::READ_CHUNK);
        match stream.read_buf(buf).await {
            Ok(0) => fail("read", "connection closed"),
            Ok(_) => {}
            Err(e) => fail("read", e),
        }
    }
}

async fn client(scenario: Scenario, address: &str, count: usize) {
    let warm = common::warmup(count);
    match scenario {
        Scenario::S1 => {
            let mut client = Client::connect(address).await;
            for _ in 0..warm {
                client.ping().await;
            }
            let mut latencies = Latencies::with_capacity(count);
            let start = Instant::now();
            for _ in 0..count {
                let call = Instant::now();
                client.ping().await;
                latencies.record(call);
            }
            common::report(count as u64, start.elapsed(), 0, Some(latencies));
        }
        Scenario::S2 => {
            let items = common::items(|id, name, tags, score, meta| RawItem {
                id,
                name,
                tags,
                score,
                meta: Some(meta),
            });
            let mut client = Client::connect(address).await;
            let mut latencies = Latencies::with_capacity(count);
            let mut start = Instant::now();
            for i in 0..warm + count {
                if i == warm {
                    start = Instant::now();
                }
                let call = Instant::now();
                #[derive(Serialize)]
                struct Params<'a> {
                    items: &'a [RawItem],
                }
                let reply: Items = client
                    .call("org.example.bench.Echo", Params { items: &items })
                    .await;
                assert_eq!(reply.items.len(), items.len());
                if i >= warm {
                    latencies.record(call);
                }
            }
            let bytes = common::echo_bytes_per_call() * count as u64;
            common::report(count as u64, start.elapsed(), bytes, Some(latencies));
        }
        Scenario::S3 => {
            let mut client = Client::connect(address).await;
            let mut replies = 0u64;
            let mut start = Instant::now();
            for i in 0..1 + count {
                if i == 1 {
                    start = Instant::now();
                    replies = 0;
                }
                client.send(
                    "org.example.bench.Stream",
                    Count {
                        count: common::STREAM_REPLIES,
                    },
                    true,
                );
                client.flush().await;
                loop {
                    let reply: ReplyIn<Index> = client.receive().await;
                    replies += 1;
                    if !reply.continues {
                        break;
                    }
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
                    let mut client = Client::connect(&address).await;
                    for _ in 0..warm / common::PARALLEL + 1 {
                        client.ping().await;
                    }
                    barrier.wait().await;
                    for _ in 0..per {
                        client.ping().await;
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
            let mut client = Client::connect(address).await;
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
                for _ in 0..n {
                    client.send("org.example.bench.Ping", Ping { ping: common::PING }, false);
                }
                // Write and read at once, so that neither side's socket
                // buffer limits the depth.
                let Client {
                    stream,
                    buf,
                    start: from,
                    out,
                } = &mut client;
                let (mut reader, mut writer) = stream.split();
                let write = async {
                    writer
                        .write_all(out)
                        .await
                        .unwrap_or_else(|e| fail("write", e));
                };
                let read = async {
                    for _ in 0..n {
                        let _: ReplyIn<Pong> = receive(&mut reader, buf, from).await;
                    }
                };
                tokio::join!(write, read);
                out.clear();
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
