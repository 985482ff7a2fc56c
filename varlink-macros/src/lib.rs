//! The `varlink_interface!` procedural macro.
//!
//! The macro is a thin front end: it reads its arguments, calls the one
//! generator in `varlink-codegen` and returns the tokens. The generator
//! arrives with the code generator issue; until then this crate only
//! establishes its place in the workspace.
#![warn(missing_docs)]
