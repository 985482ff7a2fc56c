//! The blocking client: the same calls as the async [`super::Connection`],
//! on `std` sockets, for programs that do not run tokio. Nothing here needs
//! a tokio runtime.

use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ToAddress;
use super::core::{ClientCore, Received};
use super::exec::{self, ExecChild};
use crate::address::Address;
use crate::error::Error;
use crate::unix_hygiene::connected_client;
use crate::wire::{CallFlags, DEFAULT_MAX_MESSAGE_SIZE};

/// The socket under a blocking connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Stream {
    /// A UNIX socket (also for `exec:`).
    Unix(UnixStream),
    /// A TCP socket.
    Tcp(TcpStream),
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Self::Unix(s) => s.set_read_timeout(t),
            Self::Tcp(s) => s.set_read_timeout(t),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Unix(s) => s.read(buf),
            Self::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Unix(s) => s.write(buf),
            Self::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A blocking connection that left the varlink protocol after `upgrade`.
/// Reading yields the already received bytes first.
#[derive(Debug)]
pub struct Upgraded {
    stream: Stream,
    buffered: Vec<u8>,
    pos: usize,
}

impl Upgraded {
    /// Bytes already received and not read yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buffered[self.pos..]
    }

    /// The socket and the bytes received but not read yet.
    pub fn into_parts(mut self) -> (Stream, Vec<u8>) {
        self.buffered.drain(..self.pos);
        (self.stream, self.buffered)
    }
}

impl Read for Upgraded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.buffered.len() {
            let n = buf.len().min(self.buffered.len() - self.pos);
            buf[..n].copy_from_slice(&self.buffered[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.stream.read(buf)
    }
}

impl Write for Upgraded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// A blocking client connection.
#[derive(Debug)]
pub struct Connection {
    stream: Option<Stream>,
    core: ClientCore,
    timeout: Option<Duration>,
    _child: Option<ExecChild>,
}

impl Connection {
    /// Connects to a service; see [`super::Connection::connect`].
    pub fn connect(address: impl ToAddress) -> Result<Self, Error> {
        let address = address.to_address()?;
        let (stream, child) = match &address {
            Address::Unix { path, .. } => {
                let s = UnixStream::connect(path)?;
                connected_client(&s);
                (Stream::Unix(s), None)
            }
            Address::UnixAbstract { name } => {
                use std::os::linux::net::SocketAddrExt;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
                let s = UnixStream::connect_addr(&addr)?;
                connected_client(&s);
                (Stream::Unix(s), None)
            }
            Address::Tcp { host, port } => {
                let s = TcpStream::connect((host.as_str(), *port))?;
                s.set_nodelay(true)?;
                (Stream::Tcp(s), None)
            }
            Address::Exec { program } => {
                let (s, child) = exec::spawn(program)?;
                (Stream::Unix(s), Some(child))
            }
        };
        let mut conn = Self::from_stream(stream);
        conn._child = child;
        Ok(conn)
    }

    /// A connection over an existing socket.
    pub fn from_stream(stream: Stream) -> Self {
        Self {
            stream: Some(stream),
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

    /// Sets how long a call waits for each reply; see
    /// [`super::Connection::set_call_timeout`].
    pub fn set_call_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Calls `method` and returns its reply parameters.
    pub fn call<P, R>(&mut self, method: &str, parameters: &P) -> Result<R, Error>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.check_idle()?;
        self.send(method, parameters, CallFlags::NONE)?;
        Ok(self.receive::<R>()?.parameters)
    }

    /// Calls `method` with `more`; the iterator ends after the last reply.
    pub fn call_more<P, R>(
        &mut self,
        method: &str,
        parameters: &P,
    ) -> Result<ReplyIter<'_, R>, Error>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.check_idle()?;
        self.send(method, parameters, CallFlags::MORE)?;
        self.flush()?;
        Ok(ReplyIter {
            pending: PendingReplies {
                conn: self,
                done: false,
            },
            _reply: PhantomData,
        })
    }

    /// Calls `method` with `oneway`; returns when the call is written.
    pub fn call_oneway<P>(&mut self, method: &str, parameters: &P) -> Result<(), Error>
    where
        P: Serialize + ?Sized,
    {
        self.send(method, parameters, CallFlags::ONEWAY)?;
        self.flush()
    }

    /// Calls `method` with `upgrade`; see [`super::Connection::call_upgrade`].
    pub fn call_upgrade<P, R>(
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
        let reply = self.receive::<R>()?;
        let stream = self.stream.take().ok_or(Error::ConnectionClosed)?;
        let _ = stream.set_read_timeout(None);
        let upgraded = Upgraded {
            stream,
            buffered: self.core.rbuf.take_rest(),
            pos: 0,
        };
        Ok((reply.parameters, upgraded))
    }

    /// Queues a call without writing it (pipelining).
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
    pub fn flush(&mut self) -> Result<(), Error> {
        if self.core.out.is_empty() {
            return Ok(());
        }
        let stream = self.stream.as_mut().ok_or(Error::ConnectionClosed)?;
        let res = stream.write_all(&self.core.out);
        self.core.out.clear();
        if let Err(e) = res {
            self.stream = None;
            return Err(e.into());
        }
        Ok(())
    }

    /// Reads the next reply, for the oldest call that waits for one.
    pub fn receive<R: DeserializeOwned>(&mut self) -> Result<Received<R>, Error> {
        self.flush()?;
        loop {
            match self.core.next_reply::<R>() {
                Ok(Some(r)) => return r,
                Ok(None) => {}
                Err(e) => {
                    self.stream = None;
                    return Err(e);
                }
            }
            let stream = self.stream.as_mut().ok_or(Error::ConnectionClosed)?;
            stream.set_read_timeout(self.timeout)?;
            match self.core.rbuf.read_from(stream) {
                Ok(0) => {
                    self.stream = None;
                    return Err(Error::ConnectionClosed);
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    self.core.abandon_front();
                    return Err(Error::Timeout(self.timeout.unwrap_or_default()));
                }
                Err(e) => {
                    self.stream = None;
                    return Err(e.into());
                }
            }
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
}

/// The replies of a blocking `more` call.
///
/// `E` is the error type of the items: the runtime's [`Error`], or, after
/// [`ReplyIter::err_into`], any type that converts from it.
#[derive(Debug)]
pub struct ReplyIter<'a, R, E = Error> {
    pending: PendingReplies<'a>,
    _reply: PhantomData<fn() -> (R, E)>,
}

/// The state of a `more` call; dropping it early skips the rest of the
/// replies. Apart from [`ReplyIter`] so that the iterator has no `Drop` and
/// can change its error type by moving this out.
#[derive(Debug)]
struct PendingReplies<'a> {
    conn: &'a mut Connection,
    done: bool,
}

impl<'a, R, E> ReplyIter<'a, R, E> {
    /// The same iterator, with errors converted into `E2`.
    pub fn err_into<E2: From<E>>(self) -> ReplyIter<'a, R, E2> {
        ReplyIter {
            pending: self.pending,
            _reply: PhantomData,
        }
    }
}

impl<R: DeserializeOwned, E: From<Error>> Iterator for ReplyIter<'_, R, E> {
    type Item = Result<R, E>;
    fn next(&mut self) -> Option<Self::Item> {
        let pending = &mut self.pending;
        if pending.done {
            return None;
        }
        Some(match pending.conn.receive::<R>() {
            Ok(reply) => {
                pending.done = !reply.continues;
                Ok(reply.parameters)
            }
            Err(e) => {
                // A timeout already gave up on the call.
                pending.done = true;
                Err(e.into())
            }
        })
    }
}

impl Drop for PendingReplies<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.conn.core.abandon_front();
        }
    }
}
