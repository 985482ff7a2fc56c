//! Byte streams under a connection, and what an `upgrade` hands over.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A bidirectional byte stream a varlink connection runs on: a UNIX or TCP
/// socket, or anything else that reads and writes (for example one end of
/// [`tokio::io::duplex`]).
pub trait RawStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> RawStream for T {}

/// A connection that left the varlink protocol after an `upgrade` call.
///
/// Reading yields first the bytes that were already received after the
/// message that ended the varlink part (they belong to the upgraded
/// protocol), then reads from the stream.
pub struct Upgraded {
    stream: Box<dyn RawStream>,
    buffered: Vec<u8>,
    pos: usize,
}

impl Upgraded {
    pub(crate) fn new(stream: Box<dyn RawStream>, buffered: Vec<u8>) -> Self {
        Self {
            stream,
            buffered,
            pos: 0,
        }
    }

    /// Bytes already received and not read yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buffered[self.pos..]
    }

    /// The stream and the bytes received but not read yet.
    pub fn into_parts(mut self) -> (Box<dyn RawStream>, Vec<u8>) {
        self.buffered.drain(..self.pos);
        (self.stream, self.buffered)
    }
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgraded")
            .field("buffered", &self.buffered().len())
            .finish_non_exhaustive()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.buffered.len() {
            let n = buf.remaining().min(this.buffered.len() - this.pos);
            buf.put_slice(&this.buffered[this.pos..this.pos + n]);
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
