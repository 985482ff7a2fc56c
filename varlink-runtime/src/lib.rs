//! The varlink runtime: the wire protocol, an async and a blocking client,
//! and a tokio server. Generated code calls it, and it is usable by hand.
//!
//! It follows UAPI.20 "Varlink IPC": NUL-terminated JSON messages, replies
//! in call order, `oneway` calls never answered, `continues` only for `more`
//! calls, `upgrade` handing the raw stream over, malformed messages closing
//! the connection, and the built-in `org.varlink.service` interface.
//!
//! # A server and a client
//!
//! An interface is anything implementing [`Interface`]: its name, its IDL
//! text and a dispatch function. (The code generator writes these; here one
//! is written by hand.)
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use varlink_runtime::server::{DispatchFuture, Listener};
//! use varlink_runtime::{
//!     Address, CallContext, Connection, Interface, MethodCall, MethodError, MethodReply, Service,
//! };
//!
//! struct Ping;
//!
//! #[derive(Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct PingIn {
//!     ping: String,
//! }
//! #[derive(Debug, Serialize, Deserialize)]
//! struct PingOut {
//!     pong: String,
//! }
//!
//! impl Interface for Ping {
//!     fn name(&self) -> &str {
//!         "org.example.ping"
//!     }
//!     fn description(&self) -> &str {
//!         "interface org.example.ping\n\nmethod Ping(ping: string) -> (pong: string)\n"
//!     }
//!     fn dispatch<'a>(&'a self, call: &'a MethodCall, ctx: &'a mut CallContext) -> DispatchFuture<'a> {
//!         Box::pin(async move {
//!             match call.member() {
//!                 "Ping" => {
//!                     let input: PingIn = call.parse_parameters()?;
//!                     if ctx.more() {
//!                         ctx.reply_continues(&PingOut { pong: input.ping.clone() })
//!                             .await
//!                             .map_err(|e| MethodError::internal(e.to_string()))?;
//!                     }
//!                     MethodReply::new(&PingOut { pong: input.ping })
//!                 }
//!                 _ => Err(MethodError::method_not_found(call)),
//!             }
//!         })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), varlink_runtime::Error> {
//! let mut service = Service::new("Example Inc.", "Ping", "1.0", "https://example.org");
//! service.add_interface(Ping);
//!
//! let name = format!("unix:@varlink-runtime-doc-{}", std::process::id());
//! let address: Address = name.parse()?;
//! let listener = Listener::bind(&address).await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(async move {
//!     service
//!         .serve_with_shutdown(listener, async {
//!             let _ = stopped.await;
//!         })
//!         .await
//! });
//!
//! let mut conn = Connection::connect(&address).await?;
//! let reply: PingOut = conn.call("org.example.ping.Ping", &serde_json::json!({"ping": "hi"})).await?;
//! assert_eq!(reply.pong, "hi");
//!
//! // A `more` call gives a stream that ends at the reply without `continues`.
//! let mut replies = conn
//!     .call_more::<_, PingOut>("org.example.ping.Ping", &serde_json::json!({"ping": "x"}))
//!     .await?;
//! let mut count = 0;
//! while let Some(reply) = replies.next().await {
//!     assert_eq!(reply?.pong, "x");
//!     count += 1;
//! }
//! assert_eq!(count, 2);
//! drop(replies); // the stream borrows the connection
//!
//! // Unknown fields are refused with InvalidParameter naming the field.
//! let err = conn
//!     .call::<_, PingOut>("org.example.ping.Ping", &serde_json::json!({"ping": "x", "pong": 1}))
//!     .await
//!     .unwrap_err();
//! assert!(matches!(
//!     err,
//!     varlink_runtime::Error::Service(varlink_runtime::ServiceError::InvalidParameter { ref parameter })
//!         if parameter == "pong"
//! ));
//!
//! let _ = stop.send(());
//! server.await.expect("server task")?;
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! - [`wire`]: framing and the [`wire::Call`] / [`wire::Reply`] messages.
//! - [`client`]: the async [`Connection`] and [`client::blocking`].
//! - [`server`]: [`Service`], [`Interface`], [`CallContext`], [`Listener`].
//! - [`address`]: [`Address`] parsing.
//! - [`activation`]: socket activation.
//! - [`testing`]: a client and a service connected in one process.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod activation;
pub mod address;
pub mod client;
mod codegen;
pub mod error;
pub mod server;
mod service_interface;
mod stream;
mod sys;
pub mod testing;
mod unix_hygiene;
pub mod wire;

pub use address::Address;
pub use client::{Connection, Received, ReplyStream};
pub use codegen::__private;
pub use error::{Error, RemoteError, Result, ServiceError};
pub use server::{
    CallContext, Interface, Listener, MethodCall, MethodError, MethodReply, MethodResult,
    PeerCredentials, Service,
};
pub use service_interface::DESCRIPTION as SERVICE_INTERFACE_DESCRIPTION;
pub use stream::{RawStream, Upgraded};
