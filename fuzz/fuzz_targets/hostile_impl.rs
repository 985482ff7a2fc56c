// Shared by the runtime fuzz targets (included with `include!`): the
// generated code of `tests/fixtures/org.example.hostile.varlink` and a
// server implementation of it that never panics on any input (a panic,
// even one the server would catch, aborts the fuzzer).

mod hostile {
    varlink_macros::varlink_interface!("../tests/fixtures/org.example.hostile.varlink");
}

// Not a glob import: the interface defines `String` and `Option`.
#[allow(unused_imports)]
use hostile::{
    BadParametersReason, ContextReply, EchoReply, Error, FailReply, Hostile, HostileServer,
    Nested, RawReply, Self_, StreamReply, Type, UnaryReply,
};
use varlink_runtime::CallContext;

struct Impl;

impl Hostile for Impl {
    async fn echo(
        &self,
        _context: &mut CallContext,
        r#type: Type,
        nested: Nested,
        self_: std::option::Option<Self_>,
        string: hostile::String,
        option: hostile::Option,
    ) -> Result<EchoReply, Error> {
        Ok(EchoReply {
            r#type,
            nested,
            self_,
            string,
            option,
        })
    }

    async fn raw(
        &self,
        _context: &mut CallContext,
        object: serde_json::Map<std::string::String, serde_json::Value>,
        any: serde_json::Value,
    ) -> Result<RawReply, Error> {
        Ok(RawReply { object, any })
    }

    async fn fail(
        &self,
        _context: &mut CallContext,
        which: std::string::String,
    ) -> Result<FailReply, Error> {
        Err(match which.as_str() {
            "Bad" => Error::Bad {
                r#type: "kind".to_owned(),
                reason: BadParametersReason {
                    code: 7,
                    detail: Some(which),
                },
            },
            "Empty" => Error::Empty,
            "PermissionDenied" => Error::PermissionDenied,
            _ => Error::InvalidParameter {
                parameter: "which".to_owned(),
            },
        })
    }

    async fn stream(&self, context: &mut CallContext, count: i64) -> Result<StreamReply, Error> {
        // Bounded, so that one input cannot make the run slow.
        let count = count.clamp(1, 40);
        if context.more() {
            for index in 0..count - 1 {
                context
                    .reply_continues(&StreamReply { index })
                    .await
                    .map_err(Error::Transport)?;
            }
        }
        Ok(StreamReply { index: count - 1 })
    }

    async fn unary(&self, _context: &mut CallContext) -> Result<UnaryReply, Error> {
        Ok(UnaryReply {})
    }

    async fn context(
        &self,
        _call_context: &mut CallContext,
        context: std::string::String,
        call: i64,
        parameters: i64,
        reply: i64,
    ) -> Result<ContextReply, Error> {
        Ok(ContextReply {
            context,
            call: call.wrapping_add(parameters).wrapping_add(reply),
        })
    }
}
