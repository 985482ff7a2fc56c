//! The server: a [`Service`] with its [`Interface`]s, serving connections
//! from a [`Listener`].
//!
//! Each connection runs as one tokio task. Calls on a connection are handled
//! one after the other, in order, while later calls are already being read
//! (pipelining); replies that are ready together are written together. A
//! handler that panics or fails internally closes its own connection and
//! nothing else, once the replies to the calls before it are written.

mod connection;
mod context;
mod listener;
mod method;
mod sink;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

pub use context::{CallContext, PeerCredentials};
pub use listener::Listener;
pub use method::{MethodCall, MethodError, MethodReply, MethodResult};

use crate::address::Address;
use crate::error::Error;
use crate::stream::RawStream;
use crate::wire::DEFAULT_MAX_MESSAGE_SIZE;

/// The future [`Interface::dispatch`] returns.
pub type DispatchFuture<'a> = Pin<Box<dyn Future<Output = MethodResult> + Send + 'a>>;

/// One varlink interface served by a [`Service`].
///
/// Generated server adapters implement this; it can also be implemented by
/// hand. The trait is object safe and deliberately small.
pub trait Interface: Send + Sync + 'static {
    /// The interface name, `org.example.ftl`.
    fn name(&self) -> &str;

    /// The interface definition (IDL text, with its comments), returned by
    /// `org.varlink.service.GetInterfaceDescription`.
    fn description(&self) -> &str;

    /// Handles one call of a method of this interface.
    ///
    /// `call.member()` is the method name without the interface. Return
    /// [`MethodError::method_not_found`] for unknown methods and the error of
    /// [`MethodCall::parse_parameters`] for bad parameters. For a `oneway`
    /// call the result is dropped; for `more`, send the replies before the
    /// last with [`CallContext::reply_continues`] and return the last one.
    fn dispatch<'a>(&'a self, call: &'a MethodCall, ctx: &'a mut CallContext)
    -> DispatchFuture<'a>;
}

/// A varlink service: its identity, its interfaces, and its limits.
///
/// `org.varlink.service` is built in. Cloning is cheap; setters change only
/// the clone they are called on.
#[derive(Clone)]
pub struct Service {
    inner: Arc<ServiceInner>,
}

#[derive(Clone)]
pub(crate) struct ServiceInner {
    pub(crate) vendor: String,
    pub(crate) product: String,
    pub(crate) version: String,
    pub(crate) url: String,
    pub(crate) interfaces: Vec<Arc<dyn Interface>>,
    pub(crate) max_message_size: usize,
    pub(crate) max_connections: usize,
    pub(crate) max_connections_per_uid: usize,
    pub(crate) idle_timeout: Option<std::time::Duration>,
}

impl ServiceInner {
    pub(crate) fn interface(&self, name: &str) -> Option<&Arc<dyn Interface>> {
        self.interfaces.iter().find(|i| i.name() == name)
    }
}

/// The default limit of concurrent connections, as in sd-varlink.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The default limit of concurrent connections from one user id, as in
/// sd-varlink: one local user cannot take every connection slot.
pub const DEFAULT_MAX_CONNECTIONS_PER_UID: usize = 1024;

impl Service {
    /// A service with the identity `org.varlink.service.GetInfo` reports.
    pub fn new(
        vendor: impl Into<String>,
        product: impl Into<String>,
        version: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            inner: Arc::new(ServiceInner {
                vendor: vendor.into(),
                product: product.into(),
                version: version.into(),
                url: url.into(),
                interfaces: Vec::new(),
                max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
                max_connections: DEFAULT_MAX_CONNECTIONS,
                max_connections_per_uid: DEFAULT_MAX_CONNECTIONS_PER_UID,
                idle_timeout: None,
            }),
        }
    }

    /// Adds an interface, replacing one of the same name.
    /// `org.varlink.service` is built in and cannot be replaced.
    pub fn add_interface(&mut self, interface: impl Interface) -> &mut Self {
        self.add_shared_interface(Arc::new(interface))
    }

    /// Adds an interface that is shared with other code.
    pub fn add_shared_interface(&mut self, interface: Arc<dyn Interface>) -> &mut Self {
        if interface.name() == crate::service_interface::NAME {
            tracing::warn!("org.varlink.service is built in; the added one is ignored");
            return self;
        }
        let inner = Arc::make_mut(&mut self.inner);
        inner.interfaces.retain(|i| i.name() != interface.name());
        inner.interfaces.push(interface);
        self
    }

    /// Sets the maximum size of one incoming message (default 16 MiB). A
    /// connection that sends a larger one is closed.
    pub fn set_max_message_size(&mut self, bytes: usize) -> &mut Self {
        Arc::make_mut(&mut self.inner).max_message_size = bytes;
        self
    }

    /// Sets the maximum number of concurrent connections of one
    /// [`Self::serve`] (default 4096); connections beyond it are closed at
    /// once.
    pub fn set_max_connections(&mut self, connections: usize) -> &mut Self {
        Arc::make_mut(&mut self.inner).max_connections = connections;
        self
    }

    /// Sets the maximum number of concurrent connections from one user id
    /// (default 1024), judged by the peer credentials of UNIX sockets;
    /// connections beyond it are closed at once. TCP peers have no user id
    /// and count only against [`Self::set_max_connections`].
    pub fn set_max_connections_per_uid(&mut self, connections: usize) -> &mut Self {
        Arc::make_mut(&mut self.inner).max_connections_per_uid = connections;
        self
    }

    /// Closes connections on which nothing happens for `timeout`: no call
    /// in progress and no whole message received, or replies waiting for a
    /// client that reads none of them (default: none, so that clients may
    /// keep a connection open between calls; the per-user limit bounds what
    /// idle connections can cost). Bytes that do not complete a message do
    /// not count: a message must arrive within the timeout, and a client
    /// trickling one in byte by byte is closed.
    pub fn set_idle_timeout(&mut self, timeout: Option<std::time::Duration>) -> &mut Self {
        Arc::make_mut(&mut self.inner).idle_timeout = timeout;
        self
    }

    /// Binds `address` and serves it until an error occurs.
    pub async fn listen(&self, address: &Address) -> Result<(), Error> {
        self.serve(Listener::bind(address).await?).await
    }

    /// Serves connections from `listener`, forever (or, for a socket
    /// activated connection, until it ends).
    pub async fn serve(&self, listener: Listener) -> Result<(), Error> {
        self.serve_with_shutdown(listener, std::future::pending())
            .await
    }

    /// Serves connections from `listener` until `shutdown` completes, then
    /// shuts down gracefully: no new connections or calls are taken, plain
    /// calls that are running finish and get their reply, `more` streams and
    /// upgraded connections are closed, and this returns when every
    /// connection is closed.
    pub async fn serve_with_shutdown(
        &self,
        mut listener: Listener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        let (stop_tx, stop_rx) = watch::channel(false);
        // Each task returns the uid it was counted under.
        let mut tasks: JoinSet<Option<u32>> = JoinSet::new();
        let mut per_uid: HashMap<u32, usize> = HashMap::new();
        let mut accepting = true;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(res) = tasks.join_next(), if !tasks.is_empty() => match res {
                    Ok(uid) => release_uid(&mut per_uid, uid),
                    // A connection task only fails by a bug; its slot leaks
                    // rather than being freed twice.
                    Err(e) => tracing::error!("connection task failed: {e}"),
                },
                accepted = listener.accept(), if accepting => match accepted {
                    Ok(Some((stream, peer))) => {
                        if tasks.len() >= self.inner.max_connections {
                            tracing::warn!("connection limit reached; closing new connection");
                            continue;
                        }
                        let uid = peer.as_ref().map(|p| p.uid);
                        if let Some(uid) = uid {
                            let count = per_uid.entry(uid).or_default();
                            if *count >= self.inner.max_connections_per_uid {
                                tracing::warn!(uid, "per-user connection limit reached; closing new connection");
                                continue;
                            }
                            *count += 1;
                        }
                        let span = tracing::info_span!("varlink_connection", peer = ?peer);
                        let run = connection::run(self.inner.clone(), stream, peer, stop_rx.clone());
                        tasks.spawn(async move {
                            run.instrument(span).await;
                            uid
                        });
                    }
                    Ok(None) => accepting = false,
                    Err(e) => {
                        // Running out of descriptors or an aborted handshake
                        // must not end the service; pause briefly so that a
                        // persistent failure does not spin.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                },
            }
            if !accepting && tasks.is_empty() {
                return Ok(());
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        while tasks.join_next().await.is_some() {}
        Ok(())
    }

    /// Serves one connection on any byte stream, until it is closed.
    pub async fn serve_stream(&self, stream: impl RawStream, peer: Option<PeerCredentials>) {
        let (_stop_tx, stop_rx) = watch::channel(false);
        let span = tracing::info_span!("varlink_connection", peer = ?peer);
        connection::run(self.inner.clone(), Box::new(stream), peer, stop_rx)
            .instrument(span)
            .await;
    }
}

/// Frees the per-user slot of a closed connection.
fn release_uid(per_uid: &mut HashMap<u32, usize>, uid: Option<u32>) {
    let Some(uid) = uid else { return };
    if let Some(count) = per_uid.get_mut(&uid) {
        *count -= 1;
        if *count == 0 {
            per_uid.remove(&uid);
        }
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("vendor", &self.inner.vendor)
            .field("product", &self.inner.product)
            .field("version", &self.inner.version)
            .field("url", &self.inner.url)
            .field(
                "interfaces",
                &self
                    .inner
                    .interfaces
                    .iter()
                    .map(|i| i.name())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
