//! Benchmarks for the varlink toolkit, and the inputs they run on.
//!
//! The binaries under `src/bin/` are plain `main` programs (no benchmark
//! framework, to keep the build lean): `idl_parse` compares our IDL front
//! end with the `varlink_parser` and `zlink-idl` crates. The runtime
//! benchmarks will live here too.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Words that field names, type names and doc comments are made of.
const WORDS: &[&str] = &[
    "id",
    "name",
    "image",
    "container",
    "volume",
    "network",
    "address",
    "port",
    "label",
    "mount",
    "device",
    "state",
    "status",
    "created",
    "started",
    "size",
    "limit",
    "owner",
    "group",
    "path",
    "command",
    "driver",
    "option",
    "secret",
    "token",
    "policy",
    "retry",
    "timeout",
    "priority",
    "memory",
    "cpu",
    "shares",
    "period",
    "quota",
    "digest",
    "layer",
    "parent",
    "child",
    "zone",
    "record",
    "service",
    "interface",
    "family",
    "flags",
    "weight",
    "origin",
    "user",
    "home",
    "shell",
    "realm",
];

/// Verbs for method names.
const VERBS: &[&str] = &[
    "Get", "List", "Create", "Remove", "Update", "Inspect", "Start", "Stop", "Resolve", "Watch",
    "Attach", "Export", "Import", "Prune", "Tag",
];

/// A small deterministic generator (SplitMix64), so that the synthetic
/// interface is the same on every run and every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

struct Generator {
    rng: Rng,
    out: String,
    /// Declared type names, for references.
    types: Vec<String>,
    /// Member names in use (types, methods and errors share a namespace).
    names: HashSet<String>,
}

impl Generator {
    /// A fresh member name built from `parts`, made unique with a number.
    fn member_name(&mut self, parts: &[&str]) -> String {
        let base: String = parts.iter().map(|part| capitalize(part)).collect();
        let mut name = base.clone();
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }

    fn doc(&mut self, indent: usize, lines: usize) {
        for _ in 0..lines {
            let pad = " ".repeat(indent);
            let (a, b, c) = (self.rng.word(), self.rng.word(), self.rng.word());
            let _ = writeln!(
                self.out,
                "{pad}# The {a} of the {b}, as reported by the {c} service; see the {a} documentation."
            );
        }
    }

    /// A field name unique within `seen`, also once turned into Rust
    /// (`retryFlags` and `retry_flags` are one name there, and a generator
    /// rightly refuses the pair).
    fn field_name(&mut self, seen: &mut HashSet<String>) -> String {
        let mut name = if self.rng.chance(40) {
            format!("{}_{}", self.rng.word(), self.rng.word())
        } else if self.rng.chance(50) {
            format!("{}{}", self.rng.word(), capitalize(self.rng.word()))
        } else {
            self.rng.word().to_owned()
        };
        let key = |name: &str| name.replace('_', "").to_ascii_lowercase();
        let base = name.clone();
        let mut n = 2;
        while seen.contains(&key(&name)) {
            name = format!("{base}{n}");
            n += 1;
        }
        seen.insert(key(&name));
        name
    }

    /// A type expression; `depth` bounds the nesting of anonymous types.
    fn ty(&mut self, depth: usize) -> String {
        let roll = self.rng.below(100);
        match roll {
            0..=9 if depth < 2 => {
                // `??T` is invalid: an optional of an optional stays one.
                let inner = self.ty(depth + 1);
                if inner.starts_with('?') {
                    inner
                } else {
                    format!("?{inner}")
                }
            }
            10..=19 if depth < 2 => format!("[]{}", self.ty(depth + 1)),
            20..=25 if depth < 2 => format!("[string]{}", self.ty(depth + 1)),
            26..=30 if depth < 2 => {
                // An anonymous structure, on one line.
                let count = 2 + self.rng.below(3);
                let mut seen = HashSet::new();
                let fields: Vec<String> = (0..count)
                    .map(|_| {
                        let name = self.field_name(&mut seen);
                        format!("{name}: {}", self.ty(depth + 2))
                    })
                    .collect();
                format!("({})", fields.join(", "))
            }
            31..=35 => {
                // An anonymous enumeration.
                let count = 2 + self.rng.below(4);
                let mut seen = HashSet::new();
                let values: Vec<String> = (0..count).map(|_| self.field_name(&mut seen)).collect();
                format!("({})", values.join(", "))
            }
            36..=55 if !self.types.is_empty() => {
                let i = self.rng.below(self.types.len());
                self.types[i].clone()
            }
            _ => ["string", "string", "int", "bool", "float", "object", "int"][self.rng.below(7)]
                .to_owned(),
        }
    }

    /// A parenthesised field list. Short lists stay on one line, long ones
    /// put one field per line, some with a doc comment, as real files do.
    fn fields(&mut self, min: usize, max: usize) -> String {
        let count = min + self.rng.below(max - min + 1);
        if count == 0 {
            return "()".to_owned();
        }
        let mut seen = HashSet::new();
        if count <= 2 {
            let fields: Vec<String> = (0..count)
                .map(|_| {
                    let name = self.field_name(&mut seen);
                    format!("{name}: {}", self.ty(0))
                })
                .collect();
            return format!("({})", fields.join(", "));
        }
        let mut text = String::from("(\n");
        for i in 0..count {
            if self.rng.chance(25) {
                let (a, b) = (self.rng.word(), self.rng.word());
                let _ = writeln!(text, "  # The {a} {b}, if known.");
            }
            let name = self.field_name(&mut seen);
            let ty = self.ty(0);
            let comma = if i + 1 < count { "," } else { "" };
            let _ = writeln!(text, "  {name}: {ty}{comma}");
        }
        text.push(')');
        text
    }

    fn member(&mut self) {
        self.out.push('\n');
        match self.rng.below(10) {
            0..=3 => {
                let doc = 1 + self.rng.below(3);
                self.doc(0, doc);
                let (a, b) = (self.rng.word(), self.rng.word());
                let name = self.member_name(&[a, b]);
                let fields = self.fields(1, 9);
                let _ = writeln!(self.out, "type {name} {fields}");
                self.types.push(name);
            }
            4 => {
                self.doc(0, 1);
                let a = self.rng.word();
                let name = self.member_name(&[a, "kind"]);
                let count = 2 + self.rng.below(6);
                let mut seen = HashSet::new();
                let values: Vec<String> = (0..count).map(|_| self.field_name(&mut seen)).collect();
                if count > 4 {
                    let _ = writeln!(self.out, "type {name} (\n  {}\n)", values.join(",\n  "));
                } else {
                    let _ = writeln!(self.out, "type {name} ({})", values.join(", "));
                }
                self.types.push(name);
            }
            5..=8 => {
                let doc = 1 + self.rng.below(4);
                self.doc(0, doc);
                let verb = VERBS[self.rng.below(VERBS.len())];
                let a = self.rng.word();
                let name = self.member_name(&[verb, a]);
                let input = self.fields(0, 4);
                let output = self.fields(0, 6);
                let _ = writeln!(self.out, "method {name}{input} -> {output}");
            }
            _ => {
                self.doc(0, 1);
                let (a, b) = (self.rng.word(), self.rng.word());
                let name = self.member_name(&[a, b, "error"]);
                let params = self.fields(0, 2);
                let _ = writeln!(self.out, "error {name} {params}");
            }
        }
    }
}

/// A deterministic, valid and realistic interface definition of about
/// `target_bytes` bytes: types with nested anonymous structures and
/// enumerations, optional, array and map fields, references between types,
/// methods, errors, and doc comments on declarations and fields.
///
/// Members are about half a kilobyte each, so the size is within a few
/// percent of the target from about 10 KB on. The text has no trailing
/// comments after commas, so that every parser compared can read it.
pub fn synthetic_interface(target_bytes: usize) -> String {
    let mut generator = Generator {
        rng: Rng(0x5EED_0F7A_711C),
        out: String::with_capacity(target_bytes + 2048),
        types: Vec::new(),
        names: HashSet::new(),
    };
    generator.doc(0, 2);
    generator.out.push_str("interface org.example.synthetic\n");
    // At least one member, else the text is not a valid interface.
    loop {
        generator.member();
        if generator.out.len() >= target_bytes {
            break;
        }
    }
    generator.out
}

/// Timing of one benchmark: the median and spread of several samples.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The median time of one iteration.
    pub median: Duration,
    /// The fastest sample's time per iteration.
    pub min: Duration,
    /// The slowest sample's time per iteration.
    pub max: Duration,
    /// Iterations per sample.
    pub iterations: u64,
    /// Samples taken.
    pub samples: usize,
}

/// Measures `f`: warms up for `warmup`, picks an iteration count that makes
/// one sample last at least `sample_time`, then takes `samples` samples and
/// reports the median time per iteration.
pub fn measure(
    warmup: Duration,
    sample_time: Duration,
    samples: usize,
    mut f: impl FnMut(),
) -> Timing {
    let mut timings = measure_together(warmup, sample_time, samples, &mut [&mut f]);
    timings.remove(0)
}

/// Measures several functions as [`measure`] does, but takes their samples
/// in turn (one of each, then the next of each), so that a slow spell of
/// a shared machine falls on all of them alike instead of on whichever ran
/// then; their ratios are what the benchmarks report.
pub fn measure_together<F: FnMut()>(
    warmup: Duration,
    sample_time: Duration,
    samples: usize,
    functions: &mut [F],
) -> Vec<Timing> {
    let iterations: Vec<u64> = functions
        .iter_mut()
        .map(|f| calibrate(warmup, sample_time, f))
        .collect();
    let mut times = vec![Vec::with_capacity(samples); functions.len()];
    for _ in 0..samples.max(1) {
        for ((f, &count), times) in functions.iter_mut().zip(&iterations).zip(&mut times) {
            let start = Instant::now();
            for _ in 0..count {
                f();
            }
            times.push(start.elapsed() / count as u32);
        }
    }
    times
        .into_iter()
        .zip(iterations)
        .map(|(mut times, iterations)| {
            times.sort();
            Timing {
                median: times[times.len() / 2],
                min: times[0],
                max: times[times.len() - 1],
                iterations,
                samples: times.len(),
            }
        })
        .collect()
}

/// Runs `f` for `warmup` and returns how many calls make `sample_time`.
fn calibrate(warmup: Duration, sample_time: Duration, f: &mut impl FnMut()) -> u64 {
    let start = Instant::now();
    let mut calls = 0u64;
    while calls == 0 || start.elapsed() < warmup {
        f();
        calls += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / calls as f64;
    ((sample_time.as_secs_f64() / per_call).ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_measured_together_each_get_every_sample() {
        let (mut a, mut b) = (0u64, 0u64);
        let mut functions: [Box<dyn FnMut()>; 2] = [Box::new(|| a += 1), Box::new(|| b += 1)];
        let timings = measure_together(
            Duration::from_millis(5),
            Duration::from_millis(2),
            3,
            &mut functions,
        );
        drop(functions);
        assert_eq!(timings.len(), 2);
        for timing in &timings {
            assert_eq!(timing.samples, 3);
            assert!(timing.min <= timing.median && timing.median <= timing.max);
        }
        // Warm-up calls, then the samples' calls: at least one per sample.
        assert!(a >= timings[0].iterations * 3 && b >= timings[1].iterations * 3);
    }

    #[test]
    fn synthetic_interface_is_valid_and_about_the_size_asked() {
        for target in [16 * 1024, 100_000, 1024 * 1024] {
            let text = synthetic_interface(target);
            let deviation = text.len().abs_diff(target) as f64 / target as f64;
            assert!(
                deviation <= 0.10,
                "asked for {target} bytes, got {}",
                text.len()
            );
            // Valid IDL, and valid for the code generator too (no names
            // that collide once turned into Rust).
            let settings = varlink_codegen::generate::Settings::default();
            if let Err(diagnostics) = varlink_codegen::generate_file(&text, &settings) {
                panic!("{}", diagnostics.render("synthetic.varlink", &text, false));
            }
        }
    }

    #[test]
    fn synthetic_interface_is_deterministic_and_rich() {
        let text = synthetic_interface(64 * 1024);
        assert_eq!(text, synthetic_interface(64 * 1024));
        let interface = varlink_codegen::idl::parse(&text).expect("valid");
        assert!(interface.members().len() > 50);
        for needle in ["?", "[]", "[string]", "type ", "method ", "error ", "  # "] {
            assert!(text.contains(needle), "no {needle:?} in the synthetic text");
        }
        // A nested anonymous structure or enumeration as a field type.
        assert!(text.contains(": ("), "no anonymous type");
    }

    #[test]
    fn synthetic_interface_parses_with_the_peers() {
        let text = synthetic_interface(64 * 1024);
        if let Err(error) = varlink_parser::IDL::try_from(text.as_str()) {
            panic!("varlink_parser: {error}");
        }
        if let Err(error) = zlink_idl::Interface::try_from(text.as_str()) {
            panic!("zlink-idl: {error}");
        }
    }
}
