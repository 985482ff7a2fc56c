//! A fixed amount of IDL parsing, for instruction counting:
//!
//! ```text
//! cargo build --release -p varlink-bench --bin idl_count
//! valgrind --tool=callgrind --collect-atstart=no \
//!     --toggle-collect='idl_count::run_once' \
//!     target/release/idl_count podman 10
//! ```
//!
//! Arguments: the input (`podman` or `synthetic`), the number of parses
//! (default 1) and what to run: `ours` (`idl::parse`, the default),
//! `syntax` (`idl::parse_syntax`), `zlink` (`zlink-idl`) or
//! `varlink_parser`; `dump` prints the input instead. Wall
//! time is `idl_parse`'s job; under callgrind, counts are exact and free of
//! the noise of a shared machine.

use std::hint::black_box;

use varlink_bench::synthetic_interface;
use varlink_codegen::idl;

const PODMAN: &str = include_str!("../../../tests/fixtures/corpus/io.podman.varlink");

fn main() {
    let mut args = std::env::args().skip(1);
    let input = args.next().unwrap_or_else(|| "podman".to_owned());
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let what = args.next().unwrap_or_else(|| "ours".to_owned());
    let synthetic;
    let text = match input.as_str() {
        "podman" => PODMAN,
        "synthetic" => {
            synthetic = synthetic_interface(1024 * 1024);
            synthetic.as_str()
        }
        other => panic!("unknown input {other:?}: use `podman` or `synthetic`"),
    };
    let run: fn(&str) = match what.as_str() {
        "ours" => |text| drop(black_box(idl::parse(black_box(text)))),
        "syntax" => |text| drop(black_box(idl::parse_syntax(black_box(text)))),
        "zlink" => |text| drop(black_box(zlink_idl::Interface::try_from(black_box(text)))),
        "varlink_parser" => |text| drop(black_box(varlink_parser::IDL::try_from(black_box(text)))),
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
