//! Call and reply messages: strict parsing and compact encoding.
//!
//! Parsing follows UAPI.20 to the letter: a message is a JSON object; members
//! without a `.` in their name are the ones the specification defines and any
//! other unprefixed member is an error; members with a `.` are vendor
//! extensions, kept raw; flags are booleans (`null` reads as absent); at most
//! one of `oneway`, `more` and `upgrade` is set; `parameters` is an object,
//! `null` or absent. A parse error means the connection must be closed.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::Error;

/// The flags of a call. At most one of them is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CallFlags {
    /// The client accepts several replies (`continues`).
    pub more: bool,
    /// The client wants no reply at all.
    pub oneway: bool,
    /// The connection leaves the varlink protocol after the reply.
    pub upgrade: bool,
}

impl CallFlags {
    /// No flag set: a plain call with one reply.
    pub const NONE: Self = Self {
        more: false,
        oneway: false,
        upgrade: false,
    };
    /// Only `more`.
    pub const MORE: Self = Self {
        more: true,
        oneway: false,
        upgrade: false,
    };
    /// Only `oneway`.
    pub const ONEWAY: Self = Self {
        more: false,
        oneway: true,
        upgrade: false,
    };
    /// Only `upgrade`.
    pub const UPGRADE: Self = Self {
        more: false,
        oneway: false,
        upgrade: true,
    };

    fn count(self) -> u8 {
        u8::from(self.more) + u8::from(self.oneway) + u8::from(self.upgrade)
    }
}

/// A method call, parsed without copying from a message buffer.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// The fully-qualified method name, `interface.Method`.
    pub method: Cow<'a, str>,
    /// The input parameters: `None` when absent or `null`, else an object.
    pub parameters: Option<&'a RawValue>,
    /// `more`, `oneway`, `upgrade`.
    pub flags: CallFlags,
    /// Which flag members the message carried, whatever their value: a
    /// `"more": false` is not set in `flags` but is present here. Strict
    /// peers such as the certification server tell the two apart.
    pub flags_present: CallFlags,
    /// Vendor extension members (names containing a `.`), raw.
    pub extensions: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// A reply, parsed without copying from a message buffer.
#[derive(Debug, Clone)]
pub struct Reply<'a> {
    /// The output parameters, or the error parameters: `None` when absent or
    /// `null`, else an object.
    pub parameters: Option<&'a RawValue>,
    /// More replies to the same call follow.
    pub continues: bool,
    /// The fully-qualified error name, for an error reply.
    pub error: Option<Cow<'a, str>>,
    /// Vendor extension members (names containing a `.`), raw.
    pub extensions: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Call<'a> {
    /// Parses one call message (without its NUL terminator).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let text = utf8(bytes, "call")?;
        match parse_compact_call(text) {
            Some(call) => Ok(call),
            None => parse_any_call(text),
        }
    }

    /// Builds a call.
    pub fn new(method: &'a str, parameters: Option<&'a RawValue>, flags: CallFlags) -> Self {
        Self {
            method: Cow::Borrowed(method),
            parameters,
            flags,
            flags_present: flags,
            extensions: Vec::new(),
        }
    }

    /// The method name without the interface: `Method` of `a.b.Method`.
    pub fn member(&self) -> &str {
        self.method
            .rsplit_once('.')
            .map_or(&*self.method, |(_, m)| m)
    }

    /// Appends the encoded message, with its NUL terminator, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"method\":");
        write_json_str(out, &self.method);
        write_params(out, self.parameters);
        let f = self.flags;
        for (set, text) in [
            (f.more, &b",\"more\":true"[..]),
            (f.oneway, b",\"oneway\":true"),
            (f.upgrade, b",\"upgrade\":true"),
        ] {
            if set {
                out.extend_from_slice(text);
            }
        }
        write_extensions(out, &self.extensions);
        out.extend_from_slice(b"}\0");
    }
}

impl<'a> Reply<'a> {
    /// Parses one reply message (without its NUL terminator).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let text = utf8(bytes, "reply")?;
        match parse_compact_reply(text) {
            Some(reply) => Ok(reply),
            None => parse_text(text, "reply"),
        }
    }

    /// A successful reply.
    pub fn new(parameters: Option<&'a RawValue>, continues: bool) -> Self {
        Self {
            parameters,
            continues,
            error: None,
            extensions: Vec::new(),
        }
    }

    /// An error reply.
    pub fn error(name: &'a str, parameters: Option<&'a RawValue>) -> Self {
        Self {
            parameters,
            continues: false,
            error: Some(Cow::Borrowed(name)),
            extensions: Vec::new(),
        }
    }

    /// Appends the encoded message, with its NUL terminator, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        if let Some(name) = &self.error {
            out.extend_from_slice(b"\"error\":");
            write_json_str(out, name);
            first = false;
        }
        if let Some(p) = self.parameters.map(RawValue::get).filter(|p| !is_empty(p)) {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(b"\"parameters\":");
            out.extend_from_slice(p.as_bytes());
            first = false;
        }
        // An error reply ends the call, so `continues` is never sent with it.
        if self.continues && self.error.is_none() {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(b"\"continues\":true");
        }
        write_extensions(out, &self.extensions);
        out.extend_from_slice(b"}\0");
    }
}

/// `null` and `{}` parameters are sent as an absent member (UAPI.20: "senders
/// SHOULD omit the member").
fn is_empty(raw: &str) -> bool {
    let t = raw.trim();
    t == "null" || (t.starts_with('{') && t.ends_with('}') && t[1..t.len() - 1].trim().is_empty())
}

fn write_params(out: &mut Vec<u8>, p: Option<&RawValue>) {
    if let Some(p) = p.map(RawValue::get).filter(|p| !is_empty(p)) {
        out.extend_from_slice(b",\"parameters\":");
        out.extend_from_slice(p.as_bytes());
    }
}

fn write_extensions(out: &mut Vec<u8>, ext: &[(Cow<'_, str>, &RawValue)]) {
    for (k, v) in ext {
        if out.last() != Some(&b'{') {
            out.push(b',');
        }
        write_json_str(out, k);
        out.push(b':');
        out.extend_from_slice(v.get().as_bytes());
    }
}

pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// One message (without its NUL terminator) as text; `what` names it in
/// the error. The UTF-8 is checked once for the whole message: from
/// `&str`, serde_json borrows each string without checking it again.
fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|e| Error::Protocol(format!("bad {what}: {e}")))
}

/// Parses a message's text with serde.
fn parse_text<'a, T: Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Protocol(format!("bad {what}: {e}")))
}

/// The parameters at the start of `text` if they are an object, and the
/// text after them.
fn compact_parameters(text: &str) -> Option<(&RawValue, &str)> {
    if !text.starts_with('{') {
        return None;
    }
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let parameters = values.next()?.ok()?;
    Some((parameters, &text[values.byte_offset()..]))
}

/// A successful reply as servers write it, ours included:
/// `{"parameters":{...}}`, perhaps with `"continues":true` after them, or
/// `{}`. The counterpart of [`parse_compact_call`], on the same terms.
fn parse_compact_reply(text: &str) -> Option<Reply<'_>> {
    let (parameters, rest) = match text.strip_prefix(r#"{"parameters":"#) {
        Some(rest) => {
            let (parameters, rest) = compact_parameters(rest)?;
            (Some(parameters), rest)
        }
        None => (None, text.strip_prefix('{')?),
    };
    let continues = match rest {
        "}" => false,
        r#","continues":true}"# if parameters.is_some() => true,
        _ => return None,
    };
    Some(Reply::new(parameters, continues))
}

/// Parses a call in any layout UAPI.20 allows, or says what is wrong.
fn parse_any_call(text: &str) -> Result<Call<'_>, Error> {
    let call: Call<'_> = parse_text(text, "call")?;
    if call.flags.count() > 1 {
        return Err(Error::Protocol(
            "bad call: more than one of oneway, more and upgrade set".into(),
        ));
    }
    Ok(call)
}

/// The call as almost every client writes it, ours included:
/// `{"method":"NAME","parameters":{...}}` with nothing in between, and at
/// most one flag, `true`, at the end. Read by hand, with serde_json only
/// for the parameters: the general parser's map of members cost a third of
/// the server's instructions for a small call. `None` for anything else
/// (whitespace, escapes, other members or order, errors), which the
/// general parser then reads, so the result is always the one it gives.
fn parse_compact_call(text: &str) -> Option<Call<'_>> {
    let rest = text.strip_prefix(r#"{"method":""#)?;
    // A quote ends the name; a backslash or a control character leaves
    // the name to the general parser (to unescape, or to refuse).
    let end = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
    let (method, rest) = rest.split_at(end);
    let rest = rest.strip_prefix('"')?;
    let (parameters, rest) = match rest.strip_prefix(r#","parameters":"#) {
        Some(rest) => {
            let (parameters, rest) = compact_parameters(rest)?;
            (Some(parameters), rest)
        }
        None => (None, rest),
    };
    let flags = match rest {
        "}" => CallFlags::NONE,
        r#","more":true}"# => CallFlags {
            more: true,
            ..CallFlags::NONE
        },
        r#","oneway":true}"# => CallFlags {
            oneway: true,
            ..CallFlags::NONE
        },
        r#","upgrade":true}"# => CallFlags {
            upgrade: true,
            ..CallFlags::NONE
        },
        _ => return None,
    };
    Some(Call {
        method: Cow::Borrowed(method),
        parameters,
        flags,
        flags_present: flags,
        extensions: Vec::new(),
    })
}

/// A string that borrows from the input when it holds no escapes.
struct CowStr<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `parameters`: an object or `null`.
fn object_or_null<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<&'de RawValue>, A::Error> {
    let raw: &'de RawValue = map.next_value()?;
    let text = raw.get();
    if text == "null" {
        Ok(None)
    } else if text.starts_with('{') {
        Ok(Some(raw))
    } else {
        Err(de::Error::custom("parameters is not an object"))
    }
}

fn flag<'de, A: MapAccess<'de>>(
    map: &mut A,
    seen: &mut bool,
    name: &str,
) -> Result<bool, A::Error> {
    if std::mem::replace(seen, true) {
        return Err(de::Error::custom(format_args!("duplicate member `{name}`")));
    }
    let v: Option<bool> = map
        .next_value()
        .map_err(|_| de::Error::custom(format_args!("`{name}` is not a boolean")))?;
    Ok(v.unwrap_or(false))
}

fn once<T, E: de::Error>(slot: &mut Option<T>, v: T, name: &str) -> Result<(), E> {
    if slot.replace(v).is_some() {
        return Err(E::custom(format_args!("duplicate member `{name}`")));
    }
    Ok(())
}

impl<'de> Deserialize<'de> for Call<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Call<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a varlink call object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut method = None;
                let mut parameters = None;
                let mut flags = CallFlags::NONE;
                let (mut seen_more, mut seen_oneway, mut seen_upgrade) = (false, false, false);
                let mut extensions = Vec::new();
                while let Some(CowStr(key)) = map.next_key()? {
                    match &*key {
                        "method" => {
                            let CowStr(m) = map
                                .next_value()
                                .map_err(|_| de::Error::custom("`method` is not a string"))?;
                            once(&mut method, m, "method")?;
                        }
                        "parameters" => {
                            let p = object_or_null(&mut map)?;
                            once(&mut parameters, p, "parameters")?;
                        }
                        "more" => flags.more = flag(&mut map, &mut seen_more, "more")?,
                        "oneway" => flags.oneway = flag(&mut map, &mut seen_oneway, "oneway")?,
                        "upgrade" => flags.upgrade = flag(&mut map, &mut seen_upgrade, "upgrade")?,
                        k if k.contains('.') => extensions.push((key, map.next_value()?)),
                        k => {
                            return Err(de::Error::custom(format_args!("unknown member `{k}`")));
                        }
                    }
                }
                let method = method.ok_or_else(|| de::Error::missing_field("method"))?;
                Ok(Call {
                    method,
                    parameters: parameters.flatten(),
                    flags,
                    flags_present: CallFlags {
                        more: seen_more,
                        oneway: seen_oneway,
                        upgrade: seen_upgrade,
                    },
                    extensions,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Reply<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Reply<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a varlink reply object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut parameters = None;
                let mut error = None;
                let mut continues = false;
                let mut seen_continues = false;
                let mut extensions = Vec::new();
                while let Some(CowStr(key)) = map.next_key()? {
                    match &*key {
                        "parameters" => {
                            let p = object_or_null(&mut map)?;
                            once(&mut parameters, p, "parameters")?;
                        }
                        "continues" => {
                            continues = flag(&mut map, &mut seen_continues, "continues")?
                        }
                        "error" => {
                            let e: Option<CowStr<'de>> = map
                                .next_value()
                                .map_err(|_| de::Error::custom("`error` is not a string"))?;
                            if let Some(CowStr(e)) = e {
                                once(&mut error, e, "error")?;
                            }
                        }
                        k if k.contains('.') => extensions.push((key, map.next_value()?)),
                        k => {
                            return Err(de::Error::custom(format_args!("unknown member `{k}`")));
                        }
                    }
                }
                Ok(Reply {
                    parameters: parameters.flatten(),
                    continues,
                    error,
                    extensions,
                })
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of a head, a middle and a tail.
    fn joined(heads: &[&str], middles: &[&str], tails: &[&str]) -> Vec<String> {
        let mut texts = Vec::new();
        for head in heads {
            for middle in middles {
                for tail in tails {
                    texts.push(format!("{head}{middle}{tail}"));
                }
            }
        }
        texts
    }

    /// Every combination of these pieces: where the compact reader takes
    /// a call, the general parser reads the same from it.
    #[test]
    fn the_compact_reader_agrees_with_the_general_parser() {
        let heads = [
            r#"{"method":"org.example.a.Ping""#,
            r#"{"method":"org.example.ä.Ping""#,
            r#"{"method":"""#,
            r#"{"method":"org.exa\u006dple.a.Ping""#,
            r#"{"method":"org.\"x""#,
            "{\"method\":\"a\tb\"",
            r#"{ "method":"a.b.C""#,
            r#"{"method": "a.b.C""#,
            r#"{"method":"a.b.C"#,
            r#"{"method":1"#,
        ];
        let parameters = [
            "",
            r#","parameters":{}"#,
            r#","parameters":{"ping":"x"}"#,
            r#","parameters":{"s":"}\"{","n":[1,{"a":null}],"f":-1.5e3}"#,
            r#","parameters":{"a":1,"a":2}"#,
            r#","parameters":null"#,
            r#","parameters":[]"#,
            r#","parameters":1"#,
            r#","parameters":"x""#,
            r#","parameters":{"a":}"#,
            r#","parameters":{"a":1"#,
            r#","parameters": {}"#,
            r#","parameters":{} "#,
            r#","parameters":{"a":"\u00e4\n"}"#,
        ];
        let tails = [
            "}",
            r#","more":true}"#,
            r#","more":false}"#,
            r#","oneway":true}"#,
            r#","upgrade":true}"#,
            r#","more":true,"oneway":true}"#,
            r#","more":null}"#,
            r#","org.example.x":1}"#,
            r#","x":1}"#,
            r#","method":"a.b"}"#,
            "} ",
            "}}",
            "",
            r#","more":true"#,
        ];
        let mut compact = 0;
        for text in joined(&heads, &parameters, &tails) {
            if let Some(call) = parse_compact_call(&text) {
                compact += 1;
                let general = parse_any_call(&text).expect(&text);
                assert_eq!(format!("{call:?}"), format!("{general:?}"), "{text}");
            }
        }
        // The plain and non-ASCII names, an empty one; no parameters and
        // five objects (the duplicate member is the handler's to refuse),
        // each with no flag and each of the three; and the truncated
        // `{"a":1` that the tail `}` completes.
        assert_eq!(compact, 3 * (6 * 4 + 1));
    }

    #[test]
    fn the_compact_reply_reader_agrees_with_the_general_parser() {
        let heads = [
            "{",
            r#"{"parameters":"#,
            r#"{ "parameters":"#,
            r#"{"error":"a.b.E","parameters":"#,
        ];
        let parameters = [
            "",
            "{}",
            r#"{"pong":"x"}"#,
            r#"{"s":"}\"{","n":[1,{"a":null}]}"#,
            "null",
            "[]",
            r#"{"a":}"#,
            " {}",
        ];
        let tails = [
            "}",
            r#","continues":true}"#,
            r#","continues":false}"#,
            r#","error":"a.b.E"}"#,
            r#","org.example.x":1}"#,
            "} ",
            "",
        ];
        let mut compact = 0;
        for text in joined(&heads, &parameters, &tails) {
            if let Some(reply) = parse_compact_reply(&text) {
                compact += 1;
                let general: Reply<'_> = parse_text(&text, "reply").expect(&text);
                assert_eq!(format!("{reply:?}"), format!("{general:?}"), "{text}");
            }
        }
        // `{}`, and three objects with and without `continues`.
        assert_eq!(compact, 1 + 3 * 2);
    }

    fn ok(s: &str) -> Call<'_> {
        Call::parse(s.as_bytes()).unwrap()
    }
    fn bad(s: &str) -> String {
        match Call::parse(s.as_bytes()) {
            Err(Error::Protocol(m)) => m,
            other => panic!("{s}: expected protocol error, got {other:?}"),
        }
    }

    #[test]
    fn call_members() {
        let c =
            ok(r#"{"method":"a.b.C","parameters":{"x":[1,2]},"more":true,"org.example":{"k":1}}"#);
        assert_eq!(c.method, "a.b.C");
        assert_eq!(c.member(), "C");
        assert!(matches!(c.method, Cow::Borrowed(_)));
        assert_eq!(c.parameters.unwrap().get(), r#"{"x":[1,2]}"#);
        assert_eq!(c.flags, CallFlags::MORE);
        assert_eq!(c.extensions.len(), 1);
        assert_eq!(c.extensions[0].0, "org.example");
        let c = ok(" {\n\"method\" : \"a.b\\u0043\", \"parameters\": null, \"oneway\": null}\n");
        assert_eq!(c.method, "a.bC");
        assert!(c.parameters.is_none());
        assert_eq!(c.flags, CallFlags::NONE);
        assert_eq!(
            c.flags_present,
            CallFlags::ONEWAY,
            "a null flag was still sent"
        );
        let c = ok(r#"{"method":"a.b","more":false,"upgrade":false}"#);
        assert_eq!(c.flags, CallFlags::NONE);
        let present = CallFlags {
            more: true,
            oneway: false,
            upgrade: true,
        };
        assert_eq!(c.flags_present, present);
        assert_eq!(ok(r#"{"method":"a.b"}"#).flags_present, CallFlags::NONE);
    }

    #[test]
    fn malformed_calls() {
        bad("not json");
        bad("[]");
        bad("\"x\"");
        bad("{}");
        bad(r#"{"method":1}"#);
        assert!(bad(r#"{"method":"a.b","foo":1}"#).contains("unknown member `foo`"));
        assert!(bad(r#"{"method":"a.b","more":"yes"}"#).contains("not a boolean"));
        assert!(bad(r#"{"method":"a.b","more":true,"oneway":true}"#).contains("more than one"));
        assert!(bad(r#"{"method":"a.b","upgrade":true,"more":true}"#).contains("more than one"));
        bad(r#"{"method":"a.b","parameters":[1]}"#);
        bad(r#"{"method":"a.b","method":"a.c"}"#);
        bad(r#"{"method":"a.b"} x"#);
        // Two flags false at once are fine.
        assert_eq!(
            ok(r#"{"method":"a.b","more":false,"oneway":false}"#).flags,
            CallFlags::NONE
        );
    }

    #[test]
    fn reply_members() {
        let r = Reply::parse(br#"{"parameters":{"a":1},"continues":true}"#).unwrap();
        assert!(r.continues && r.error.is_none());
        let r = Reply::parse(br#"{"error":"a.b.E","parameters":{}}"#).unwrap();
        assert_eq!(r.error.as_deref(), Some("a.b.E"));
        assert!(Reply::parse(br#"{"bogus":1}"#).is_err());
        assert!(Reply::parse(br#"{"continues":1}"#).is_err());
    }

    #[test]
    fn encode_round_trip() {
        let p = RawValue::from_string(r#"{"a":"\u0000"}"#.into()).unwrap();
        let mut out = Vec::new();
        Call::new("a.b.C", Some(&p), CallFlags::ONEWAY).encode(&mut out);
        assert_eq!(
            out,
            b"{\"method\":\"a.b.C\",\"parameters\":{\"a\":\"\\u0000\"},\"oneway\":true}\0"
        );
        let empty = RawValue::from_string("{ }".into()).unwrap();
        out.clear();
        Call::new("a.b.C", Some(&empty), CallFlags::NONE).encode(&mut out);
        assert_eq!(out, b"{\"method\":\"a.b.C\"}\0");
        out.clear();
        Reply::new(Some(&p), true).encode(&mut out);
        assert_eq!(
            out,
            b"{\"parameters\":{\"a\":\"\\u0000\"},\"continues\":true}\0"
        );
        out.clear();
        Reply::new(None, false).encode(&mut out);
        assert_eq!(out, b"{}\0");
        out.clear();
        let mut e = Reply::error("x.Y", None);
        e.continues = true;
        e.encode(&mut out);
        assert_eq!(out, b"{\"error\":\"x.Y\"}\0");
    }
}
