//! `wire::Call::parse` and `wire::Reply::parse` on arbitrary bytes. Must
//! hold: nothing panics; what parses encodes to one NUL-terminated JSON
//! object that parses again to the same message (`encode` normalises: an
//! empty `parameters` object is left out, a `false` flag is not written,
//! `continues` is never written on an error reply).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use varlink_runtime::wire::{Call, Reply};

/// The parameters as `encode` writes them: `{}` (with any whitespace)
/// becomes absent.
fn normalised(p: Option<&RawValue>) -> Option<&str> {
    p.map(RawValue::get).filter(|p| {
        let t = p.trim();
        !(t.starts_with('{') && t.ends_with('}') && t[1..t.len() - 1].trim().is_empty())
    })
}

fn extensions<'a>(ext: &'a [(std::borrow::Cow<'a, str>, &'a RawValue)]) -> Vec<(&'a str, &'a str)> {
    ext.iter().map(|(k, v)| (&**k, v.get())).collect()
}

/// Checks the framing of an encoded message and returns it without its NUL.
///
/// The encoded message must be JSON by the grammar. It must also decode
/// into a `serde_json::Value` when the input did: raw values (parameters,
/// vendor members) are copied verbatim, and serde_json accepts escapes
/// such as a lone surrogate `\ud800` in a raw value, as the JSON grammar
/// does, while refusing them when it decodes a string.
fn framed<'a>(out: &'a [u8], input: &[u8]) -> &'a [u8] {
    let (last, msg) = out.split_last().expect("encoded message is empty");
    assert_eq!(*last, 0, "encoded message does not end with NUL");
    assert!(!msg.contains(&0), "NUL inside an encoded message");
    serde_json::from_slice::<serde::de::IgnoredAny>(msg).expect("encoded message is not JSON");
    if serde_json::from_slice::<serde_json::Value>(input).is_ok() {
        let v: serde_json::Value =
            serde_json::from_slice(msg).expect("encoded message does not decode");
        assert!(v.is_object());
    }
    msg
}

fuzz_target!(|data: &[u8]| {
    if let Ok(call) = Call::parse(data) {
        assert!(
            [call.flags.more, call.flags.oneway, call.flags.upgrade]
                .iter()
                .filter(|&&f| f)
                .count()
                <= 1
        );
        let mut out = Vec::new();
        call.encode(&mut out);
        let again = Call::parse(framed(&out, data)).expect("an encoded call does not parse");
        assert_eq!(again.method, call.method);
        assert_eq!(again.flags, call.flags);
        assert_eq!(again.flags_present, call.flags);
        assert_eq!(normalised(again.parameters), normalised(call.parameters));
        assert_eq!(extensions(&again.extensions), extensions(&call.extensions));
        let _ = call.member();
    }
    if let Ok(reply) = Reply::parse(data) {
        let mut out = Vec::new();
        reply.encode(&mut out);
        let again = Reply::parse(framed(&out, data)).expect("an encoded reply does not parse");
        assert_eq!(again.error, reply.error);
        assert_eq!(again.continues, reply.continues && reply.error.is_none());
        assert_eq!(normalised(again.parameters), normalised(reply.parameters));
        assert_eq!(extensions(&again.extensions), extensions(&reply.extensions));
    }
});
