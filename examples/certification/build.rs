//! Generates `$OUT_DIR/org.varlink.certification.rs` from the interface file.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    varlink_codegen::Builder::new()
        .file("src/org.varlink.certification.varlink")
        .compile()?;
    Ok(())
}
