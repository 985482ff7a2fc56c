//! What every `rpc_*` benchmark binary shares: the command line, the
//! scenario inputs and the one-line result the runner (`rpc_run`) parses.
//!
//! Each binary includes this file with `#[path]`, so that the library of
//! the crate stays as it is.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The text every Ping sends.
pub const PING: &str = "ping";
/// Items in one Echo call (S2).
pub const ECHO_ITEMS: usize = 100;
/// Connections of S4.
pub const PARALLEL: usize = 8;
/// Replies of one Stream call (S3).
pub const STREAM_REPLIES: i64 = 10_000;
/// Pings written before the first reply is read (S5); a run of S5 is
/// several such batches.
pub const PIPELINE_DEPTH: usize = 10_000;

/// A benchmark scenario; see `bench/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Sequential Pings on one connection.
    S1,
    /// Echo of 100 Items, sequentially on one connection.
    S2,
    /// Stream with `more`, 10,000 replies per call.
    S3,
    /// 8 connections doing Pings in parallel.
    S4,
    /// Pings pipelined on one connection.
    S5,
}

impl Scenario {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "S1" | "s1" => Self::S1,
            "S2" | "s2" => Self::S2,
            "S3" | "s3" => Self::S3,
            "S4" | "s4" => Self::S4,
            "S5" | "s5" => Self::S5,
            _ => return None,
        })
    }
}

/// What a binary was asked to do.
pub enum Mode {
    /// Serve the bench interface at the address (`unix:/path`).
    Server(String),
    /// Run `count` operations of a scenario against the address.
    Client {
        scenario: Scenario,
        address: String,
        count: usize,
    },
}

/// Parses `server ADDRESS` or `client SCENARIO ADDRESS [COUNT]`; exits
/// with a usage message otherwise.
pub fn mode() -> Mode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["server", address] => return Mode::Server((*address).to_owned()),
        ["client", scenario, address, rest @ ..] if rest.len() <= 1 => {
            if let Some(scenario) = Scenario::parse(scenario) {
                let count = match rest.first() {
                    Some(n) => n.parse().ok(),
                    None => Some(default_count(scenario)),
                };
                if let Some(count) = count {
                    return Mode::Client {
                        scenario,
                        address: (*address).to_owned(),
                        count,
                    };
                }
            }
        }
        _ => {}
    }
    eprintln!(
        "usage: {} server unix:/PATH | client S1|S2|S3|S4|S5 unix:/PATH [COUNT]",
        std::env::args().next().unwrap_or_default()
    );
    std::process::exit(2);
}

/// Operations of a full run: calls (S1, S2, S4, S5; S5 in batches of
/// [`PIPELINE_DEPTH`]) or Stream calls of 10,000 replies (S3).
pub fn default_count(scenario: Scenario) -> usize {
    match scenario {
        Scenario::S1 => 20_000,
        Scenario::S2 => 1_000,
        Scenario::S3 => 20,
        Scenario::S4 => 40_000,
        Scenario::S5 => 100_000,
    }
}

/// The socket path of a `unix:` address.
pub fn unix_path(address: &str) -> &str {
    address.strip_prefix("unix:").unwrap_or(address)
}

/// The Item of the bench interface, as the raw floors and the byte count
/// of S2 see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawItem {
    pub id: i64,
    pub name: String,
    pub tags: Vec<String>,
    pub score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<HashMap<String, String>>,
}

/// The 100 Items of S2, each with 3 tags and 2 meta entries, built with
/// each implementation's own Item type.
pub fn items<T>(
    make: impl Fn(i64, String, Vec<String>, f64, HashMap<String, String>) -> T,
) -> Vec<T> {
    (0..ECHO_ITEMS as i64)
        .map(|i| {
            make(
                i,
                format!("item-{i}"),
                vec![
                    format!("tag-a-{i}"),
                    "tag-b".to_owned(),
                    "a-longer-tag-c".to_owned(),
                ],
                i as f64 * 1.5,
                HashMap::from([
                    ("owner".to_owned(), format!("user-{i}")),
                    ("zone".to_owned(), "eu-west".to_owned()),
                ]),
            )
        })
        .collect()
}

/// Bytes of parameters that one Echo call moves: the parameter object
/// there and back again.
pub fn echo_bytes_per_call() -> u64 {
    #[derive(Serialize)]
    struct Params {
        items: Vec<RawItem>,
    }
    let params = Params {
        items: items(|id, name, tags, score, meta| RawItem {
            id,
            name,
            tags,
            score,
            meta: Some(meta),
        }),
    };
    2 * serde_json::to_vec(&params).map_or(0, |v| v.len() as u64)
}

/// Per-call latencies, in nanoseconds.
#[derive(Default)]
pub struct Latencies(Vec<u64>);

impl Latencies {
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    pub fn record(&mut self, since: Instant) {
        self.0.push(since.elapsed().as_nanos() as u64);
    }

    fn percentile(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_unstable();
        let i = ((self.0.len() - 1) as f64 * p).round() as usize;
        self.0[i] as f64 / 1000.0
    }
}

/// Prints the line `rpc_run` parses: operations (calls or replies), elapsed
/// seconds, bytes moved, and p50/p99 latency in microseconds.
pub fn report(ops: u64, elapsed: Duration, bytes: u64, latencies: Option<Latencies>) {
    let (p50, p99) = match latencies {
        Some(mut l) => (l.percentile(0.5), l.percentile(0.99)),
        None => (f64::NAN, f64::NAN),
    };
    println!(
        "RESULT ops={ops} secs={:.6} bytes={bytes} p50_us={p50:.2} p99_us={p99:.2}",
        elapsed.as_secs_f64()
    );
}

/// Warm-up calls before a timed run.
pub fn warmup(count: usize) -> usize {
    (count / 10).clamp(10, 1000)
}

/// Exits with a message; for the benchmark binaries, where any failure
/// makes the figure meaningless.
pub fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}
