//! Where a running call writes its replies: one buffer per connection,
//! shared by the handler's [`CallContext`](super::CallContext) and the
//! connection loop.
//!
//! Handlers serialize replies straight into it, with no message of their
//! own to allocate and no channel to pass it through; the connection moves
//! the finished messages into its output buffer (or swaps the two buffers
//! when the output is empty). Handler and connection run in the same task,
//! one after the other, so the lock is never contended; it is there because
//! handler futures must be `Send`.
//!
//! A message is either written whole or not at all: a serializer that fails
//! half-way leaves the buffer as it was.

use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use serde::Serialize;
use tokio::sync::oneshot;

use crate::error::Error;
use crate::stream::Upgraded;
use crate::wire;

/// Buffered `continues` bytes beyond which a handler waits for the
/// connection to take them (which it does while its own output is below
/// its high-water mark).
const SINK_HIGH_WATER: usize = 64 * 1024;

#[derive(Debug, Default)]
pub(crate) struct ReplySink {
    state: Mutex<SinkState>,
}

#[derive(Debug, Default)]
pub(crate) struct SinkState {
    /// Complete reply messages, NUL-terminated, in order.
    pub(crate) buf: Vec<u8>,
    /// Where the final reply starts in `buf`, once the handler wrote it.
    /// Everything before it may be taken while the call still runs; the
    /// final reply only when the handler has returned (and not at all if
    /// it returned something else).
    pub(crate) final_at: Option<usize>,
    /// The confirmed upgrade: the confirming reply is the last message in
    /// `buf`, and the stream goes here once that reply is written.
    pub(crate) upgrade: Option<oneshot::Sender<Upgraded>>,
    /// A handler waiting for room.
    waiting: Option<Waker>,
}

impl ReplySink {
    pub(crate) fn lock(&self) -> MutexGuard<'_, SinkState> {
        // A panicking handler poisons nothing that matters: the connection
        // closes at once, so a message a panicking serializer left half
        // written is never sent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ready when there is room for another `continues` reply.
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.lock();
        if state.buf.len() < SINK_HIGH_WATER {
            return Poll::Ready(());
        }
        match &state.waiting {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.waiting = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Appends a `continues` reply, or the message confirming an upgrade.
    pub(crate) fn write<T: Serialize + ?Sized>(
        &self,
        parameters: &T,
        continues: bool,
    ) -> Result<(), Error> {
        let mut state = self.lock();
        if state.final_at.is_some() {
            return Err(Error::Usage("the final reply was already written"));
        }
        write_reply(&mut state.buf, parameters, continues)
    }

    /// Appends the reply confirming an upgrade; the connection hands the
    /// stream to `tx` once the reply is written.
    pub(crate) fn write_upgrade<T: Serialize + ?Sized>(
        &self,
        parameters: &T,
        tx: oneshot::Sender<Upgraded>,
    ) -> Result<(), Error> {
        let mut state = self.lock();
        if state.final_at.is_some() {
            return Err(Error::Usage("the final reply was already written"));
        }
        write_reply(&mut state.buf, parameters, false)?;
        state.upgrade = Some(tx);
        Ok(())
    }

    /// Writes the final reply, replacing one written before. A reply that
    /// fails to serialize replaces nothing: the handler may still return
    /// the one it wrote before, and that one must then be there.
    pub(crate) fn write_final<T: Serialize + ?Sized>(&self, parameters: &T) -> Result<(), Error> {
        let mut state = self.lock();
        let new_at = state.buf.len();
        write_reply(&mut state.buf, parameters, false)?;
        // The final reply is always the last message, so the earlier one
        // is what stands between its start and the new one.
        let at = match state.final_at {
            Some(old_at) => {
                state.buf.drain(old_at..new_at);
                old_at
            }
            None => new_at,
        };
        state.final_at = Some(at);
        Ok(())
    }
}

impl SinkState {
    /// Drops the final reply, if one was written.
    pub(crate) fn discard_final(&mut self) {
        if let Some(at) = self.final_at.take() {
            self.buf.truncate(at);
        }
    }

    /// Moves the messages that may be sent now to the end of `out`: all of
    /// them, or, with `running`, those before the final reply.
    pub(crate) fn take_into(&mut self, out: &mut Vec<u8>, running: bool) {
        let end = match self.final_at {
            Some(at) if running => at,
            _ => self.buf.len(),
        };
        if end == 0 {
            return;
        }
        if end == self.buf.len() && out.is_empty() {
            // Nothing to copy: the buffers trade places (and capacities).
            std::mem::swap(out, &mut self.buf);
        } else {
            out.extend_from_slice(&self.buf[..end]);
            self.buf.drain(..end);
        }
        self.final_at = match self.final_at {
            Some(at) if at >= end => Some(at - end),
            _ => None,
        };
        if let Some(waker) = self.waiting.take() {
            waker.wake();
        }
    }

    /// Lets go of a large, empty buffer (a big reply or a stream made it
    /// large), so that an idle connection holds little memory.
    pub(crate) fn release_large(&mut self) {
        if self.buf.is_empty() && self.buf.capacity() > SINK_HIGH_WATER {
            self.buf = Vec::new();
        }
    }

    /// Forgets everything of the call that used the sink last.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.final_at = None;
        self.upgrade = None;
        self.waiting = None;
    }
}

/// Appends one reply message, `{"parameters":...,"continues":true}` and
/// its NUL, serializing the parameters in place. On failure `out` is left
/// as it was.
pub(crate) fn write_reply<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    parameters: &T,
    continues: bool,
) -> Result<(), Error> {
    let mark = out.len();
    out.push(b'{');
    wire::write_member_parameters(out, b"\"parameters\":", parameters).inspect_err(|_| {
        out.truncate(mark);
    })?;
    if continues {
        if out.len() > mark + 1 {
            out.push(b',');
        }
        out.extend_from_slice(b"\"continues\":true");
    }
    out.extend_from_slice(b"}\0");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::ser::{Serialize, SerializeMap, Serializer};

    use super::*;
    use crate::wire::Reply;

    /// Serializes a few members, then fails.
    struct FailsHalfWay;

    impl Serialize for FailsHalfWay {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(None)?;
            map.serialize_entry("a", &1)?;
            map.serialize_entry("b", &"partial")?;
            Err(serde::ser::Error::custom("cannot go on"))
        }
    }

    #[test]
    fn replies_encode_as_reply_encode_does() {
        let mut out = Vec::new();
        let params = HashMap::from([("a", 1)]);
        write_reply(&mut out, &params, true).unwrap();
        write_reply(&mut out, &(), false).unwrap();
        write_reply(&mut out, &HashMap::<String, i64>::new(), true).unwrap();
        let raw = serde_json::value::to_raw_value(&params).unwrap();
        let mut expected = Vec::new();
        Reply::new(Some(&raw), true).encode(&mut expected);
        Reply::new(None, false).encode(&mut expected);
        Reply::new(None, true).encode(&mut expected);
        assert_eq!(String::from_utf8(out), String::from_utf8(expected));
    }

    #[test]
    fn a_failing_reply_leaves_nothing_behind() {
        let sink = ReplySink::default();
        sink.write(&HashMap::from([("i", 0)]), true).unwrap();
        let before = sink.lock().buf.clone();
        assert!(sink.write(&FailsHalfWay, true).is_err());
        assert!(sink.write(&[1, 2], true).is_err(), "not an object");
        assert!(sink.write_final(&FailsHalfWay).is_err());
        let state = sink.lock();
        assert_eq!(state.buf, before);
        assert_eq!(state.final_at, None);
    }

    #[test]
    fn the_final_reply_waits_for_the_handler() {
        let sink = ReplySink::default();
        sink.write(&HashMap::from([("i", 0)]), true).unwrap();
        sink.write_final(&HashMap::from([("i", 1)])).unwrap();
        // Replaced, not added.
        sink.write_final(&HashMap::from([("i", 2)])).unwrap();
        assert!(sink.write(&(), true).is_err(), "continues after the end");
        let mut out = b"earlier\0".to_vec();
        sink.lock().take_into(&mut out, true);
        assert_eq!(
            out,
            b"earlier\0{\"parameters\":{\"i\":0},\"continues\":true}\0"
        );
        sink.lock().take_into(&mut out, false);
        assert!(out.ends_with(b"}\0{\"parameters\":{\"i\":2}}\0"));
        assert!(sink.lock().buf.is_empty());
    }

    #[test]
    fn a_discarded_final_reply_is_not_sent() {
        let sink = ReplySink::default();
        sink.write_final(&HashMap::from([("i", 1)])).unwrap();
        let mut state = sink.lock();
        state.discard_final();
        let mut out = Vec::new();
        state.take_into(&mut out, false);
        assert!(out.is_empty());
    }
}
