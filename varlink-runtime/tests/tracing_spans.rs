//! Handlers run inside a `varlink_call` span when a subscriber records it,
//! and calls are answered the same way with and without one.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use serde_json::json;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Counts the times a `varlink_call` span is entered.
#[derive(Default)]
struct CallSpans {
    next_id: AtomicUsize,
    entered: Arc<AtomicUsize>,
}

impl Subscriber for CallSpans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        // Odd ids for call spans, even ones for the rest.
        let n = 2 * (self.next_id.fetch_add(1, Ordering::Relaxed) as u64 + 1);
        let is_call = attributes.metadata().name() == "varlink_call";
        Id::from_u64(n + u64::from(is_call))
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, span: &Id) {
        if span.into_u64() % 2 == 1 {
            self.entered.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn exit(&self, _: &Id) {}
}

async fn echo_twice() {
    let (service, _) = test_service();
    let server = serve(&service, &abstract_address()).await;
    let mut raw = Raw::connect(&server.address).await;
    for value in ["a", "b"] {
        assert_eq!(
            raw.call(json!({"method": "org.example.test.Echo", "parameters": {"value": value}}))
                .await,
            json!({"parameters": {"value": value}})
        );
    }
    server.stop().await;
}

/// One test, not two: tests run on parallel threads, and tracing caches
/// whether a span is wanted per call site for all threads at once; a test
/// without a subscriber running beside this one made it fail now and then.
#[tokio::test]
async fn calls_run_in_a_span_when_one_is_recorded_and_are_answered_without() {
    // `#[tokio::test]` runs everything on this thread, so a thread-local
    // subscriber sees the server's tasks.
    let subscriber = CallSpans::default();
    let entered = subscriber.entered.clone();
    let guard = tracing::subscriber::set_default(subscriber);
    echo_twice().await;
    drop(guard);
    assert!(
        entered.load(Ordering::Relaxed) >= 2,
        "call spans entered {} times",
        entered.load(Ordering::Relaxed)
    );
    echo_twice().await;
}
