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
//! Each implementation warms up, then takes 11 samples of at least
//! SAMPLE_SECONDS (default 0.3) each, and the median time per parse is
//! reported. The implementations take their samples in turn on one input,
//! so that a slow spell of a shared machine falls on all of them: their
//! ratios are the point.
//! "ours" parses and validates (`idl::parse`); `varlink_parser` validates
//! too (duplicate names); `zlink-idl` checks the grammar and names only.
//! Parsing in a loop, ours reuses the vectors of the tree it dropped;
//! the "new thread each" rows show a parse on a fresh thread, without
//! kept vectors or a warm malloc cache, for ours and for zlink-idl (that
//! pair's ratio is taken between the two; "(a new thread alone)" is what
//! the thread itself costs).

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use varlink_bench::{Timing, measure, measure_together, synthetic_interface};
use varlink_codegen::idl;

const PODMAN: &str = include_str!("../../../tests/fixtures/corpus/io.podman.varlink");
const SAMPLES: usize = 11;
const WARMUP: Duration = Duration::from_millis(300);

/// One parser under test: a name and a function that parses the text and
/// returns an error message on failure.
struct Implementation {
    name: &'static str,
    parse: fn(&str) -> Result<(), String>,
    /// The row of ours this one's "ours x faster" is taken against.
    versus: &'static str,
}

const OURS: &str = "ours (parse+validate)";
const OURS_NEW_THREAD: &str = "ours, new thread each";

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

/// Runs `parse` on a thread of its own: a fresh thread has no vectors kept
/// from an earlier parse (`idl/spare.rs`) and an empty malloc cache, so
/// its vectors are allocated (and, when large, faulted in) anew, as in a
/// one-shot tool. glibc may hand it the arena of an exited thread, so this
/// is not a whole new process. Plus the cost of a thread ([`thread_alone`]).
fn on_new_thread(parse: fn(&str) -> Result<(), String>, text: &str) -> Result<(), String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| parse(text))
            .join()
            .unwrap_or_else(|_| Err("panicked".to_owned()))
    })
}

fn ours_new_thread(text: &str) -> Result<(), String> {
    on_new_thread(ours, text)
}

fn zlink_idl_new_thread(text: &str) -> Result<(), String> {
    on_new_thread(zlink_idl, text)
}

/// What [`on_new_thread`] pays for the thread alone.
fn thread_alone(text: &str) -> Result<(), String> {
    on_new_thread(
        |text| {
            black_box(text.len());
            Ok(())
        },
        text,
    )
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
        name: OURS,
        parse: ours,
        versus: OURS,
    },
    Implementation {
        name: "ours (parse_syntax only)",
        parse: ours_syntax_only,
        versus: OURS,
    },
    Implementation {
        name: OURS_NEW_THREAD,
        parse: ours_new_thread,
        versus: OURS,
    },
    Implementation {
        name: "(a new thread alone)",
        parse: thread_alone,
        versus: OURS,
    },
    Implementation {
        name: "varlink_parser 6",
        parse: varlink_parser,
        versus: OURS,
    },
    Implementation {
        name: "zlink-idl 0.8",
        parse: zlink_idl,
        versus: OURS,
    },
    Implementation {
        name: "zlink-idl, new thread each",
        parse: zlink_idl_new_thread,
        versus: OURS_NEW_THREAD,
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
        .map_or(Duration::from_millis(300), Duration::from_secs_f64);
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
        // Only implementations that parse the input are timed.
        let mut timed = Vec::new();
        for implementation in IMPLEMENTATIONS {
            match try_parse(implementation.parse, text) {
                Ok(()) => timed.push(implementation),
                Err(message) => {
                    println!(
                        "{:<20} {:<26} {:>9} {:>12} {:>15}",
                        input_name, implementation.name, "-", "cannot parse", "-"
                    );
                    notes.push(format!(
                        "{} cannot parse {label}: {}",
                        implementation.name,
                        first_line(&message)
                    ));
                }
            }
        }
        let mut runs: Vec<Box<dyn FnMut()>> = timed
            .iter()
            .map(|implementation| -> Box<dyn FnMut()> {
                let parse = implementation.parse;
                Box::new(move || {
                    let _ = black_box(parse(black_box(text)));
                })
            })
            .collect();
        let timings = measure_together(WARMUP, sample_time, SAMPLES, &mut runs);
        // Each row's ratio is to the row of ours it names in `versus`.
        let median_of = |name: &str| {
            timed
                .iter()
                .position(|implementation| implementation.name == name)
                .map(|i| timings[i].median)
        };
        for (implementation, timing) in timed.iter().zip(&timings) {
            let ratio = median_of(implementation.versus).map_or_else(
                || "-".to_owned(),
                |ours| format!("{:.2}", timing.median.as_secs_f64() / ours.as_secs_f64()),
            );
            println!(
                "{:<20} {:<26} {:>9.1} {:>12} {:>15}",
                input_name,
                implementation.name,
                mb_per_s(text.len(), timing),
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
    println!(
        "\"ours x faster\" = peer median time / ours (parse+validate) median time \
         (zlink-idl on a new thread: / ours on a new thread)"
    );
    println!("MB/s = input bytes / median time (for format: bytes of the parsed input)");
    for note in notes {
        println!("note: {note}");
    }
}
