//! Code generation beside the peers, in-process: our
//! `varlink_codegen::generate_file` (parse + validate + plan + text, laid
//! out for reading), `varlink_generator` 13 (`generate`: parse +
//! tokens + `TokenStream::to_string`, unformatted) and `zlink-codegen` 0.8
//! (`Interface::try_from` + `generate_interface`, without its optional
//! rustfmt pass). Then, with `--build`, the `cargo build` time (debug) of
//! the generated podman code, ours beside varlink_generator's, each in a
//! scratch crate under /tmp whose dependencies are built first, so that
//! only the generated code is timed.
//!
//! `rpc_codegen [--quick] [--build]`; `rpc_run` calls it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("rpc_codegen: {what}: {e}");
    std::process::exit(1);
}

fn median_time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

fn ours(src: &str) -> Option<String> {
    varlink_codegen::generate_file(src, &varlink_codegen::generate::Settings::default())
        .ok()
        .map(|f| f.code)
}

/// Ours with what zlink-codegen writes too: the types and an async
/// client, no server.
fn ours_client_only(src: &str) -> Option<String> {
    let mut settings = varlink_codegen::generate::Settings::default();
    settings.server(false);
    varlink_codegen::generate_file(src, &settings)
        .ok()
        .map(|f| f.code)
}

fn varlink_generator(src: &str) -> String {
    let mut out = Vec::new();
    varlink_generator::generate(&mut src.as_bytes(), &mut out, true)
        .unwrap_or_else(|e| fail("varlink_generator", e));
    String::from_utf8(out).unwrap_or_else(|e| fail("varlink_generator", e))
}

fn zlink(src: &str) -> String {
    let interface = zlink::idl::Interface::try_from(src).unwrap_or_else(|e| fail("zlink-idl", e));
    zlink_codegen::generate_interface(&interface).unwrap_or_else(|e| fail("zlink-codegen", e))
}

fn fmt_ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Times `cargo build` of each scratch crate in `dirs` after a full build
/// and a `cargo clean -p` of the crate itself, `runs` times each, the
/// crates taking turns so that a machine slowing down or speeding up
/// affects them alike. Returns the median time of each (`None` for a
/// crate whose build failed).
fn build_times(dirs: &[&Path], runs: usize) -> Vec<Option<Duration>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |dir: &Path, args: &[&str]| {
        Command::new(&cargo)
            .args(args)
            .current_dir(dir)
            .env_remove("CARGO_TARGET_DIR")
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .map(|o| {
                if !o.status.success() {
                    eprintln!("{}", String::from_utf8_lossy(&o.stderr));
                }
                o.status.success()
            })
            .unwrap_or(false)
    };
    let mut times: Vec<Option<Vec<Duration>>> = dirs
        .iter()
        .map(|dir| run(dir, &["build", "-q"]).then(Vec::new))
        .collect();
    for _ in 0..runs {
        for (dir, samples) in dirs.iter().zip(&mut times) {
            let Some(list) = samples else { continue };
            if !run(dir, &["clean", "-q", "-p", "scratch"]) {
                *samples = None;
                continue;
            }
            let t = Instant::now();
            if run(dir, &["build", "-q"]) {
                list.push(t.elapsed());
            } else {
                *samples = None;
            }
        }
    }
    times
        .into_iter()
        .map(|samples| {
            let mut v = samples?;
            v.sort();
            Some(v[v.len() / 2])
        })
        .collect()
}

fn scratch(dir: &Path, deps: &str, lib: &str, module: &str) {
    let _ = std::fs::create_dir_all(dir.join("src"));
    let manifest = format!(
        "[package]\nname = \"scratch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [dependencies]\n{deps}\n\n[workspace]\n"
    );
    for (path, text) in [
        ("Cargo.toml", manifest.as_str()),
        ("src/lib.rs", lib),
        ("src/podman.rs", module),
    ] {
        std::fs::write(dir.join(path), text).unwrap_or_else(|e| fail("write scratch", e));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let build = args.iter().any(|a| a == "--build");
    let runs = if quick { 3 } else { 5 };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let podman = std::fs::read_to_string(root.join("tests/fixtures/corpus/io.podman.varlink"))
        .unwrap_or_else(|e| fail("read io.podman.varlink", e));
    let synthetic = varlink_bench::synthetic_interface(1 << 20);

    // The generators take their samples in turn (as `idl_parse` does):
    // timed one after the other, a slow spell of the machine fell on one
    // of them and moved the ratio by 2x or more between runs.
    let (warmup, sample, samples) = if quick {
        (Duration::from_millis(100), Duration::from_millis(50), 5)
    } else {
        (Duration::from_millis(300), Duration::from_millis(200), 11)
    };
    println!(
        "Code generation, in-process: median of {samples} samples of >= {} ms each, the generators in turn (stages: median of {runs} runs)",
        sample.as_millis()
    );
    println!(
        "{:<22} {:<40} {:>12} {:>12} {:>10}",
        "input", "implementation", "time", "ours x faster", "output"
    );
    for (name, src) in [
        ("io.podman.varlink", podman.as_str()),
        ("synthetic 1 MiB", synthetic.as_str()),
    ] {
        // Our generator refuses inputs whose names collide in Rust (the
        // synthetic input is generated without such names); a refused
        // input would be timed all the same, up to the diagnostic, and
        // labelled so.
        let our_code = ours(src);
        let accepted = our_code.is_some();
        let mut generators: [Box<dyn FnMut()>; 4] = [
            Box::new(|| drop(ours(src))),
            Box::new(|| drop(ours_client_only(src))),
            Box::new(|| drop(varlink_generator(src))),
            Box::new(|| drop(zlink(src))),
        ];
        let timings = varlink_bench::measure_together(warmup, sample, samples, &mut generators);
        drop(generators);
        let [t_ours, t_client, t_vg, t_z] = [0, 1, 2, 3].map(|i| timings[i].median);
        let ours_label = if accepted {
            "ours (generate_file, laid out)"
        } else {
            "ours (REJECTED: Rust name collisions)"
        };
        // Where our time goes, stage by stage (for inputs we accept).
        let settings = varlink_codegen::generate::Settings::default();
        let interface = varlink_codegen::idl::parse(src).ok();
        if let Some(interface) = interface.as_ref().filter(|_| accepted) {
            let t_parse = median_time(runs, || drop(varlink_codegen::idl::parse(src)));
            let t_plan = median_time(runs, || drop(varlink_codegen::generate::check(interface)));
            let t_generate = median_time(runs, || {
                drop(varlink_codegen::generate::generate(
                    interface, src, &settings,
                ))
            });
            for (label, t) in [
                ("  ours stage: idl::parse (+validate)", t_parse),
                ("  ours stage: generate::check (plan)", t_plan),
                ("  ours stage: generate (plan + text)", t_generate),
            ] {
                println!(
                    "{:<22} {:<40} {:>12} {:>12} {:>10}",
                    name,
                    label,
                    fmt_ms(t),
                    "-",
                    "-"
                );
            }
        }
        // How much code each writes: the generators do not emit the same
        // things (zlink-codegen: types and a client; ours also a blocking
        // client, per-call `more`/`oneway`/`upgrade` forms and a server).
        let kb = |code: Option<String>| {
            code.map_or("-".to_owned(), |code| format!("{} KB", code.len() / 1000))
        };
        for (label, t, output) in [
            (ours_label, t_ours, kb(our_code)),
            (
                "ours, types and async client only",
                t_client,
                kb(ours_client_only(src)),
            ),
            (
                "varlink_generator 13 (unformatted)",
                t_vg,
                kb(Some(varlink_generator(src))),
            ),
            ("zlink-codegen 0.8 (no rustfmt)", t_z, kb(Some(zlink(src)))),
        ] {
            println!(
                "{:<22} {:<40} {:>12} {:>12.2} {:>10}",
                name,
                label,
                fmt_ms(t),
                t.as_secs_f64() / t_ours.as_secs_f64(),
                output
            );
        }
    }

    if !build {
        return;
    }
    let base = std::env::temp_dir().join("varlink-bench-build");
    let runtime = root
        .join("varlink-runtime")
        .canonicalize()
        .unwrap_or_else(|e| fail("varlink-runtime path", e));
    let ours_dir = base.join("ours");
    scratch(
        &ours_dir,
        &format!(
            "varlink-runtime = {{ path = {:?} }}",
            runtime.display().to_string()
        ),
        "#![allow(warnings)]\npub mod podman;\n",
        &ours(&podman).unwrap_or_else(|| fail("ours", "io.podman.varlink rejected")),
    );
    let vg_dir = base.join("varlink_generator");
    scratch(
        &vg_dir,
        "varlink = \"13\"\nserde = \"1\"\nserde_derive = \"1\"\nserde_json = \"1\"",
        "#![allow(warnings)]\npub mod podman;\n",
        &varlink_generator(&podman),
    );
    let build_runs = if quick { 1 } else { 5 };
    println!(
        "\ncargo build (debug, CARGO_INCREMENTAL=0) of the generated io.podman code alone \
         (dependencies built before), median of {build_runs}, the two crates taking turns"
    );
    let times = build_times(&[&ours_dir, &vg_dir], build_runs);
    let (t_ours, t_vg) = (times[0], times[1]);
    let show = |t: Option<Duration>| {
        t.map_or("failed".to_owned(), |t| format!("{:.2} s", t.as_secs_f64()))
    };
    println!("{:<40} {:>10}", "ours", show(t_ours));
    println!("{:<40} {:>10}", "varlink_generator 13", show(t_vg));
    if let (Some(a), Some(b)) = (t_ours, t_vg) {
        println!(
            "{:<40} {:>10.2}",
            "ours / varlink_generator (<= 1 is the target)",
            a.as_secs_f64() / b.as_secs_f64()
        );
    }
}
