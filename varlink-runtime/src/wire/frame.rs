//! Framing: a read buffer that yields complete NUL-terminated messages.
//!
//! A read may return part of a message or many messages; the buffer keeps
//! the bytes, finds each terminator once (the scan position survives partial
//! reads, so a large message is not rescanned on every read), and refuses to
//! grow past the maximum message size.

use std::ops::Range;

use crate::error::Error;

/// The default maximum message size: 16 MiB, as in sd-varlink.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// How much free space a read asks for at least.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct FrameBuffer {
    buf: Vec<u8>,
    /// Start of the first byte not yet handed out as a message.
    start: usize,
    /// Bytes before this index (and after `start`) are known to hold no NUL.
    scanned: usize,
    /// Length of the buffer before the slot of the current read.
    filled: usize,
    max: usize,
}

impl FrameBuffer {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            filled: 0,
            max,
        }
    }

    /// Finds the next complete message and consumes it (with its NUL).
    ///
    /// Returns the range of the message text in [`Self::get`] coordinates,
    /// valid until the next call of a `&mut self` method.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Range<usize>>, Error> {
        let from = self.scanned.max(self.start);
        match self.buf[from..].iter().position(|&b| b == 0) {
            Some(off) => {
                let end = from + off;
                let range = self.start..end;
                if range.len() > self.max {
                    return Err(Error::MessageTooLarge { limit: self.max });
                }
                self.start = end + 1;
                self.scanned = self.start;
                Ok(Some(range))
            }
            None => {
                self.scanned = self.buf.len();
                if self.buf.len() - self.start > self.max {
                    return Err(Error::MessageTooLarge { limit: self.max });
                }
                Ok(None)
            }
        }
    }

    /// Takes over the buffered bytes of `old`, keeping this one's limit.
    pub(crate) fn adopt(&mut self, old: Self) {
        self.buf = old.buf;
        self.start = old.start;
        self.scanned = old.scanned;
        self.filled = old.filled;
    }

    pub(crate) fn get(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// Whether bytes are buffered that do not form a complete message yet.
    #[cfg(test)]
    pub(crate) fn has_partial(&self) -> bool {
        self.start < self.buf.len()
    }

    /// Makes room for a read: moves the unconsumed bytes to the front and
    /// returns a zeroed slot to read into. [`Self::commit`] must follow with
    /// the number of bytes read (0 when the read failed or is pending).
    ///
    /// Zeroing the slot costs little next to the read system call and keeps
    /// the crate free of `unsafe` for uninitialized buffers.
    pub(crate) fn read_slot(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        let len = self.buf.len();
        self.filled = len;
        self.buf.resize(len + READ_CHUNK, 0);
        &mut self.buf[len..]
    }

    /// Keeps `n` bytes of the slot handed out by [`Self::read_slot`].
    pub(crate) fn commit(&mut self, n: usize) {
        self.buf.truncate(self.filled + n);
    }

    /// Reads once from a blocking reader. Returns the number of bytes read,
    /// 0 at end of stream.
    pub(crate) fn read_from(&mut self, r: &mut impl std::io::Read) -> std::io::Result<usize> {
        let res = r.read(self.read_slot());
        self.commit(*res.as_ref().unwrap_or(&0));
        res
    }

    #[cfg(test)]
    fn push(&mut self, bytes: &[u8]) {
        let slot = self.read_slot();
        slot[..bytes.len()].copy_from_slice(bytes);
        self.commit(bytes.len());
    }

    /// Takes every unconsumed byte, for a connection that leaves the varlink
    /// protocol after an `upgrade`.
    pub(crate) fn take_rest(&mut self) -> Vec<u8> {
        let rest = self.buf.split_off(self.start);
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        self.filled = 0;
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(fb: &mut FrameBuffer) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(r) = fb.next_frame().unwrap() {
            out.push(String::from_utf8(fb.get(r).to_vec()).unwrap());
        }
        out
    }

    #[test]
    fn split_and_joined_messages() {
        let mut fb = FrameBuffer::new(100);
        fb.push(b"{\"a\":1}\0{\"b\"");
        assert_eq!(frames(&mut fb), ["{\"a\":1}"]);
        assert!(fb.has_partial());
        fb.push(b":2}\0{}\0{}\0");
        assert_eq!(frames(&mut fb), ["{\"b\":2}", "{}", "{}"]);
        assert!(!fb.has_partial());
    }

    #[test]
    fn too_large_without_terminator() {
        let mut fb = FrameBuffer::new(8);
        fb.push(b"123456789");
        assert!(matches!(
            fb.next_frame(),
            Err(Error::MessageTooLarge { limit: 8 })
        ));
    }

    #[test]
    fn too_large_with_terminator() {
        let mut fb = FrameBuffer::new(4);
        fb.push(b"12345\0");
        assert!(fb.next_frame().is_err());
    }

    #[test]
    fn rest_after_frame() {
        let mut fb = FrameBuffer::new(100);
        fb.push(b"{}\0raw bytes");
        assert_eq!(frames(&mut fb), ["{}"]);
        assert_eq!(fb.take_rest(), b"raw bytes");
    }
}
