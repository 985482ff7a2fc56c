//! A fixed amount of IDL parsing, for instruction counting:
//!
//! ```text
//! cargo build --release -p varlink-bench --bin idl_count
//! valgrind --tool=callgrind --collect-atstart=no \
//!     --toggle-collect='idl_count::run_once' \
//!     target/release/idl_count podman 10
//! ```
//!
//! Arguments: the input (`podman`, `synthetic`, or the path of a
//! `.varlink` file, e.g. one written by `dump`), the number of parses
//! (default 1) and what to run: `ours` (`idl::parse`, the default),
//! `syntax` (`idl::parse_syntax`), `zlink` (`zlink-idl`),
//! `varlink_parser`, `plan` (`idl::parse` and `generate::check`) or
//! `generate` (`generate_file`, the whole code generation); `dump` prints the input instead. Wall
//! time is `idl_parse`'s job; under callgrind, counts are exact and free of
//! the noise of a shared machine. (For quick A/B timings of two builds,
//! the best of many short runs on a dumped file is steadier than one long
//! run: generating the synthetic text takes 20 ms of every run.)

use std::hint::black_box;

use varlink_bench::synthetic_interface;
use varlink_codegen::idl;

const PODMAN: &str = include_str!("../../../tests/fixtures/corpus/io.podman.varlink");

fn main() {
    let mut args = std::env::args().skip(1);
    let input = args.next().unwrap_or_else(|| "podman".to_owned());
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let what = args.next().unwrap_or_else(|| "ours".to_owned());
    let owned;
    let text = match input.as_str() {
        "podman" => PODMAN,
        "synthetic" => {
            owned = synthetic_interface(1024 * 1024);
            owned.as_str()
        }
        path => {
            owned = std::fs::read_to_string(path).unwrap_or_else(|error| {
                panic!("{path}: {error} (the input is `podman`, `synthetic` or a file)")
            });
            owned.as_str()
        }
    };
    let run: fn(&str) = match what.as_str() {
        "ours" => |text| drop(black_box(idl::parse(black_box(text)))),
        "syntax" => |text| drop(black_box(idl::parse_syntax(black_box(text)))),
        "zlink" => |text| drop(black_box(zlink_idl::Interface::try_from(black_box(text)))),
        "varlink_parser" => |text| drop(black_box(varlink_parser::IDL::try_from(black_box(text)))),
        "plan" => |text| {
            let interface = idl::parse(black_box(text)).expect("valid");
            drop(black_box(varlink_codegen::generate::check(&interface)));
        },
        "generate" => |text| {
            let settings = varlink_codegen::generate::Settings::default();
            drop(black_box(varlink_codegen::generate_file(
                black_box(text),
                &settings,
            )));
        },
        "dump" => {
            print!("{text}");
            return;
        }
        other => panic!("unknown implementation {other:?}"),
    };
    assert!(idl::parse(text).is_ok(), "the input must be valid");
    for _ in 0..count {
        run_once(run, text);
    }
}

/// One parse, the tree dropped inside: what callgrind counts (dropping is
/// part of the cost the wall-time bench measures too).
#[inline(never)]
fn run_once(run: fn(&str), text: &str) {
    run(text);
}
