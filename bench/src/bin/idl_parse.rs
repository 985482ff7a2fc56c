//! Parse benchmark: our IDL front end against `varlink_parser` 6 and
//! `zlink-idl` 0.8, on the podman interface (52 KB, real) and a 1 MB
//! synthetic interface.
//!
//! Run in release mode:
//!
//! ```text
//! cargo run --release -p varlink-bench --bin idl_parse [-- SAMPLE_SECONDS]
//! ```
//!
//! Each measurement warms up, then takes 5 samples of at least
//! SAMPLE_SECONDS (default 1) each and reports the median time per parse.
//! "ours" parses and validates (`idl::parse`); `varlink_parser` validates
//! too (duplicate names); `zlink-idl` checks the grammar and names only.

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use varlink_bench::{Timing, measure, synthetic_interface};
use varlink_codegen::idl;

const PODMAN: &str = include_str!("../../../tests/fixtures/corpus/io.podman.varlink");
const SAMPLES: usize = 5;
const WARMUP: Duration = Duration::from_millis(300);

/// One parser under test: a name and a function that parses the text and
/// returns an error message on failure.
struct Implementation {
    name: &'static str,
    parse: fn(&str) -> Result<(), String>,
}

fn ours(text: &str) -> Result<(), String> {
    match idl::parse(text) {
        Ok(interface) => {
            black_box(&interface);
            Ok(())
        }
        Err(diagnostics) => Err(diagnostics.to_string()),
    }
}

fn ours_syntax_only(text: &str) -> Result<(), String> {
    match idl::parse_syntax(text) {
        Ok(interface) => {
            black_box(&interface);
            Ok(())
        }
        Err(diagnostics) => Err(diagnostics.to_string()),
    }
}

fn varlink_parser(text: &str) -> Result<(), String> {
    match varlink_parser::IDL::try_from(text) {
        Ok(interface) => {
            black_box(&interface);
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

fn zlink_idl(text: &str) -> Result<(), String> {
    match zlink_idl::Interface::try_from(text) {
        Ok(interface) => {
            black_box(&interface);
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

const IMPLEMENTATIONS: &[Implementation] = &[
    Implementation {
        name: "ours (parse+validate)",
        parse: ours,
    },
    Implementation {
        name: "ours (parse_syntax only)",
        parse: ours_syntax_only,
    },
    Implementation {
        name: "varlink_parser 6",
        parse: varlink_parser,
    },
    Implementation {
        name: "zlink-idl 0.8",
        parse: zlink_idl,
    },
];

/// Runs `parse` once, turning a panic into an error message.
fn try_parse(parse: fn(&str) -> Result<(), String>, text: &str) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| parse(text))) {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("?")
        )),
    }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("").trim()
}

fn human(duration: Duration) -> String {
    let nanos = duration.as_secs_f64() * 1e9;
    if nanos >= 1e6 {
        format!("{:.3} ms", nanos / 1e6)
    } else {
        format!("{:.1} us", nanos / 1e3)
    }
}

fn mb_per_s(bytes: usize, timing: &Timing) -> f64 {
    bytes as f64 / timing.median.as_secs_f64() / 1e6
}

fn main() {
    let sample_time = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse::<f64>().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs_f64);
    let synthetic = synthetic_interface(1024 * 1024);
    let inputs: [(&str, &str); 2] = [
        ("io.podman.varlink", PODMAN),
        ("synthetic 1 MiB", synthetic.as_str()),
    ];

    println!(
        "median of {SAMPLES} samples of >= {:.1} s each, after {} ms warm-up",
        sample_time.as_secs_f64(),
        WARMUP.as_millis()
    );
    println!(
        "{:<20} {:<26} {:>9} {:>12} {:>15}",
        "input", "implementation", "MB/s", "time/parse", "ours x faster"
    );
    let mut notes = Vec::new();
    for (input_name, text) in inputs {
        let label = format!("{input_name} ({} B)", text.len());
        let mut our_time = None;
        for implementation in IMPLEMENTATIONS {
            if let Err(message) = try_parse(implementation.parse, text) {
                println!(
                    "{:<20} {:<26} {:>9} {:>12} {:>15}",
                    input_name, implementation.name, "-", "cannot parse", "-"
                );
                notes.push(format!(
                    "{} cannot parse {label}: {}",
                    implementation.name,
                    first_line(&message)
                ));
                continue;
            }
            let timing = measure(WARMUP, sample_time, SAMPLES, || {
                let _ = black_box((implementation.parse)(black_box(text)));
            });
            let ratio = match our_time {
                None => {
                    our_time = Some(timing.median);
                    "1.00".to_owned()
                }
                Some(ours) => format!(
                    "{:.2}",
                    timing.median.as_secs_f64() / Duration::as_secs_f64(&ours)
                ),
            };
            println!(
                "{:<20} {:<26} {:>9.1} {:>12} {:>15}",
                input_name,
                implementation.name,
                mb_per_s(text.len(), &timing),
                human(timing.median),
                ratio
            );
            notes.push(format!(
                "{} on {label}: {} iterations/sample, min {} max {}",
                implementation.name,
                timing.iterations,
                human(timing.min),
                human(timing.max)
            ));
        }
        // Formatting, from a tree parsed once.
        if let Ok(interface) = idl::parse(text) {
            let timing = measure(WARMUP, sample_time, SAMPLES, || {
                black_box(idl::format(black_box(&interface)));
            });
            println!(
                "{:<20} {:<26} {:>9.1} {:>12} {:>15}",
                input_name,
                "ours: idl::format",
                mb_per_s(text.len(), &timing),
                human(timing.median),
                "-"
            );
        }
    }
    println!();
    if !notes.iter().any(|note| note.contains("cannot parse")) {
        println!(
            "every implementation parsed every input (podman's comments after commas included)"
        );
    }
    println!("\"ours x faster\" = peer median time / ours (parse+validate) median time");
    println!("MB/s = input bytes / median time (for format: bytes of the parsed input)");
    for note in notes {
        println!("note: {note}");
    }
}
