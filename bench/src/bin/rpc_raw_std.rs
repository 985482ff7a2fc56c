//! The raw blocking floor of the RPC benchmark: NUL-terminated JSON over a
//! std `UnixStream`, serde_json on both sides, a thread per connection.
//!
//! `rpc_raw_std server unix:/PATH` or
//! `rpc_raw_std client S1..S5|idle unix:/PATH [COUNT]`. The `idle` client
//! (used by `rpc_run` against every server) opens COUNT connections, makes
//! one Ping on each, prints `READY` and keeps them open until stdin closes.

#[path = "../rpc/common.rs"]
mod common;
#[path = "../rpc/raw.rs"]
mod raw;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Instant;

use common::{Latencies, Mode, RawItem, Scenario, fail};
use raw::{CallOut, Count, Index, Items, Ping, Pong, ReplyIn};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn serve(address: &str) {
    let path = common::unix_path(address);
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).unwrap_or_else(|e| fail("bind", e));
    for stream in listener.incoming() {
        let stream = stream.unwrap_or_else(|e| fail("accept", e));
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || connection(stream))
            .unwrap_or_else(|e| fail("spawn", e));
    }
}

fn connection(mut stream: UnixStream) {
    let mut buf = Vec::new();
    let mut start = 0;
    let mut out = Vec::new();
    loop {
        while let Some(end) = raw::next_frame(&buf, start) {
            raw::handle(&buf[start..end], &mut out);
            start = end + 1;
        }
        if !out.is_empty() {
            if stream.write_all(&out).is_err() {
                return;
            }
            out.clear();
        }
        raw::compact(&mut buf, &mut start);
        match read_more(&mut stream, &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn read_more(stream: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let len = buf.len();
    buf.resize(len + raw::READ_CHUNK, 0);
    let res = stream.read(&mut buf[len..]);
    buf.truncate(len + *res.as_ref().unwrap_or(&0));
    res
}

struct Client {
    stream: UnixStream,
    buf: Vec<u8>,
    start: usize,
    out: Vec<u8>,
}

impl Client {
    fn connect(address: &str) -> Self {
        let stream =
            UnixStream::connect(common::unix_path(address)).unwrap_or_else(|e| fail("connect", e));
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

    fn flush(&mut self) {
        self.stream
            .write_all(&self.out)
            .unwrap_or_else(|e| fail("write", e));
        self.out.clear();
    }

    fn receive<P: DeserializeOwned>(&mut self) -> ReplyIn<P> {
        receive(&mut self.stream, &mut self.buf, &mut self.start)
    }

    fn call<P: DeserializeOwned>(&mut self, method: &str, parameters: impl Serialize) -> P {
        self.send(method, parameters, false);
        self.flush();
        self.receive().parameters
    }

    fn ping(&mut self) {
        let pong: Pong = self.call("org.example.bench.Ping", Ping { ping: common::PING });
        debug_assert_eq!(pong.pong, common::PING);
    }
}

fn receive<P: DeserializeOwned>(
    stream: &mut impl Read,
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
        match read_more(stream, buf) {
            Ok(0) => fail("read", "connection closed"),
            Ok(_) => {}
            Err(e) => fail("read", e),
        }
    }
}

fn idle(address: &str, count: usize) {
    let clients: Vec<Client> = (0..count)
        .map(|_| {
            let mut c = Client::connect(address);
            c.ping();
            c
        })
        .collect();
    println!("READY {}", clients.len());
    let _ = std::io::stdout().flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

fn client(scenario: Scenario, address: &str, count: usize) {
    let warm = common::warmup(count);
    match scenario {
        Scenario::S1 => {
            let mut client = Client::connect(address);
            for _ in 0..warm {
                client.ping();
            }
            let mut latencies = Latencies::with_capacity(count);
            let start = Instant::now();
            for _ in 0..count {
                let call = Instant::now();
                client.ping();
                latencies.record(call);
            }
            common::report(count as u64, start.elapsed(), 0, Some(latencies));
        }
        Scenario::S2 => {
            #[derive(Serialize)]
            struct Params<'a> {
                items: &'a [RawItem],
            }
            let items = common::items(|id, name, tags, score, meta| RawItem {
                id,
                name,
                tags,
                score,
                meta: Some(meta),
            });
            let mut client = Client::connect(address);
            let mut latencies = Latencies::with_capacity(count);
            let mut start = Instant::now();
            for i in 0..warm + count {
                if i == warm {
                    start = Instant::now();
                }
                let call = Instant::now();
                let reply: Items = client.call("org.example.bench.Echo", Params { items: &items });
                assert_eq!(reply.items.len(), items.len());
                if i >= warm {
                    latencies.record(call);
                }
            }
            let bytes = common::echo_bytes_per_call() * count as u64;
            common::report(count as u64, start.elapsed(), bytes, Some(latencies));
        }
        Scenario::S3 => {
            let mut client = Client::connect(address);
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
                client.flush();
                loop {
                    let reply: ReplyIn<Index> = client.receive();
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
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(common::PARALLEL + 1));
            let threads: Vec<_> = (0..common::PARALLEL)
                .map(|_| {
                    let address = address.to_owned();
                    let barrier = barrier.clone();
                    std::thread::spawn(move || {
                        let mut client = Client::connect(&address);
                        for _ in 0..warm / common::PARALLEL + 1 {
                            client.ping();
                        }
                        barrier.wait();
                        for _ in 0..per {
                            client.ping();
                        }
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            for t in threads {
                t.join().unwrap_or_else(|_| fail("thread", "panicked"));
            }
            common::report((per * common::PARALLEL) as u64, start.elapsed(), 0, None);
        }
        Scenario::S5 => {
            let mut client = Client::connect(address);
            let batches = count.div_ceil(common::PIPELINE_DEPTH);
            let mut start = Instant::now();
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
                // Write from a second thread while reading, so that neither
                // side's socket buffer limits the depth.
                let mut writer = client
                    .stream
                    .try_clone()
                    .unwrap_or_else(|e| fail("clone", e));
                let out = std::mem::take(&mut client.out);
                let write = std::thread::spawn(move || {
                    writer.write_all(&out).unwrap_or_else(|e| fail("write", e));
                });
                for _ in 0..n {
                    let _: ReplyIn<Pong> = client.receive();
                }
                write.join().unwrap_or_else(|_| fail("thread", "panicked"));
            }
            let calls = batches * common::PIPELINE_DEPTH;
            common::report(calls as u64, start.elapsed(), 0, None);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, client, idle_mode, address, n] = args.as_slice()
        && client == "client"
        && idle_mode == "idle"
    {
        idle(address, n.parse().unwrap_or_else(|e| fail("count", e)));
        return;
    }
    match common::mode() {
        Mode::Server(address) => serve(&address),
        Mode::Client {
            scenario,
            address,
            count,
        } => client(scenario, &address, count),
    }
}
