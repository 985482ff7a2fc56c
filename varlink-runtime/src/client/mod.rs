//! The async client, on tokio.
//!
//! A [`Connection`] runs calls one after the other: [`Connection::call`] for
//! one reply, [`Connection::call_more`] for a stream of replies,
//! [`Connection::call_oneway`] for none, [`Connection::call_upgrade`] to take
//! the raw stream over. For pipelining, queue calls with
//! [`Connection::send`] and read their replies in order with
//! [`Connection::receive`].
//!
//! Methods take `&mut self`: a varlink connection carries one conversation
//! in order. Use several connections for concurrent calls.

mod core;
mod exec;

pub mod blocking;

use std::future::{Future as _, poll_fn};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tracing::Instrument;

use self::core::ClientCore;
pub use self::core::Received;
use self::exec::ExecChild;
use crate::address::Address;
use crate::error::Error;
use crate::stream::{RawStream, Upgraded};
use crate::unix_hygiene::connected_client;
use crate::wire::{CallFlags, DEFAULT_MAX_MESSAGE_SIZE};

/// Something that names a varlink address: an [`Address`] or its text.
pub trait ToAddress {
    /// Parses or copies the address.
    fn to_address(&self) -> Result<Address, Error>;
}

impl ToAddress for Address {
    fn to_address(&self) -> Result<Address, Error> {
        Ok(self.clone())
    }
}
impl ToAddress for str {
    fn to_address(&self) -> Result<Address, Error> {
        self.parse()
    }
}
impl ToAddress for String {
    fn to_address(&self) -> Result<Address, Error> {
        self.parse()
    }
}
impl<T: ToAddress + ?Sized> ToAddress for &T {
    fn to_address(&self) -> Result<Address, Error> {
        (**self).to_address()
    }
}

/// An async client connection.
pub struct Connection {
    stream: Option<Box<dyn RawStream>>,
    core: ClientCore,
    timeout: Option<Duration>,
    _child: Option<ExecChild>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("open", &self.stream.is_some())
            .field("awaiting", &self.core.awaiting())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects to a service: `unix:/path`, `unix:@name`, `tcp:host:port`,
    /// or `exec:/path/to/program` (started with socket activation and asked
    /// to terminate when the connection is dropped).
    pub async fn connect(address: impl ToAddress) -> Result<Self, Error> {
        let address = address.to_address()?;
        let span = tracing::debug_span!("varlink_connect", %address);
        Self::open(&address).instrument(span).await
    }

    async fn open(address: &Address) -> Result<Self, Error> {
        let (stream, child): (Box<dyn RawStream>, _) = match address {
            Address::Unix { path, .. } => {
                let s = UnixStream::connect(path).await?;
                connected_client(&s);
                (Box::new(s), None)
            }
            Address::UnixAbstract { name } => {
                use std::os::linux::net::SocketAddrExt;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
                let s = std::os::unix::net::UnixStream::connect_addr(&addr)?;
                connected_client(&s);
                s.set_nonblocking(true)?;
                (Box::new(UnixStream::from_std(s)?), None)
            }
            Address::Tcp { host, port } => {
                let s = TcpStream::connect((host.as_str(), *port)).await?;
                s.set_nodelay(true)?;
                (Box::new(s), None)
            }
            Address::Exec { program } => {
                let (s, child) = exec::spawn(program)?;
                s.set_nonblocking(true)?;
                (Box::new(UnixStream::from_std(s)?), Some(child))
            }
        };
        let mut conn = Self::from_stream(stream);
        conn._child = child;
        Ok(conn)
    }

    /// A connection over any byte stream, e.g. a socket from elsewhere.
    pub fn from_stream(stream: impl RawStream) -> Self {
        Self {
            stream: Some(Box::new(stream)),
            core: ClientCore::new(DEFAULT_MAX_MESSAGE_SIZE),
            timeout: None,
            _child: None,
        }
    }

    /// Sets the maximum size of one reply (default 16 MiB).
    pub fn set_max_message_size(&mut self, bytes: usize) -> &mut Self {
        self.core.set_max_message_size(bytes);
        self
    }

    /// Sets how long a call waits for each reply (default: no limit). A call
    /// that times out fails with [`Error::Timeout`]; its late reply is
    /// skipped when it arrives, so the connection stays usable.
    pub fn set_call_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Calls `method` and returns its reply parameters.
    pub async fn call<P, R>(&mut self, method: &str, parameters: &P) -> Result<R, Error>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.check_idle()?;
        self.send(method, parameters, CallFlags::NONE)?;
        let span = tracing::debug_span!("varlink_client_call", method);
        Ok(self.receive::<R>().instrument(span).await?.parameters)
    }

    /// Calls `method` with `more` and returns the stream of its replies,
    /// which ends after the reply without `continues` (or an error).
    ///
    /// Dropping the stream early is allowed: the rest of its replies is
    /// skipped by the next call.
    pub async fn call_more<P, R>(
        &mut self,
        method: &str,
        parameters: &P,
    ) -> Result<ReplyStream<'_, R>, Error>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.check_idle()?;
        self.send(method, parameters, CallFlags::MORE)?;
        self.flush().await?;
        Ok(ReplyStream::new(self))
    }

    /// Calls `method` with `oneway`: the service sends no reply, not even
    /// an error. Returns when the call is written.
    pub async fn call_oneway<P>(&mut self, method: &str, parameters: &P) -> Result<(), Error>
    where
        P: Serialize + ?Sized,
    {
        self.send(method, parameters, CallFlags::ONEWAY)?;
        self.flush().await
    }

    /// Calls `method` with `upgrade`. On success the connection leaves the
    /// varlink protocol: the reply parameters are returned with the raw
    /// stream (whose first bytes are any already received after the reply),
    /// and this connection is closed. On an error reply the connection stays
    /// a varlink connection.
    pub async fn call_upgrade<P, R>(
        &mut self,
        method: &str,
        parameters: &P,
    ) -> Result<(R, Upgraded), Error>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.check_idle()?;
        self.send(method, parameters, CallFlags::UPGRADE)?;
        let reply = self.receive::<R>().await?;
        let stream = self.stream.take().ok_or(Error::ConnectionClosed)?;
        Ok((
            reply.parameters,
            Upgraded::new(stream, self.core.rbuf.take_rest()),
        ))
    }

    /// Queues a call without writing it (pipelining). [`Self::flush`] writes
    /// the queue; [`Self::receive`] flushes and reads replies in call order.
    pub fn send<P>(&mut self, method: &str, parameters: &P, flags: CallFlags) -> Result<(), Error>
    where
        P: Serialize + ?Sized,
    {
        if self.stream.is_none() {
            return Err(Error::ConnectionClosed);
        }
        self.core.encode(method, parameters, flags)
    }

    /// Writes every queued call.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Reads the next reply, for the oldest call that waits for one. An
    /// error reply is returned as the error ([`Error::Service`] or
    /// [`Error::Remote`]) and leaves the connection usable.
    pub async fn receive<R: DeserializeOwned>(&mut self) -> Result<Received<R>, Error> {
        match self.timeout {
            None => poll_fn(|cx| self.poll_receive(cx)).await,
            Some(t) => match tokio::time::timeout(t, poll_fn(|cx| self.poll_receive(cx))).await {
                Ok(r) => r,
                Err(_) => {
                    self.core.abandon_front();
                    Err(Error::Timeout(t))
                }
            },
        }
    }

    /// How many calls wait for replies.
    pub fn awaiting_replies(&self) -> usize {
        self.core.awaiting()
    }

    fn check_idle(&self) -> Result<(), Error> {
        if self.stream.is_none() {
            return Err(Error::ConnectionClosed);
        }
        if self.core.awaiting() > 0 {
            return Err(Error::Usage(
                "receive the replies of pipelined calls before making another call",
            ));
        }
        Ok(())
    }

    fn close(&mut self) {
        self.stream = None;
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        while !self.core.out.is_empty() {
            let Some(stream) = self.stream.as_mut() else {
                return Poll::Ready(Err(Error::ConnectionClosed));
            };
            match ready!(Pin::new(stream).poll_write(cx, &self.core.out)) {
                Ok(0) => {
                    self.close();
                    return Poll::Ready(Err(Error::ConnectionClosed));
                }
                Ok(n) => {
                    self.core.out.drain(..n);
                }
                Err(e) => {
                    self.close();
                    return Poll::Ready(Err(e.into()));
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    fn poll_receive<R: DeserializeOwned>(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Received<R>, Error>> {
        ready!(self.poll_flush(cx))?;
        loop {
            match self.core.next_reply::<R>() {
                Ok(Some(r)) => return Poll::Ready(r),
                Ok(None) => {}
                Err(e) => {
                    self.close();
                    return Poll::Ready(Err(e));
                }
            }
            let Some(stream) = self.stream.as_mut() else {
                return Poll::Ready(Err(Error::ConnectionClosed));
            };
            // Commit within the same poll, so that a cancelled receive (a
            // timeout) never leaves a half-filled read slot behind.
            let mut rb = ReadBuf::new(self.core.rbuf.read_slot());
            let res = Pin::new(stream).poll_read(cx, &mut rb);
            let n = rb.filled().len();
            self.core.rbuf.commit(n);
            match ready!(res) {
                Ok(()) if n == 0 => {
                    self.close();
                    return Poll::Ready(Err(Error::ConnectionClosed));
                }
                Ok(()) => {}
                Err(e) => {
                    self.close();
                    return Poll::Ready(Err(e.into()));
                }
            }
        }
    }
}

/// The replies of a `more` call. Implements [`futures_core::Stream`]; the
/// inherent [`ReplyStream::next`] needs no extra crate.
///
/// `E` is the error type of the items: the runtime's [`Error`], or, after
/// [`ReplyStream::err_into`], any type that converts from it (generated
/// clients use their interface's error enum).
pub struct ReplyStream<'a, R, E = Error> {
    pending: PendingReplies<'a>,
    _reply: PhantomData<fn() -> (R, E)>,
}

/// The state of a `more` call; dropping it early skips the rest of the
/// replies. Kept apart from [`ReplyStream`] so that the stream itself has
/// no `Drop` and can change its error type by moving this out.
struct PendingReplies<'a> {
    conn: &'a mut Connection,
    done: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<'a, R, E> ReplyStream<'a, R, E> {
    fn new(conn: &'a mut Connection) -> Self {
        ReplyStream {
            pending: PendingReplies {
                conn,
                done: false,
                sleep: None,
            },
            _reply: PhantomData,
        }
    }

    /// The same stream, with errors converted into `E2`.
    pub fn err_into<E2: From<E>>(self) -> ReplyStream<'a, R, E2> {
        ReplyStream {
            pending: self.pending,
            _reply: PhantomData,
        }
    }
}

impl<R: DeserializeOwned, E: From<Error>> ReplyStream<'_, R, E> {
    /// The next reply; `None` after the last one.
    pub async fn next(&mut self) -> Option<Result<R, E>> {
        poll_fn(|cx| self.poll_reply(cx)).await
    }

    fn poll_reply(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<R, E>>> {
        let pending = &mut self.pending;
        if pending.done {
            return Poll::Ready(None);
        }
        if let Some(t) = pending.conn.timeout {
            let sleep = pending
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(t)));
            if sleep.as_mut().poll(cx).is_ready() {
                pending.done = true;
                pending.conn.core.abandon_front();
                return Poll::Ready(Some(Err(Error::Timeout(t).into())));
            }
        }
        let r = ready!(pending.conn.poll_receive::<R>(cx));
        pending.sleep = None;
        Poll::Ready(Some(match r {
            Ok(reply) => {
                pending.done = !reply.continues;
                Ok(reply.parameters)
            }
            Err(e) => {
                pending.done = true;
                Err(e.into())
            }
        }))
    }
}

impl<R: DeserializeOwned, E: From<Error>> futures_core::Stream for ReplyStream<'_, R, E> {
    type Item = Result<R, E>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_reply(cx)
    }
}

impl Drop for PendingReplies<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.conn.core.abandon_front();
        }
    }
}

impl<R, E> std::fmt::Debug for ReplyStream<'_, R, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyStream")
            .field("done", &self.pending.done)
            .finish_non_exhaustive()
    }
}
