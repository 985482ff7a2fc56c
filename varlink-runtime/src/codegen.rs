//! What generated code uses, and nothing else should.
//!
//! Generated code refers to the runtime only through
//! `::varlink_runtime::__private::…`, so that the public API can change
//! shape without breaking generated files, and so that users need no direct
//! dependency on serde or serde_json (derives take
//! `#[serde(crate = "::varlink_runtime::__private::serde")]`).

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
    pub use serde_json::value::RawValue;

    pub use crate::client::blocking;
    pub use crate::client::{Connection, Received, ReplyStream};
    pub use crate::error::{Error, RemoteError, ServiceError};
    pub use crate::server::{
        CallContext, DispatchFuture, Interface, MethodCall, MethodError, MethodReply, MethodResult,
        PeerCredentials, Service,
    };
    pub use crate::stream::Upgraded;
    pub use crate::wire::{CallFlags, deserialize_parameters, parse_parameters};

    pub use std::boxed::Box;
    pub use std::future::Future;
    pub use std::pin::Pin;
}
