//! Parameter decoding of a generated interface (`org.example.hostile`,
//! written to trip code generators: keyword names, nested anonymous types,
//! maps, sets, `object` and `any`) on arbitrary bytes.
//!
//! The first byte picks the type, the rest is the JSON text. Must hold:
//! nothing panics; bad input is `InvalidParameter`; what decodes encodes
//! to JSON that decodes to an equal value (through the same
//! `MethodCall::parse_parameters` a server uses, and, for reply and error
//! types, through serde_json as a client does).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use varlink_runtime::wire::CallFlags;
use varlink_runtime::{MethodCall, ServiceError};

include!("hostile_impl.rs");

// The server implementation is not used here; only the types are.
#[allow(dead_code)]
fn _unused() -> Impl {
    Impl
}

/// As a server decodes input parameters.
fn params<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(json: &str) {
    let raw = RawValue::from_string(json.to_owned()).ok();
    let call = MethodCall::new("org.example.hostile.X".to_owned(), raw, CallFlags::NONE);
    match call.parse_parameters::<T>() {
        Ok(value) => {
            let text = serde_json::to_string(&value).expect("serialize");
            let raw = RawValue::from_string(text.clone()).expect("serialized text is JSON");
            let again = MethodCall::new("org.example.hostile.X".to_owned(), Some(raw), CallFlags::NONE)
                .parse_parameters::<T>()
                .unwrap_or_else(|e| panic!("re-decoding {text} failed: {e}"));
            assert_eq!(again, value, "{text}");
        }
        Err(e) => {
            // The only error a parameter mismatch may give.
            assert_eq!(e.name(), Some("org.varlink.service.InvalidParameter"), "{e}");
        }
    }
    // The plain runtime function must agree.
    let raw = RawValue::from_string(json.to_owned()).ok();
    if let Err(e) = varlink_runtime::wire::parse_parameters::<T>(raw.as_deref()) {
        assert!(matches!(e, ServiceError::InvalidParameter { .. }), "{e:?}");
    }
}

/// As a client decodes reply or error parameters.
fn reply<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(json: &str) {
    if let Ok(value) = serde_json::from_str::<T>(json) {
        let text = serde_json::to_string(&value).expect("serialize");
        let again: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("re-decoding {text}: {e}"));
        assert_eq!(again, value, "{text}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    // Parameters arrive as UTF-8 JSON; invalid UTF-8 never reaches them
    // (the call parser refuses it), but lossy text still exercises them.
    let json = String::from_utf8_lossy(rest);
    match which % 12 {
        0 => params::<hostile::EchoParams>(&json),
        1 => params::<hostile::RawParams>(&json),
        2 => params::<hostile::FailParams>(&json),
        3 => params::<hostile::StreamParams>(&json),
        4 => params::<hostile::UnaryParams>(&json),
        5 => params::<hostile::ContextParams>(&json),
        6 => reply::<EchoReply>(&json),
        7 => reply::<RawReply>(&json),
        8 => reply::<Nested>(&json),
        9 => reply::<Type>(&json),
        10 => reply::<hostile::BadParameters>(&json),
        _ => reply::<ContextReply>(&json),
    }
});
