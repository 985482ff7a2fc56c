//! Parser, validator, formatter and (soon) Rust code generator for varlink
//! interface definitions (UAPI.20 "Varlink IPC").
//!
//! The stages are public and compose: [`idl::parse_syntax`] ->
//! [`idl::validate`] -> (code generation), with [`idl::format`] printing
//! canonical text. Every problem is a [`Diagnostic`] that renders like a
//! rustc error.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod diagnostic;
pub mod idl;

pub use diagnostic::{Diagnostic, Diagnostics};
