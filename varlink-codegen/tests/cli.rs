//! The `varlink-codegen` binary: exit codes, output, `fmt --check/--write`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_varlink-codegen"))
        .args(args)
        .output()
        .expect("run varlink-codegen")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory under the target dir for files a test writes.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path.display().to_string()
}

#[test]
fn check_accepts_valid_files_silently() {
    let dir = scratch("check-valid");
    let a = write(&dir, "a.varlink", "interface a.b\ntype T ()\n");
    let b = write(&dir, "b.varlink", "interface c.d\nmethod M() -> ()\n");
    let out = run(&["check", &a, &b]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn check_reports_every_problem_in_every_file_and_exits_1() {
    let dir = scratch("check-invalid");
    let good = write(&dir, "good.varlink", "interface a.b\ntype T ()\n");
    let bad = write(
        &dir,
        "bad.varlink",
        "interface a.b\ntype T (a: X)\nerror t ()\n",
    );
    let broken = write(&dir, "broken.varlink", "interface a.b\ntype T (\n");
    let out = run(&["check", &bad, &good, &broken]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{bad}:2:12: error: cannot find type `X` in this interface"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{bad}:3:7: error: invalid error name `t`")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{broken}:2:9: error: expected a field name or `)`, found end of file"
        )),
        "{stderr}"
    );
    assert!(stderr.contains(" ^"), "snippet with a caret: {stderr}");
    // Not a terminal: no colour codes.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn a_closed_stderr_still_gives_exit_code_1() {
    // As in `check FILE 2>&1 | head -c 100`: the reader is gone before the
    // diagnostics are written. A panic would exit with 101.
    let dir = scratch("check-closed-stderr");
    let references: String = (0..2000).map(|i| format!("  a{i}: X{i},\n")).collect();
    let bad = write(
        &dir,
        "bad.varlink",
        &format!("interface a.b\ntype T (\n{references}  z: int\n)\n"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_varlink-codegen"))
        .args(["check", &bad])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run varlink-codegen");
    drop(child.stderr.take());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn check_names_a_missing_file() {
    let out = run(&["check", "/nonexistent/x.varlink"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/x.varlink"));
}

#[test]
fn fmt_prints_check_fails_and_write_rewrites() {
    let dir = scratch("fmt");
    let messy = "interface a.b\ntype T(a:int)\n";
    let canonical = "interface a.b\n\ntype T (a: int)\n";
    let file = write(&dir, "x.varlink", messy);

    let out = run(&["fmt", &file]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), canonical);

    let out = run(&["fmt", "--check", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not in canonical layout"));

    let out = run(&["fmt", "--write", &file]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).expect("read"), canonical);

    let out = run(&["fmt", "--check", &file]);
    assert!(out.status.success());
}

#[test]
fn fmt_refuses_invalid_input() {
    let dir = scratch("fmt-invalid");
    let file = write(&dir, "x.varlink", "interface a.b\ntype T (a: X)\n");
    let out = run(&["fmt", "--write", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot find type `X`"));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "interface a.b\ntype T (a: X)\n"
    );
}

#[test]
fn help_is_there_for_each_command() {
    for args in [&["--help"][..], &["check", "--help"], &["fmt", "--help"]] {
        let out = run(args);
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains("Usage: varlink-codegen"),
            "{args:?}"
        );
    }
    assert!(text(&run(&["fmt", "--help"]).stdout).contains("--write"));
}

#[test]
fn generate_prints_writes_files_and_directories() {
    let dir = scratch("generate");
    let ping = write(
        &dir,
        "ping.varlink",
        "interface org.example.ping\nmethod Ping(ping: string) -> (pong: string)\n",
    );
    let other = write(
        &dir,
        "other.varlink",
        "interface org.example.other\ntype T ()\n",
    );

    let out = run(&["generate", &ping]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(varlink_codegen::generate::GENERATED_HEADER),
        "{stdout}"
    );
    assert!(stdout.contains("pub struct PingClient"));
    assert!(stdout.contains("pub trait Ping"));
    assert!(
        !stdout.contains("BlockingClient"),
        "the blocking client is opt-in"
    );

    let out = run(&[
        "generate",
        &ping,
        "--no-server",
        "--blocking-client",
        "-o",
        &format!("{}/one.rs", dir.display()),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let one = std::fs::read_to_string(dir.join("one.rs")).expect("one.rs");
    assert!(
        one.contains("pub struct PingClient")
            && !one.contains("pub trait Ping")
            && one.contains("pub struct PingBlockingClient")
    );

    let out_dir = dir.join("out");
    let out = run(&[
        "generate",
        &ping,
        &other,
        "-o",
        &out_dir.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        out_dir.join("org.example.ping.rs").exists()
            && out_dir.join("org.example.other.rs").exists()
    );

    let out = run(&["generate", &ping, &other]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("several files need `-o DIR`"));
}

#[test]
fn generate_reports_rust_name_collisions_with_the_idl_location() {
    let dir = scratch("generate-collision");
    let file = write(
        &dir,
        "x.varlink",
        "interface a.b\ntype T (fooBar: int, foo_bar: int)\n",
    );
    let out = run(&["generate", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains(&format!(
            "{file}:2:22: error: two field names both become `foo_bar` in Rust"
        )),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_reports_what_generate_would_refuse() {
    // `check` is what CI runs before generating: a file it passes must
    // generate, so Rust-name collisions are its to report too.
    let dir = scratch("check-collision");
    let file = write(
        &dir,
        "x.varlink",
        "interface a.b\ntype T (fooBar: int, foo_bar: int)\n",
    );
    let out = run(&["check", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{file}:2:22: error: two field names both become `foo_bar` in Rust"
        )),
        "{stderr}"
    );
    assert_eq!(
        run(&["generate", &file]).status.code(),
        Some(1),
        "generate refuses it too"
    );
}
