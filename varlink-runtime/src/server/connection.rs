//! The loop of one server connection.
//!
//! One task per connection drives everything with a single hand-written
//! `poll`: reading and parsing calls into a queue, running the handler of
//! the oldest call, collecting its replies, and writing. Doing it in one
//! `poll` (instead of `select!` over borrowed futures) lets reads, the
//! handler and writes all make progress without splitting the stream, so
//! the stream stays whole for an `upgrade`.
//!
//! Rules it keeps (UAPI.20): calls are handled strictly one after the other
//! and replies leave in call order; calls behind the running one are read
//! and parsed already (pipelining), up to a bound; the replies that are ready
//! together are written with one write; a malformed message, an oversized
//! message, a write error or a panicking handler closes the connection;
//! `oneway` calls get nothing back; nothing is parsed after an `upgrade`
//! call until it is answered, because the following bytes may belong to the
//! upgraded protocol.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{oneshot, watch};
use tracing::Instrument;

use super::context::{CallContext, PeerCredentials};
use super::method::{ErrorKind, MethodCall, MethodResult};
use super::sink::ReplySink;
use super::{Interface, ServiceInner};
use crate::error::ServiceError;
use crate::service_interface;
use crate::stream::{RawStream, Upgraded};
use crate::wire::{Call, CallFlags, FrameBuffer, Reply};

/// Calls read ahead of the running one; beyond this the connection stops
/// reading until the queue drains.
const MAX_QUEUED_CALLS: usize = 64;
/// Unwritten reply bytes beyond which the connection stops taking new
/// output (reading calls, starting queued ones, `continues` replies) until
/// the client reads.
const OUT_HIGH_WATER: usize = 256 * 1024;
/// Rounds of work per poll before yielding to other tasks.
const MAX_ROUNDS: usize = 64;
/// The largest buffer kept for the next call's parameters (or method
/// name). Without one, a call with parameters of a kilobyte or more makes
/// a large allocation, and glibc's `malloc` first merges every small block
/// freed since the last call (`malloc_consolidate`), so that decoding then
/// misses its fast paths: 12% of the server's instructions for a 27 KB
/// call.
const SPARE_MAX: usize = 64 * 1024;

/// A running handler. It gives back what it owned when it is done, so that
/// the next call can use it again.
type HandlerFuture = Pin<Box<dyn Future<Output = Finished> + Send>>;

/// What a handler future returns.
struct Finished {
    result: MethodResult,
    /// The buffers of its parameters serve the next call.
    call: MethodCall,
    /// Reused by the next call to the same interface: taking a new one
    /// costs two atomic operations on the context's sink and the
    /// interface's count, a few percent of a small call's time.
    context: CallContext,
    interface: Arc<dyn Interface>,
}

/// How far the call whose replies are taken has got.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Running,
    /// Its handler returned; `reply_written` is whether it returned the
    /// final reply it wrote to the sink.
    Returned {
        reply_written: bool,
    },
}

struct Running {
    fut: HandlerFuture,
    flags: CallFlags,
}

enum UpgradeState {
    None,
    /// The confirming reply is being written; then the stream is handed over.
    Flushing(oneshot::Sender<Upgraded>),
    /// The stream belongs to the handler; wait for it to finish.
    Done,
}

enum Close {
    Normal(&'static str),
    Error(String),
}

struct Conn {
    service: Arc<ServiceInner>,
    stream: Option<Box<dyn RawStream>>,
    rbuf: FrameBuffer,
    queue: VecDeque<MethodCall>,
    out: Vec<u8>,
    /// What the running handler wrote: `continues` replies, an upgrade's
    /// confirmation, its final reply.
    sink: Arc<ReplySink>,
    running: Option<Running>,
    peer: Option<PeerCredentials>,
    /// No more reading: end of stream, shutdown, or leaving varlink.
    read_closed: bool,
    /// The client closed its side.
    eof: bool,
    /// A read returned `Pending` during this wake-up: the stream wakes the
    /// task when there is more, so reading again before then is wasted.
    read_pending: bool,
    /// An `upgrade` call is queued or running: parse nothing after it.
    barrier: bool,
    upgrade: UpgradeState,
    stop: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// A second receiver of the stop signal: its version tells, without
    /// polling `stop`, whether the signal changed.
    stop_signal: watch::Receiver<bool>,
    /// The waker `stop` was last polled with.
    stop_waker: Option<Waker>,
    stopping: bool,
    /// A malformed or oversized message was read: the calls before it are
    /// still answered, then the connection closes with this reason.
    poisoned: Option<String>,
    /// Buffers for the next call's method name and parameters: the largest
    /// ones finished calls gave back, up to [`SPARE_MAX`] bytes.
    spare_method: String,
    spare_parameters: String,
    /// What the last finished handler gave back (see [`Finished`]).
    spare_context: Option<CallContext>,
    last_interface: Option<Arc<dyn Interface>>,
    /// With an idle timeout: its length and the timer, pushed back on every
    /// bit of progress.
    idle: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
}

pub(crate) async fn run(
    service: Arc<ServiceInner>,
    stream: Box<dyn RawStream>,
    peer: Option<PeerCredentials>,
    mut stop: watch::Receiver<bool>,
) {
    tracing::debug!("connection opened");
    let max = service.max_message_size;
    let stop_signal = stop.clone();
    let mut conn = Conn {
        service,
        stream: Some(stream),
        rbuf: FrameBuffer::new(max),
        queue: VecDeque::new(),
        out: Vec::new(),
        sink: Arc::default(),
        running: None,
        peer,
        read_closed: false,
        eof: false,
        read_pending: false,
        barrier: false,
        upgrade: UpgradeState::None,
        stop: Box::pin(async move {
            if stop.wait_for(|&s| s).await.is_err() {
                // The server is gone without asking to stop: keep serving.
                std::future::pending::<()>().await;
            }
        }),
        stop_signal,
        stop_waker: None,
        stopping: false,
        poisoned: None,
        spare_method: String::new(),
        spare_parameters: String::new(),
        spare_context: None,
        last_interface: None,
        idle: None,
    };
    conn.idle = conn
        .service
        .idle_timeout
        .map(|timeout| (timeout, Box::pin(tokio::time::sleep(timeout))));
    match poll_fn(|cx| conn.poll(cx)).await {
        Close::Normal(why) => tracing::debug!("connection closed: {why}"),
        Close::Error(why) => tracing::warn!("connection closed: {why}"),
    }
}

impl Conn {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Close> {
        // Once per wake-up rather than per round: the stop signal is rare,
        // and polling it costs more than a round of an idle connection.
        self.check_stop(cx);
        self.read_pending = false;
        for _ in 0..MAX_ROUNDS {
            match self.round(cx) {
                Ok(true) => {}
                Ok(false) => return Poll::Pending,
                Err(close) => return Poll::Ready(close),
            }
        }
        // Plenty of work left: let other tasks run, then continue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Starts shutting down once the server asks to stop.
    fn check_stop(&mut self, cx: &mut Context<'_>) {
        if self.stopping {
            return;
        }
        // Polling `stop` cost a tenth of a small call's time on the server
        // (S4 in bench/). It needs polling only when the signal changed
        // (or its sender is gone) or when the task's waker is not the one
        // it holds.
        let same_waker = self
            .stop_waker
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()));
        if same_waker && matches!(self.stop_signal.has_changed(), Ok(false)) {
            return;
        }
        if !same_waker {
            self.stop_waker = Some(cx.waker().clone());
        }
        if self.stop.as_mut().poll(cx).is_pending() {
            return;
        }
        self.stopping = true;
        self.read_closed = true;
        self.queue.clear();
        // A stream or an upgraded connection may never end by itself;
        // a plain call is let finish.
        if self.running.as_ref().is_some_and(|r| r.flags.more)
            || matches!(self.upgrade, UpgradeState::Done)
        {
            self.abort_running();
        }
    }

    /// Drops the running handler and whatever it wrote but was not taken.
    fn abort_running(&mut self) {
        self.running = None;
        self.sink.lock().reset();
    }

    /// One round of work; `Ok(true)` when anything moved.
    fn round(&mut self, cx: &mut Context<'_>) -> Result<bool, Close> {
        let mut progress = false;
        if let UpgradeState::Done = self.upgrade {
            // The handler owns the stream now; the connection ends with it.
            let Some(run) = &mut self.running else {
                return Err(Close::Normal("upgraded connection finished"));
            };
            // Nothing more goes out in varlink.
            self.sink.lock().reset();
            return match poll_guarded(&mut run.fut, cx).map_err(Close::Error)? {
                Poll::Ready(_) => Err(Close::Normal("upgraded connection finished")),
                Poll::Pending => Ok(progress),
            };
        }
        progress |= self.parse()?;
        progress |= self.drive_handlers(cx)?;
        // Bytes read count as activity only once they make a whole message
        // (`parse`, next round): a client trickling a message in byte by
        // byte would otherwise hold the connection until the size limit.
        let read = self.read(cx)?;
        progress |= self.write(cx)?;
        if let Some((timeout, timer)) = &mut self.idle {
            if progress {
                timer.as_mut().reset(tokio::time::Instant::now() + *timeout);
            }
            // Idle: nothing to do, or replies waiting for a client that
            // does not read them (else it could hold a connection and its
            // buffers for ever).
            let waiting_on_client = !self.out.is_empty();
            let idle = waiting_on_client
                || (self.queue.is_empty()
                    && self.running.is_none()
                    && matches!(self.upgrade, UpgradeState::None));
            if idle && timer.as_mut().poll(cx).is_ready() {
                return Err(Close::Normal("idle timeout"));
            }
        }
        if self.read_closed
            && self.queue.is_empty()
            && self.running.is_none()
            && self.out.is_empty()
            && matches!(self.upgrade, UpgradeState::None)
        {
            if let Some(why) = self.poisoned.take() {
                return Err(Close::Error(why));
            }
            return Err(Close::Normal(if self.stopping {
                "server shutting down"
            } else {
                "end of calls"
            }));
        }
        Ok(progress || read)
    }

    /// Parses buffered messages into the call queue.
    fn parse(&mut self) -> Result<bool, Close> {
        let mut progress = false;
        while !self.barrier
            && !self.stopping
            && self.poisoned.is_none()
            && self.queue.len() < MAX_QUEUED_CALLS
        {
            let parsed = self
                .rbuf
                .next_frame()
                .and_then(|r| r.map(|r| Call::parse(self.rbuf.get(r))).transpose());
            let call = match parsed {
                Ok(Some(call)) => call,
                Ok(None) => break,
                Err(e) => {
                    self.poisoned = Some(e.to_string());
                    self.read_closed = true;
                    return Ok(true);
                }
            };
            // The parameters are copied out of the read buffer so that the
            // buffer can take the next read while the call waits or runs;
            // a copy is cheaper than parsing them again later.
            let method = match call.method {
                Cow::Borrowed(method) => copy_into_spare(&mut self.spare_method, method),
                Cow::Owned(method) => method,
            };
            let parameters = call
                .parameters
                .map(|raw| copy_into_spare(&mut self.spare_parameters, raw.get()));
            let call = MethodCall::from_text(method, parameters, call.flags)
                .with_flags_present(call.flags_present);
            self.barrier = call.flags().upgrade;
            self.queue.push_back(call);
            progress = true;
        }
        Ok(progress)
    }

    fn drive_handlers(&mut self, cx: &mut Context<'_>) -> Result<bool, Close> {
        let mut progress = false;
        loop {
            let Some(run) = &mut self.running else {
                // A client that does not read its replies gets no more
                // answers until it does: replies of queued calls would
                // otherwise pile up (64 calls times the message size).
                if !matches!(self.upgrade, UpgradeState::None) || self.out.len() >= OUT_HIGH_WATER {
                    break;
                }
                let Some(call) = self.queue.pop_front() else {
                    break;
                };
                progress = true;
                if self.eof && call.flags().more {
                    // Nobody is left to read a stream.
                    continue;
                }
                self.start(call)?;
                continue;
            };
            let flags = run.flags;
            let polled = match poll_guarded(&mut run.fut, cx) {
                Ok(polled) => polled,
                Err(why) if matches!(self.upgrade, UpgradeState::None) => {
                    // What the handler wrote may end half-way through a
                    // message: drop it all, but deliver the replies to
                    // the calls before this one.
                    self.abort_running();
                    self.stop_answering(why);
                    return Ok(true);
                }
                Err(why) => return Err(Close::Error(why)),
            };
            match polled {
                Poll::Pending => {
                    // Replies the handler wrote so far; with room left, let
                    // it write more at once, so that a stream goes out in
                    // large writes.
                    let taken = self.take_replies(flags, Stage::Running);
                    progress |= taken;
                    if !taken
                        || self.out.len() >= OUT_HIGH_WATER
                        || !matches!(self.upgrade, UpgradeState::None)
                    {
                        break;
                    }
                }
                Poll::Ready(finished) => {
                    progress = true;
                    self.running = None;
                    self.recycle(finished.call);
                    self.spare_context = Some(finished.context);
                    self.last_interface = Some(finished.interface);
                    self.complete(flags, finished.result)?;
                }
            }
        }
        Ok(progress)
    }

    /// Moves what the handler of the current call wrote into the output:
    /// while it runs, the replies before its final one; once it returned,
    /// everything it returned. Returns whether anything moved.
    fn take_replies(&mut self, flags: CallFlags, stage: Stage) -> bool {
        if stage == Stage::Running && self.out.len() >= OUT_HIGH_WATER {
            // The client is slow to read: the handler waits once its own
            // buffer is full too.
            return false;
        }
        // One lock for all of it: each costs two atomic operations.
        let mut sink = self.sink.lock();
        if let Stage::Returned { reply_written } = stage {
            // The return value decides: a reply written to the buffer is
            // sent only if the handler returned it. After an upgrade
            // confirmation (still in the sink, or already taken) the
            // connection is no longer varlink: no final reply follows it.
            let upgrading = sink.upgrade.is_some() || !matches!(self.upgrade, UpgradeState::None);
            if !reply_written || upgrading {
                sink.discard_final();
            }
        }
        let before = self.out.len();
        let moved = if flags.oneway {
            // The context refuses `continues` without `more`, so only a
            // final reply can be here; oneway stays silent regardless.
            sink.reset();
            false
        } else {
            sink.take_into(&mut self.out, stage == Stage::Running);
            if let Some(tx) = sink.upgrade.take() {
                // The confirmation is the last message: after it, the
                // stream belongs to the handler.
                sink.reset();
                self.upgrade = UpgradeState::Flushing(tx);
                self.read_closed = true;
                true
            } else {
                self.out.len() != before
            }
        };
        if stage != Stage::Running {
            sink.release_large();
        }
        moved
    }

    /// Answers a call whose handler returned.
    fn complete(&mut self, flags: CallFlags, result: MethodResult) -> Result<(), Close> {
        let reply_written = matches!(&result, Ok(reply) if reply.written);
        self.take_replies(flags, Stage::Returned { reply_written });
        if matches!(self.upgrade, UpgradeState::None) {
            self.finish(flags, result)?;
        }
        Ok(())
    }

    /// Keeps the buffers of a finished call (method name, parameters) for
    /// the next one, each unless it is too large or the spare is larger.
    fn recycle(&mut self, call: MethodCall) {
        let (method, parameters) = call.into_buffers();
        keep_larger(&mut self.spare_method, method);
        if let Some(parameters) = parameters {
            keep_larger(&mut self.spare_parameters, parameters);
        }
    }

    /// Starts the handler of a call, or answers it at once.
    fn start(&mut self, call: MethodCall) -> Result<(), Close> {
        let flags = call.flags();
        if call.interface() == service_interface::NAME {
            let result = service_interface::call(&self.service, &call);
            self.recycle(call);
            return self.finish(flags, result);
        }
        let interface = match self.last_interface.take() {
            Some(last) if last.name() == call.interface() => Some(last),
            _ => self.service.interface(call.interface()).cloned(),
        };
        let interface = match interface {
            Some(interface) => interface,
            None if call.interface().is_empty() => {
                let e = ServiceError::MethodNotFound {
                    method: call.method().to_owned(),
                };
                return self.finish(flags, Err(e.into()));
            }
            None => {
                let e = ServiceError::InterfaceNotFound {
                    interface: call.interface().to_owned(),
                };
                return self.finish(flags, Err(e.into()));
            }
        };
        let mut context = match self.spare_context.take() {
            Some(mut context) => {
                context.renew(flags);
                context
            }
            None => CallContext::new(flags, self.peer, self.sink.clone()),
        };
        let span = tracing::debug_span!("varlink_call", method = %call.method());
        let fut = async move {
            let result = interface.dispatch(&call, &mut context).await;
            Finished {
                result,
                call,
                context,
                interface,
            }
        };
        // Entering a span nobody records costs on every poll.
        let fut: HandlerFuture = if span.is_disabled() {
            Box::pin(fut)
        } else {
            Box::pin(fut.instrument(span))
        };
        self.running = Some(Running { fut, flags });
        Ok(())
    }

    /// After a call that gets no reply (its handler failed internally or
    /// panicked): no later call may be answered either, since the client
    /// would take that reply for this call's. The replies to the calls
    /// before it are in `out` and still go out; then the connection
    /// closes with `why`.
    fn stop_answering(&mut self, why: String) {
        self.poisoned = Some(why);
        self.read_closed = true;
        self.queue.clear();
    }

    /// Writes the final reply of a call.
    fn finish(&mut self, flags: CallFlags, result: MethodResult) -> Result<(), Close> {
        match result {
            Ok(reply) => {
                if !flags.oneway && !reply.written {
                    Reply::new(reply.parameters.as_deref(), false).encode(&mut self.out);
                }
                if flags.upgrade {
                    // Confirmed without taking the stream: the connection is
                    // no longer varlink, so it ends after this reply.
                    self.read_closed = true;
                }
            }
            Err(e) => match e.kind {
                ErrorKind::Reply { name, parameters } => {
                    if !flags.oneway {
                        Reply::error(&name, parameters.as_deref()).encode(&mut self.out);
                    }
                    // A refused upgrade leaves a varlink connection.
                    self.barrier = false;
                }
                ErrorKind::Internal(m) => {
                    self.stop_answering(format!("method failed internally: {m}"));
                }
            },
        }
        Ok(())
    }

    fn read(&mut self, cx: &mut Context<'_>) -> Result<bool, Close> {
        if self.read_closed
            || self.read_pending
            || self.barrier
            || self.queue.len() >= MAX_QUEUED_CALLS
            || self.out.len() >= OUT_HIGH_WATER
        {
            return Ok(false);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        let slot = self.rbuf.read_slot();
        let mut rb = ReadBuf::new(slot);
        let res = Pin::new(stream).poll_read(cx, &mut rb);
        let n = rb.filled().len();
        self.rbuf.commit(n);
        match res {
            Poll::Pending => {
                self.read_pending = true;
                Ok(false)
            }
            Poll::Ready(Err(e)) => Err(Close::Error(format!("read failed: {e}"))),
            Poll::Ready(Ok(())) if n == 0 => {
                self.read_closed = true;
                self.eof = true;
                if self.running.as_ref().is_some_and(|r| r.flags.more) {
                    // The client is gone: end the stream and free what it held.
                    self.abort_running();
                }
                Ok(true)
            }
            Poll::Ready(Ok(())) => Ok(true),
        }
    }

    fn write(&mut self, cx: &mut Context<'_>) -> Result<bool, Close> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        if !self.out.is_empty() {
            return match Pin::new(stream).poll_write(cx, &self.out) {
                Poll::Pending => Ok(false),
                Poll::Ready(Ok(0)) => Err(Close::Error("write returned 0".into())),
                Poll::Ready(Ok(n)) => {
                    self.out.drain(..n);
                    Ok(true)
                }
                Poll::Ready(Err(e)) => Err(Close::Normal(
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        "peer closed the connection"
                    } else {
                        "write failed"
                    },
                )),
            };
        }
        if let UpgradeState::Flushing(_) = self.upgrade {
            match Pin::new(&mut *stream).poll_flush(cx) {
                Poll::Pending => return Ok(false),
                Poll::Ready(Err(e)) => return Err(Close::Error(format!("flush failed: {e}"))),
                Poll::Ready(Ok(())) => {}
            }
            if let (UpgradeState::Flushing(tx), Some(stream)) = (
                std::mem::replace(&mut self.upgrade, UpgradeState::Done),
                self.stream.take(),
            ) {
                // If the handler is gone, dropping the stream closes it.
                let _ = tx.send(Upgraded::new(stream, self.rbuf.take_rest()));
            }
            return Ok(true);
        }
        Ok(false)
    }
}

/// Keeps `buffer` as the spare if it is larger, up to [`SPARE_MAX`].
fn keep_larger(spare: &mut String, buffer: String) {
    if buffer.capacity() <= SPARE_MAX && buffer.capacity() > spare.capacity() {
        *spare = buffer;
    }
}

/// A copy of `text`, in the spare buffer if there is one.
fn copy_into_spare(spare: &mut String, text: &str) -> String {
    let mut buffer = std::mem::take(spare);
    buffer.clear();
    buffer.push_str(text);
    buffer
}

/// Polls a handler, turning a panic into an error message: the panic ends
/// this connection only.
fn poll_guarded(fut: &mut HandlerFuture, cx: &mut Context<'_>) -> Result<Poll<Finished>, String> {
    catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))).map_err(|panic| {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("method handler panicked: {msg}")
    })
}
