//! Generates `$OUT_DIR/org.example.ping.rs` from the interface file.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    varlink_codegen::Builder::new()
        .file("src/org.example.ping.varlink")
        .compile()?;
    Ok(())
}
