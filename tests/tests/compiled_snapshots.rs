//! Every snapshot under `snapshots/` compiles with warnings denied (and
//! passes clippy, which CI runs over all targets).
#![deny(warnings)]

include!("../snapshots/all.rs");

#[test]
fn snapshots_compiled() {
    // Compiling this file is the test; check one constant to make it real.
    assert_eq!(org_example_ping_default::INTERFACE_NAME, "org.example.ping");
}
