//! The varlink runtime: what generated code calls to speak the wire protocol.
#![warn(missing_docs)]
