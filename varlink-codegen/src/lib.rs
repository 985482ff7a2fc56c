//! Parser, validator, formatter and (later) Rust code generator for varlink
//! interface definitions (UAPI.20 "Varlink IPC").
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
