//! The per-call context a handler gets next to the call.

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::stream::Upgraded;
use crate::wire::{CallFlags, Reply};

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

/// What a running handler asks the connection to write.
pub(crate) enum Outgoing {
    /// An encoded reply with `continues`.
    Continues(Vec<u8>),
    /// The encoded reply confirming an upgrade, and where to hand the stream.
    Upgrade(Vec<u8>, oneshot::Sender<Upgraded>),
}

/// The context of one call: its flags, the peer, and the ways to send
/// replies before the final one.
#[derive(Debug)]
pub struct CallContext {
    flags: CallFlags,
    peer: Option<PeerCredentials>,
    /// Only calls with `more` or `upgrade` can send anything before their
    /// final reply; plain calls, the common case, get no channel and pay
    /// for none.
    tx: Option<mpsc::Sender<Outgoing>>,
    upgraded: bool,
}

impl CallContext {
    pub(crate) fn new(
        flags: CallFlags,
        peer: Option<PeerCredentials>,
        tx: Option<mpsc::Sender<Outgoing>>,
    ) -> Self {
        Self {
            flags,
            peer,
            tx,
            upgraded: false,
        }
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
    /// server's memory. Fails with [`Error::ConnectionClosed`] when the
    /// client went away.
    pub async fn reply_continues<T: Serialize + ?Sized>(
        &mut self,
        parameters: &T,
    ) -> Result<(), Error> {
        if !self.flags.more {
            return Err(Error::Usage("`continues` replies need a call with `more`"));
        }
        let msg = encode_reply(parameters, true)?;
        self.sender()?
            .send(Outgoing::Continues(msg))
            .await
            .map_err(|_| Error::ConnectionClosed)
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
        let msg = encode_reply(parameters, false)?;
        let (tx, rx) = oneshot::channel();
        self.sender()?
            .send(Outgoing::Upgrade(msg, tx))
            .await
            .map_err(|_| Error::ConnectionClosed)?;
        rx.await.map_err(|_| Error::ConnectionClosed)
    }
}

impl CallContext {
    fn sender(&self) -> Result<&mpsc::Sender<Outgoing>, Error> {
        self.tx.as_ref().ok_or(Error::Usage(
            "this call cannot send replies before its last",
        ))
    }
}

fn encode_reply<T: Serialize + ?Sized>(parameters: &T, continues: bool) -> Result<Vec<u8>, Error> {
    let raw = serde_json::value::to_raw_value(parameters).map_err(Error::Serialize)?;
    let raw = match raw.get() {
        "null" => None,
        s if s.starts_with('{') => Some(raw),
        _ => return Err(Error::Usage("parameters must serialize to a JSON object")),
    };
    let mut out = Vec::new();
    Reply::new(raw.as_deref(), continues).encode(&mut out);
    Ok(out)
}
