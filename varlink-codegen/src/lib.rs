//! Parser, validator, formatter and Rust code generator for varlink
//! interface definitions (UAPI.20 "Varlink IPC").
//!
//! The stages are public and compose: [`idl::parse_syntax`] ->
//! [`idl::validate`] -> [`generate::generate`], with [`idl::format`] printing
//! canonical text. Every problem is a [`Diagnostic`] that renders like a
//! rustc error.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod builder;
pub mod diagnostic;
mod fxhash;
pub mod generate;
pub mod idl;
pub mod macro_input;
pub mod names;

pub use builder::{BuildError, Builder};

pub use diagnostic::{Diagnostic, Diagnostics};

/// Rust source for one interface, with the file name the build script and
/// the command line give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The interface name, `org.example.ping`.
    pub interface: String,
    /// `org.example.ping.rs`: the interface name, which is what
    /// `varlink_runtime::include_interface!` takes.
    pub file_name: String,
    /// The code, laid out for reading, starting with the `@generated`
    /// header.
    pub code: String,
}

/// Parses, validates and generates one interface: the whole pipeline the
/// build script and `varlink-codegen generate` run.
pub fn generate_file(
    source: &str,
    settings: &generate::Settings,
) -> Result<GeneratedFile, Diagnostics> {
    let interface = idl::parse(source)?;
    let code = generate::generate(&interface, source, settings)?;
    Ok(GeneratedFile {
        interface: interface.name().text.to_owned(),
        file_name: format!("{}.rs", interface.name().text),
        code,
    })
}
