//! The varlink certification suite, `org.varlink.certification`, built on
//! code generated at compile time by `varlink_codegen::Builder` (see
//! `build.rs`).
//!
//! A certification client calls `Start`, `Test01` ... `Test11` and `End`,
//! each call taking the previous reply as its input; `Test10` is called with
//! `more` and answered ten times, `Test11` is called `oneway`. The server
//! checks every request exactly and answers `CertificationError` with what
//! it wanted and what it got. An implementation is certified when its
//! client passes against the reference servers and the reference clients
//! pass against its server.
//!
//! - [`server`]: the service, with per-client state as the reference
//!   servers keep it (client ids, the expected next call, expiry).
//! - [`client`]: the client, as the reference clients run it.
//! - [`cli`]: the command line shared with the reference implementations.

pub mod cli;
pub mod client;
pub mod server;

/// The code generated from `org.varlink.certification.varlink`.
pub mod certification {
    varlink_runtime::include_interface!("org.varlink.certification");
}
