//! The server's message decoder and dispatcher on arbitrary byte streams.
//!
//! One connection of a [`Service`] (serving the generated
//! `org.example.hostile` interface, a hand-written `org.example.fuzz` with
//! an `upgrade` method, and the built-in `org.varlink.service`) runs on one
//! end of an in-memory duplex stream. The input is written to the other end
//! while replies are read, then the write side is closed. Must hold:
//!
//! - nothing panics (libFuzzer aborts on any panic, even one the server
//!   would catch);
//! - the connection ends by itself once the input is written and closed,
//!   within a generous time limit (a hang is a finding);
//! - the output is a sequence of complete replies, each a JSON object that
//!   `Reply::parse` accepts, followed by a NUL; nothing is half-written;
//!   after the reply confirming an upgrade nothing more is sent (the fuzz
//!   upgrade handler writes nothing).
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use varlink_runtime::server::DispatchFuture;
use varlink_runtime::wire::Reply;
use varlink_runtime::{Interface, MethodCall, MethodError, MethodReply, Service, ServiceError};

include!("hostile_impl.rs");

/// The top-level key of the reply that confirms an upgrade.
const UPGRADED: &str = "fuzz_upgraded";

struct Upgrader;

impl Interface for Upgrader {
    fn name(&self) -> &str {
        "org.example.fuzz"
    }
    fn description(&self) -> &str {
        "interface org.example.fuzz\n\nmethod Upgrade() -> (fuzz_upgraded: bool)\n"
    }
    fn dispatch<'a>(
        &'a self,
        call: &'a MethodCall,
        ctx: &'a mut CallContext,
    ) -> DispatchFuture<'a> {
        Box::pin(async move {
            match call.member() {
                "Upgrade" => {
                    let serde_json::Map { .. } = call.parse_parameters()?;
                    if !ctx.upgrade() {
                        return Err(ServiceError::ExpectedUpgrade.into());
                    }
                    let mut raw = ctx
                        .upgrade_connection(&serde_json::json!({ UPGRADED: true }))
                        .await
                        .map_err(|e| MethodError::internal(e.to_string()))?;
                    // Read the rest of the stream, answer nothing.
                    let mut sink = Vec::new();
                    let _ = raw.read_to_end(&mut sink).await;
                    Ok(MethodReply::empty())
                }
                _ => Err(MethodError::method_not_found(call)),
            }
        })
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    })
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let mut service = Service::new("fuzz", "server_stream", "0", "https://example.invalid");
        service.add_interface(HostileServer::new(Impl));
        service.add_interface(Upgrader);
        // Small, so that inputs reach the limit.
        service.set_max_message_size(4096);
        service
    })
}

fn check_output(out: &[u8]) {
    let mut rest = out;
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|&b| b == 0) else {
            panic!("partial reply at the end: {:?}", String::from_utf8_lossy(rest));
        };
        let msg = &rest[..end];
        rest = &rest[end + 1..];
        let value: serde_json::Value = serde_json::from_slice(msg)
            .unwrap_or_else(|e| panic!("reply is not JSON ({e}): {:?}", String::from_utf8_lossy(msg)));
        assert!(value.is_object(), "reply is not an object: {value}");
        let reply = Reply::parse(msg).unwrap_or_else(|e| panic!("reply does not parse ({e}): {value}"));
        if reply.error.is_some() {
            assert!(!reply.continues, "error reply with continues: {value}");
        }
        if reply.parameters.is_some_and(|p| {
            serde_json::from_str::<serde_json::Value>(p.get())
                .is_ok_and(|v| v.get(UPGRADED) == Some(&serde_json::Value::Bool(true)))
        }) {
            assert!(rest.is_empty(), "bytes after the upgrade reply: {:?}", String::from_utf8_lossy(rest));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let rt = runtime();
    let out = rt.block_on(async {
        let (mut client, server) = tokio::io::duplex(16 * 1024);
        let task = tokio::spawn(service().serve_stream(server, None));
        let (mut rd, mut wr) = tokio::io::split(&mut client);
        let write = async {
            // The server may close early (malformed input): then writing
            // fails, which is fine.
            let _ = wr.write_all(data).await;
            let _ = wr.shutdown().await;
        };
        let read = async {
            let mut out = Vec::new();
            let _ = rd.read_to_end(&mut out).await;
            out
        };
        let ((), out) = tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(write, read) })
            .await
            .expect("the connection did not end after its input was closed");
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the connection task did not finish")
            .expect("the connection task failed");
        out
    });
    check_output(&out);
});
