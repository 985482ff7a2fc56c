//! The three front ends share one generator: the macro's expansion, the
//! build script's file and the command line's output are the same code.
//! Misuse of the macro fails to compile with the error where it belongs
//! (trybuild UI tests under `ui/`).

use std::path::{Path, PathBuf};

use varlink_codegen::generate::Settings;

const FIXTURE: &str = "fixtures/org.example.hostile.varlink";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The macro's expansion as tokens, without the item that tracks the file.
fn macro_output() -> String {
    let input: proc_macro2::TokenStream = format!("{FIXTURE:?}").parse().expect("tokens");
    let tokens = varlink_codegen::macro_input::expand(input, &manifest_dir()).to_string();
    let path = manifest_dir().join(FIXTURE).display().to_string();
    let track = tokens_of(&format!("const _: &str = ::std::include_str!({path:?});"));
    let rest = tokens
        .strip_prefix(&track)
        .unwrap_or_else(|| panic!("the macro tracks the file first: {}", &tokens[..200]));
    rest.trim_start().to_owned()
}

/// Rust text as tokens, printed: layout and comments gone, doc comments
/// as `#[doc]` attributes.
fn tokens_of(text: &str) -> String {
    text.parse::<proc_macro2::TokenStream>()
        .expect("generated code lexes")
        .to_string()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn macro_and_build_script_give_identical_code() {
    let dir = out_dir("front-ends-builder");
    let written = varlink_codegen::Builder::new()
        .file(manifest_dir().join(FIXTURE))
        .out_dir(&dir)
        .compile()
        .expect("compile");
    assert_eq!(written, [dir.join("org.example.hostile.rs")]);
    let from_builder = std::fs::read_to_string(&written[0]).expect("read");
    assert_eq!(macro_output(), tokens_of(&from_builder));
}

#[test]
fn command_line_gives_the_build_script_output() {
    let dir = out_dir("front-ends-cli");
    varlink_codegen::Builder::new()
        .file(manifest_dir().join(FIXTURE))
        .out_dir(&dir)
        .compile()
        .expect("compile");
    let from_builder = std::fs::read_to_string(dir.join("org.example.hostile.rs")).expect("read");
    let from_library = varlink_codegen::generate_file(
        &std::fs::read_to_string(manifest_dir().join(FIXTURE)).expect("read"),
        &Settings::default(),
    )
    .expect("generate")
    .code;
    assert_eq!(from_library, from_builder);
}

#[test]
fn builder_rewrites_only_changed_files() {
    let dir = out_dir("front-ends-unchanged");
    let compile = || {
        varlink_codegen::Builder::new()
            .file(manifest_dir().join(FIXTURE))
            .out_dir(&dir)
            .compile()
            .expect("compile")
    };
    let path = compile().remove(0);
    let modified = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let first = modified(&path);
    std::thread::sleep(std::time::Duration::from_millis(20));
    compile();
    assert_eq!(modified(&path), first, "unchanged output was rewritten");
    std::fs::write(&path, "stale").expect("write");
    compile();
    assert_ne!(std::fs::read_to_string(&path).expect("read"), "stale");
}

#[test]
fn builder_reports_invalid_files_and_fails() {
    let dir = out_dir("front-ends-invalid");
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.varlink");
    std::fs::write(&bad, "interface a.b\ntype T (x: Nope)\n").expect("write");
    let error = varlink_codegen::Builder::new()
        .file(&bad)
        .out_dir(&dir)
        .compile()
        .expect_err("invalid");
    assert!(
        matches!(error, varlink_codegen::BuildError::Invalid { count: 1, .. }),
        "{error:?}"
    );
    let error = varlink_codegen::Builder::new()
        .out_dir(&dir)
        .compile()
        .expect_err("no files");
    assert!(matches!(error, varlink_codegen::BuildError::NoFiles));
}

#[test]
fn macro_misuse_fails_to_compile_with_the_error_in_place() {
    // trybuild compiles each case as its own crate: a few seconds each.
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
