//! Generates the code of the RPC benchmark's interface twice: with our
//! generator (`$OUT_DIR/org.example.bench.rs`) and with `varlink_generator`
//! 13 (`$OUT_DIR/varlink_generator_bench.rs`), the peer it is compared with.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const IDL: &str = "src/org.example.bench.varlink";
    varlink_codegen::Builder::new().file(IDL).compile()?;

    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let mut input = std::fs::File::open(IDL)?;
    let mut code = Vec::new();
    varlink_generator::generate(&mut input, &mut code, true)
        .map_err(|e| format!("varlink_generator: {e}"))?;
    // Its inner attributes (`#![allow(..)]`) cannot stand in `include!`;
    // the including module carries them instead.
    let code = String::from_utf8(code)?
        .replace("# ! [", "# [")
        .into_bytes();
    let path = out.join("varlink_generator_bench.rs");
    if std::fs::read(&path).ok().as_deref() != Some(&code[..]) {
        std::fs::write(&path, code)?;
    }
    println!("cargo:rerun-if-changed={IDL}");
    Ok(())
}
