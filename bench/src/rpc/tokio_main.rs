//! The `main` of the tokio-based bench binaries (ours, zlink, the raw tokio
//! floor), so that every one of them runs on the same runtime choice: a
//! multi-threaded server; a single-threaded client for one connection, one
//! worker per core for S4's eight connections.

use std::future::Future;

use crate::common::{Mode, Scenario, fail, mode};

/// Parses the command line and runs `serve(address)` or
/// `client(scenario, address, count)` on the runtime the mode calls for.
pub(crate) fn run<S, C>(
    serve: impl FnOnce(String) -> S,
    client: impl FnOnce(Scenario, String, usize) -> C,
) where
    S: Future<Output = ()>,
    C: Future<Output = ()>,
{
    match mode() {
        Mode::Server(address) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| fail("runtime", e));
            rt.block_on(serve(address));
        }
        Mode::Client {
            scenario,
            address,
            count,
        } => {
            let rt = if scenario == Scenario::S4 {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
            } else {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            }
            .unwrap_or_else(|e| fail("runtime", e));
            rt.block_on(client(scenario, address, count));
        }
    }
}
