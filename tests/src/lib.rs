//! Integration tests of the whole toolkit live in `tests/`: the corpus, and
//! interoperability with other varlink implementations. This library holds
//! what those tests share: bounded waits on child processes, unique socket
//! addresses, free ports, the Python reference implementation in a venv,
//! and the location of the example binaries.

pub mod net;
pub mod process;
pub mod python;

/// The generated code of every snapshot under `snapshots/` (see
/// `tests/snapshots.rs`): compiled here with warnings denied, and
/// documented by `cargo doc`, which CI runs with rustdoc warnings denied,
/// so that IDL comments cannot break a user's docs.
#[deny(warnings)]
pub mod snapshots {
    include!("../snapshots/all.rs");
}

use std::path::PathBuf;
use std::time::Duration;

/// Every wait in the tests is bounded by this.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A binary of another workspace package, such as `varlink-certification`
/// of `examples/certification`.
///
/// `CARGO_BIN_EXE_*` only names binaries of the package under test, so the
/// binary is looked up next to the running test executable
/// (`<target>/<profile>/deps/..`): `cargo test --workspace` builds every
/// member's binaries before it runs any test. When it is missing (a
/// `cargo test -p varlink-tests` on a fresh target directory), the test
/// fails and says how to build it.
pub fn workspace_binary(name: &str, package: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable lives in <target>/<profile>/deps");
    let binary = profile_dir.join(name);
    assert!(
        binary.is_file(),
        "{} is not built: run `cargo test --workspace`, or `cargo build -p {package}` \
         before `cargo test -p varlink-tests`",
        binary.display()
    );
    binary
}
