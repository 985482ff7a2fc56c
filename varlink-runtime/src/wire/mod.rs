//! The wire protocol: framing of NUL-terminated JSON messages, and the call
//! and reply message types (UAPI.20, "Wire Protocol").
//!
//! Both the client and the server parse messages straight out of their read
//! buffer: [`Call`] and [`Reply`] borrow their strings and keep `parameters`
//! as a borrowed [`RawValue`](serde_json::value::RawValue), so a dispatcher can deserialize the parameters
//! once, into the target type, without building a `serde_json::Value` first.

mod frame;
mod message;
mod params;
mod strict;
mod typed_reply;

pub use frame::DEFAULT_MAX_MESSAGE_SIZE;
pub(crate) use frame::FrameBuffer;
pub(crate) use message::write_json_str;
pub use message::{Call, CallFlags, Reply};
pub(crate) use params::parse_parameters_text;
pub use params::{deserialize_parameters, parse_parameters};
pub(crate) use params::{write_member_parameters, write_parameters};
pub(crate) use typed_reply::parse_typed_reply;
