//! The protocol state of a client connection, without I/O.
//!
//! The async and the blocking client share it: it encodes calls into the
//! output buffer, remembers which calls wait for replies, and decodes
//! replies from the read buffer, matching each to its call in order.

use std::collections::VecDeque;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::wire::{self, CallFlags, FrameBuffer, Reply};

/// One reply of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Received<R> {
    /// The reply parameters.
    pub parameters: R,
    /// More replies to the same call follow.
    pub continues: bool,
}

#[derive(Debug)]
struct Pending {
    more: bool,
    /// Nobody waits for these replies any more (a dropped stream, a timed
    /// out call); they are read and thrown away to keep the order.
    abandoned: bool,
}

#[derive(Debug)]
pub(crate) struct ClientCore {
    pub(crate) rbuf: FrameBuffer,
    pub(crate) out: Vec<u8>,
    pending: VecDeque<Pending>,
    /// How many of `pending` are not abandoned: kept as a count because it
    /// is asked for every reply, and scanning would make pipelining
    /// quadratic.
    waiting: usize,
}

impl ClientCore {
    pub(crate) fn new(max_message_size: usize) -> Self {
        Self {
            rbuf: FrameBuffer::new(max_message_size),
            out: Vec::new(),
            pending: VecDeque::new(),
            waiting: 0,
        }
    }

    pub(crate) fn set_max_message_size(&mut self, max: usize) {
        let old = std::mem::replace(&mut self.rbuf, FrameBuffer::new(max));
        self.rbuf.adopt(old);
    }

    /// Calls that still wait for a reply (excluding abandoned ones).
    pub(crate) fn awaiting(&self) -> usize {
        self.waiting
    }

    /// Encodes a call into the output buffer.
    pub(crate) fn encode<P: Serialize + ?Sized>(
        &mut self,
        method: &str,
        parameters: &P,
        flags: CallFlags,
    ) -> Result<(), Error> {
        if u8::from(flags.more) + u8::from(flags.oneway) + u8::from(flags.upgrade) > 1 {
            return Err(Error::Usage(
                "at most one of more, oneway and upgrade may be set",
            ));
        }
        let mark = self.out.len();
        self.out.extend_from_slice(b"{\"method\":");
        wire::write_json_str(&mut self.out, method);
        if let Err(e) = wire::write_parameters(&mut self.out, parameters) {
            self.out.truncate(mark);
            return Err(e);
        }
        for (set, text) in [
            (flags.more, &b",\"more\":true"[..]),
            (flags.oneway, b",\"oneway\":true"),
            (flags.upgrade, b",\"upgrade\":true"),
        ] {
            if set {
                self.out.extend_from_slice(text);
            }
        }
        self.out.extend_from_slice(b"}\0");
        if !flags.oneway {
            self.pending.push_back(Pending {
                more: flags.more,
                abandoned: false,
            });
            self.waiting += 1;
        }
        Ok(())
    }

    /// Gives up on the oldest call still waited for.
    pub(crate) fn abandon_front(&mut self) {
        if let Some(p) = self.pending.iter_mut().find(|p| !p.abandoned) {
            p.abandoned = true;
            self.waiting -= 1;
        }
    }

    /// Decodes the next buffered reply for the oldest waiting call.
    ///
    /// `Ok(None)`: more bytes are needed. `Ok(Some(Err(_)))`: an error reply
    /// or a usage error; the connection stays usable. `Err(_)`: the
    /// connection is broken (protocol violation, oversized message).
    pub(crate) fn next_reply<R: DeserializeOwned>(
        &mut self,
    ) -> Result<Option<Result<Received<R>, Error>>, Error> {
        loop {
            if self.awaiting() == 0 {
                return Ok(Some(Err(Error::Usage("no call is waiting for a reply"))));
            }
            let Some(range) = self.rbuf.next_frame()? else {
                return Ok(None);
            };
            let bytes = self.rbuf.get(range);
            // The common reply goes in one pass; anything else, and the
            // replies nobody waits for, the careful way below.
            if let Some(front) = self.pending.front().filter(|p| !p.abandoned) {
                if let Some((parameters, continues)) = wire::parse_typed_reply::<R>(bytes) {
                    if continues && !front.more {
                        return Err(Error::Protocol(
                            "`continues` in a reply to a call without `more`".into(),
                        ));
                    }
                    if !continues {
                        self.pending.pop_front();
                        self.waiting -= 1;
                    }
                    return Ok(Some(Ok(Received {
                        parameters,
                        continues,
                    })));
                }
            }
            let reply = Reply::parse(bytes)?;
            let Some(front) = self.pending.front() else {
                return Err(Error::Protocol("reply without a call".into()));
            };
            let continues = reply.continues && reply.error.is_none();
            if continues && !front.more {
                return Err(Error::Protocol(
                    "`continues` in a reply to a call without `more`".into(),
                ));
            }
            let abandoned = front.abandoned;
            if !continues {
                self.pending.pop_front();
                if !abandoned {
                    self.waiting -= 1;
                }
            }
            if abandoned {
                continue;
            }
            if let Some(name) = &reply.error {
                return Ok(Some(Err(Error::from_reply(name, reply.parameters))));
            }
            let parameters =
                wire::deserialize_parameters(reply.parameters).map_err(Error::Deserialize);
            return Ok(Some(parameters.map(|parameters| Received {
                parameters,
                continues,
            })));
        }
    }
}
