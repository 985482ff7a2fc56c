//! Runs the RPC benchmark: every implementation's server and client as
//! separate processes over a UNIX socket, each scenario on a fresh server,
//! and prints one table with medians and ratios.
//!
//! ```sh
//! cargo build --release -p varlink-bench --bins
//! target/release/rpc_run [--quick] [--runs N] [--no-codegen]
//! ```
//!
//! After the RPC table it runs `rpc_codegen` (code generation times, and
//! with a full run the `cargo build` time of the generated podman code).
//!
//! Figures are medians of N runs (default 5; `--quick`: 1 run, a tenth of
//! the work). "x floor" is the ratio to the raw tokio floor, "x peer" the
//! ratio to the better of `varlink` 13 and `zlink` 0.8 (for RSS: lower is
//! better, and the ratio is ours / theirs all the same).

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const IMPLS: &[(&str, &str)] = &[
    ("raw_tokio", "raw floor (tokio)"),
    ("raw_std", "raw floor (std, blocking)"),
    ("ours", "ours (generated + runtime)"),
    ("varlink", "varlink 13 (16 workers)"),
    ("zlink", "zlink 0.8"),
];
const PEERS: &[&str] = &["varlink", "zlink"];
const FLOOR: &str = "raw_tokio";
const IDLE_CONNECTIONS: usize = 1000;

struct Opts {
    runs: usize,
    scale: f64,
    bin: PathBuf,
    dir: PathBuf,
}

/// One client run's figures.
#[derive(Clone, Copy)]
struct Sample {
    ops: f64,
    secs: f64,
    bytes: f64,
    p50: f64,
    p99: f64,
}

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("rpc_run: {what}: {e}");
    std::process::exit(1);
}

fn start_server(opts: &Opts, imp: &str) -> (Child, String) {
    let path = opts.dir.join(format!("{imp}.sock"));
    let _ = std::fs::remove_file(&path);
    let address = format!("unix:{}", path.display());
    let child = Command::new(opts.bin.join(format!("rpc_{imp}")))
        .args(["server", &address])
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail("spawn server", e));
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::os::unix::net::UnixStream::connect(&path).is_err() {
        if Instant::now() > deadline {
            fail("server", format!("{imp} did not start listening"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, address)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// `VmHWM` and `VmRSS` of a process, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn wait_timeout(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs one client; `None` when the implementation does not support the
/// scenario or the run failed or timed out.
fn client(opts: &Opts, imp: &str, scenario: &str, address: &str, count: usize) -> Option<Sample> {
    let mut child = Command::new(opts.bin.join(format!("rpc_{imp}")))
        .args(["client", scenario, address, &count.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail("spawn client", e));
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        stop(child);
        return None;
    };
    let read_all = |pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(pipe).read_to_string_lossy(&mut text);
            text
        })
    };
    let out_reader = read_all(Box::new(stdout));
    let err_reader = read_all(Box::new(stderr));
    if !wait_timeout(&mut child, Duration::from_secs(120)) {
        eprintln!("rpc_run: {imp} {scenario}: timed out");
        return None;
    }
    let out = out_reader.join().unwrap_or_default();
    let Some(line) = out.lines().find(|l| l.starts_with("RESULT")) else {
        // A failed run is left out of the median; say why.
        let err = err_reader.join().unwrap_or_default();
        eprintln!("rpc_run: {imp} {scenario}: no result: {}", err.trim());
        return None;
    };
    let get = |key: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Some(Sample {
        ops: get("ops"),
        secs: get("secs"),
        bytes: get("bytes"),
        p50: get("p50_us"),
        p99: get("p99_us"),
    })
}

trait ReadAll {
    fn read_to_string_lossy(self, s: &mut String) -> std::io::Result<usize>;
}
impl<R: BufRead> ReadAll for R {
    fn read_to_string_lossy(mut self, s: &mut String) -> std::io::Result<usize> {
        let mut v = Vec::new();
        let n = std::io::Read::read_to_end(&mut self, &mut v)?;
        s.push_str(&String::from_utf8_lossy(&v));
        Ok(n)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The server's peak RSS (`VmHWM`) while it holds 1,000 idle connections
/// (each made one Ping, then waits), in KiB.
fn idle_peak_rss(opts: &Opts, imp: &str) -> f64 {
    let (server, address) = start_server(opts, imp);
    let base = memory(server.id()).0;
    let mut idle = Command::new(opts.bin.join("rpc_raw_std"))
        .args(["client", "idle", &address, &IDLE_CONNECTIONS.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail("spawn idle client", e));
    let mut line = String::new();
    if let Some(out) = idle.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let peak = if line.starts_with("READY") {
        std::thread::sleep(Duration::from_millis(300));
        memory(server.id()).0 as f64
    } else {
        f64::NAN
    };
    if let Some(mut stdin) = idle.stdin.take() {
        let _ = stdin.flush();
    }
    let _ = idle.kill();
    let _ = idle.wait();
    stop(server);
    eprintln!("  {imp} idle: peak {peak} KiB (empty server {base} KiB)");
    peak
}

struct Row {
    label: &'static str,
    unit: &'static str,
    higher_better: bool,
    /// Value per implementation key.
    values: Vec<(&'static str, f64)>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if quick { 1 } else { 5 });
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| fail("current_exe", "unknown"));
    let dir = std::env::temp_dir().join(format!("varlink-rpc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("temp dir", e));
    let opts = Opts {
        runs,
        scale: if quick { 0.1 } else { 1.0 },
        bin,
        dir,
    };

    // (scenario, default count)
    let scenarios: &[(&str, usize)] = &[
        ("S1", 20_000),
        ("S2", 1_000),
        ("S3", 20),
        ("S4", 100_000),
        ("S5", 100_000),
    ];
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |label, unit, higher_better| {
        rows.push(Row {
            label,
            unit,
            higher_better,
            values: Vec::new(),
        });
        rows.len() - 1
    };
    let r_s1 = add("S1 Ping, sequential", "calls/s", true);
    let r_s1_p50 = add("S1 latency p50", "us", false);
    let r_s1_p99 = add("S1 latency p99", "us", false);
    let r_s2 = add("S2 Echo 100 Items", "calls/s", true);
    let r_s2_mb = add("S2 Echo throughput", "MB/s", true);
    let r_s3 = add("S3 Stream 10,000 replies", "replies/s", true);
    let r_s4 = add("S4 8 connections, Ping", "calls/s", true);
    let r_s4_rss = add("S4 server peak RSS", "MiB", false);
    let r_s5 = add("S5 10,000 pipelined Pings", "calls/s", true);
    let r_idle = add("1,000 idle conn., peak RSS", "MiB", false);

    // The implementations take turns within every run of a scenario, so
    // that a machine speeding up or slowing down over the minutes of a
    // benchmark affects them alike; measured one after the other, a ratio
    // compared runs taken minutes apart.
    let mut short: Vec<String> = Vec::new();
    for &(scenario, count) in scenarios {
        let count = ((count as f64 * opts.scale) as usize).max(1);
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); IMPLS.len()];
        let mut hwm: Vec<Vec<f64>> = vec![Vec::new(); IMPLS.len()];
        for _ in 0..opts.runs {
            for (i, &(imp, _)) in IMPLS.iter().enumerate() {
                let (server, address) = start_server(&opts, imp);
                let sample = client(&opts, imp, scenario, &address, count);
                // Peak RSS only of runs that did the work.
                if sample.is_some() {
                    hwm[i].push(memory(server.id()).0 as f64 / 1024.0);
                }
                stop(server);
                samples[i].extend(sample);
            }
        }
        for (i, &(imp, _)) in IMPLS.iter().enumerate() {
            let samples = &samples[i];
            if !samples.is_empty() && samples.len() < opts.runs {
                short.push(format!(
                    "{imp} {scenario}: {} of {} runs",
                    samples.len(),
                    opts.runs
                ));
            }
            let rate = median(samples.iter().map(|s| s.ops / s.secs).collect());
            eprintln!("  {imp} {scenario}: {rate:.0} ops/s");
            let push = |rows: &mut Vec<Row>, r: usize, v: f64| rows[r].values.push((imp, v));
            match scenario {
                "S1" => {
                    push(&mut rows, r_s1, rate);
                    push(
                        &mut rows,
                        r_s1_p50,
                        median(samples.iter().map(|s| s.p50).collect()),
                    );
                    push(
                        &mut rows,
                        r_s1_p99,
                        median(samples.iter().map(|s| s.p99).collect()),
                    );
                }
                "S2" => {
                    push(&mut rows, r_s2, rate);
                    let mb = median(samples.iter().map(|s| s.bytes / s.secs / 1e6).collect());
                    push(&mut rows, r_s2_mb, mb);
                }
                "S3" => push(&mut rows, r_s3, rate),
                "S4" => {
                    push(&mut rows, r_s4, rate);
                    push(&mut rows, r_s4_rss, median(std::mem::take(&mut hwm[i])));
                }
                _ => push(&mut rows, r_s5, rate),
            }
        }
    }
    let mut idle: Vec<Vec<f64>> = vec![Vec::new(); IMPLS.len()];
    for _ in 0..opts.runs {
        for (i, &(imp, _)) in IMPLS.iter().enumerate() {
            idle[i].push(idle_peak_rss(&opts, imp) / 1024.0);
        }
    }
    for (i, &(imp, _)) in IMPLS.iter().enumerate() {
        rows[r_idle]
            .values
            .push((imp, median(std::mem::take(&mut idle[i]))));
    }
    let _ = std::fs::remove_dir_all(&opts.dir);

    println!(
        "RPC benchmark: median of {} run(s) per figure{}; each run on a fresh server process; \
         the implementations take turns within each run",
        opts.runs,
        if quick {
            " (--quick: a tenth of the work)"
        } else {
            ""
        }
    );
    println!(
        "{:<30} {:<28} {:>12} {:<9} {:>8} {:>8}",
        "scenario", "implementation", "value", "unit", "x floor", "x peer"
    );
    for row in &rows {
        let get = |k: &str| {
            row.values
                .iter()
                .find(|(i, _)| *i == k)
                .map_or(f64::NAN, |v| v.1)
        };
        let floor = get(FLOOR);
        let peers: Vec<f64> = PEERS
            .iter()
            .map(|p| get(p))
            .filter(|v| !v.is_nan())
            .collect();
        let best_peer = if row.higher_better {
            peers.iter().copied().fold(f64::NAN, f64::max)
        } else {
            peers.iter().copied().fold(f64::NAN, f64::min)
        };
        for &(imp, name) in IMPLS {
            let v = get(imp);
            let fmt = |x: f64| {
                if x.is_nan() || v.is_nan() {
                    "-".to_owned()
                } else {
                    format!("{:.2}", v / x)
                }
            };
            let value = if v.is_nan() {
                "n/a".to_owned()
            } else if v >= 1000.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            };
            println!(
                "{:<30} {:<28} {:>12} {:<9} {:>8} {:>8}",
                row.label,
                name,
                value,
                row.unit,
                fmt(floor),
                fmt(best_peer)
            );
        }
    }
    println!(
        "x floor = value / raw tokio floor; x peer = value / best of varlink 13 and zlink 0.8 \
         (for us and MiB lower is better)"
    );
    println!(
        "notes: varlink 13 has no client pipelining (S5 n/a); zlink S5 uses chains of 1,000 calls \
         (a chain of 10,000 deadlocks); the idle client makes one Ping per connection, then waits"
    );
    if !short.is_empty() {
        println!(
            "figures from fewer runs (the others failed): {}",
            short.join("; ")
        );
    }
    if !args.iter().any(|a| a == "--no-codegen") {
        println!();
        let _ = std::io::stdout().flush();
        let mut codegen = Command::new(opts.bin.join("rpc_codegen"));
        codegen.arg(if quick { "--quick" } else { "--build" });
        if let Err(e) = codegen.status() {
            fail("rpc_codegen", e);
        }
    }
}
