//! `varlink_interface!`: typed Rust from a varlink interface, at compile
//! time.
//!
//! ```ignore
//! mod ping {
//!     varlink_macros::varlink_interface!("src/org.example.ping.varlink");
//! }
//! ```
//!
//! The path is relative to `CARGO_MANIFEST_DIR`, and the file is tracked so
//! that editing it rebuilds the crate. `inline = r#"..."#` takes the
//! interface text directly; settings follow as `key = value`
//! (`server = false`, `map_type = "::std::collections::BTreeMap"`, ...). The
//! expansion is the same as the build script's output: both run
//! `varlink_codegen::generate::generate`. See `varlink_codegen::macro_input` for the
//! full syntax.
#![warn(missing_docs)]

use std::path::PathBuf;

use proc_macro::TokenStream;

/// Generates the types, error enum, clients and server trait of a varlink
/// interface in place.
#[proc_macro]
pub fn varlink_interface(input: TokenStream) -> TokenStream {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    varlink_codegen::macro_input::expand(input.into(), &manifest_dir).into()
}
