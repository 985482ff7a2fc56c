//! The per-call context a handler gets next to the call.

use std::future::poll_fn;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::oneshot;

use super::method::{MethodError, MethodReply, MethodResult};
use super::sink::ReplySink;
use crate::error::Error;
use crate::stream::Upgraded;
use crate::wire::CallFlags;

/// Credentials of the peer process, from `SO_PEERCRED` at `connect()` time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCredentials {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Process id, when the kernel reports it.
    pub pid: Option<i32>,
}

/// The context of one call: its flags, the peer, and the ways to send
/// replies before the final one.
#[derive(Debug)]
pub struct CallContext {
    flags: CallFlags,
    peer: Option<PeerCredentials>,
    /// The connection's reply buffer, which replies are serialized into.
    sink: Arc<ReplySink>,
    upgraded: bool,
}

impl CallContext {
    pub(crate) fn new(
        flags: CallFlags,
        peer: Option<PeerCredentials>,
        sink: Arc<ReplySink>,
    ) -> Self {
        Self {
            flags,
            peer,
            sink,
            upgraded: false,
        }
    }

    /// The context of the next call on the same connection.
    pub(crate) fn renew(&mut self, flags: CallFlags) {
        self.flags = flags;
        self.upgraded = false;
    }

    /// The call's flags.
    pub fn flags(&self) -> CallFlags {
        self.flags
    }

    /// The client asked for several replies; [`Self::reply_continues`] may be
    /// used.
    pub fn more(&self) -> bool {
        self.flags.more
    }

    /// The client wants no reply; whatever the handler returns is dropped.
    pub fn oneway(&self) -> bool {
        self.flags.oneway
    }

    /// The client asked to upgrade the connection;
    /// [`Self::upgrade_connection`] may be used.
    pub fn upgrade(&self) -> bool {
        self.flags.upgrade
    }

    /// The peer's credentials; `None` for TCP and other non-UNIX streams.
    pub fn peer_credentials(&self) -> Option<&PeerCredentials> {
        self.peer.as_ref()
    }

    /// Sends a reply with `continues`; the handler's return value is the
    /// final reply. Only allowed when the call asked for `more` (otherwise
    /// [`Error::Usage`]).
    ///
    /// Waits while the client is slow to read, so a stream cannot fill the
    /// server's memory. When the client goes away, the connection drops
    /// the handler's future: the handler just stops. Fails when
    /// `parameters` cannot be serialized (nothing of that reply is sent).
    pub async fn reply_continues<T: Serialize + ?Sized>(
        &mut self,
        parameters: &T,
    ) -> Result<(), Error> {
        if !self.flags.more {
            return Err(Error::Usage("`continues` replies need a call with `more`"));
        }
        poll_fn(|cx| self.sink.poll_room(cx)).await;
        self.sink.write(parameters, true)
    }

    /// Confirms an `upgrade` call with a reply carrying `parameters`, and
    /// returns the raw connection once that reply is written. Only allowed
    /// when the call asked for `upgrade`, and once.
    ///
    /// The connection leaves the varlink protocol: when the handler returns,
    /// its return value is ignored and the server is done with the
    /// connection. Bytes the client sent after the `upgrade` call are in
    /// [`Upgraded::buffered`] and are read first.
    pub async fn upgrade_connection<T: Serialize + ?Sized>(
        &mut self,
        parameters: &T,
    ) -> Result<Upgraded, Error> {
        if !self.flags.upgrade {
            return Err(Error::Usage("upgrading needs a call with `upgrade`"));
        }
        if std::mem::replace(&mut self.upgraded, true) {
            return Err(Error::Usage("the connection is already upgraded"));
        }
        poll_fn(|cx| self.sink.poll_room(cx)).await;
        let (tx, rx) = oneshot::channel();
        self.sink.write_upgrade(parameters, tx)?;
        rx.await.map_err(|_| Error::ConnectionClosed)
    }

    /// Serializes the final reply straight into the connection's reply
    /// buffer, for generated code (`__private::reply`): the reply is sent
    /// if the handler returns the [`MethodReply`] this gives back, and
    /// dropped if it returns anything else.
    pub(crate) fn reply<T: Serialize + ?Sized>(&mut self, parameters: &T) -> MethodResult {
        match self.sink.write_final(parameters) {
            Ok(()) => Ok(MethodReply::written()),
            Err(e) => Err(MethodError::internal(format!(
                "cannot serialize reply: {e}"
            ))),
        }
    }
}
