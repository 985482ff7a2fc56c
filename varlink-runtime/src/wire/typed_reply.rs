//! The client's fast path for the common reply, `{"parameters":{...}}`
//! with or without `continues`: the parameters are deserialized into the
//! caller's type in the same pass that reads the message.
//!
//! [`super::Reply::parse`] keeps the parameters raw, so that the error
//! name can be read first wherever it stands; deserializing them after
//! that scans every byte of the parameters twice, which for large replies
//! costs as much as the deserialization itself. This path gives up (returns
//! `None`) on anything unusual: an `error` member, duplicate or unknown
//! members, parameters that are not an object or do not fit the type,
//! trailing bytes. The caller then parses the message the careful way, which
//! reaches the same verdict for every message this path accepts.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, Visitor};

use super::deserialize_parameters;

/// Parses a reply message (without its NUL) whose parameters fit `R`:
/// the parameters and the `continues` flag, or `None` to take the careful
/// path.
pub(crate) fn parse_typed_reply<R: DeserializeOwned>(bytes: &[u8]) -> Option<(R, bool)> {
    // One UTF-8 check for the whole message: from `&str`, serde_json
    // copies strings without checking each again.
    let mut de = serde_json::Deserializer::from_str(std::str::from_utf8(bytes).ok()?);
    let TypedReply {
        parameters,
        continues,
    } = de.deserialize_map(TypedReplyVisitor(PhantomData)).ok()?;
    de.end().ok()?;
    let parameters = match parameters {
        Some(parameters) => parameters,
        // Absent and `null` parameters read as `{}`, as on the careful path.
        None => deserialize_parameters(None).ok()?,
    };
    Some((parameters, continues))
}

struct TypedReply<R> {
    parameters: Option<R>,
    continues: bool,
}

struct TypedReplyVisitor<R>(PhantomData<R>);

impl<'de, R: DeserializeOwned> Visitor<'de> for TypedReplyVisitor<R> {
    type Value = TypedReply<R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a varlink reply object")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut parameters: Option<Option<R>> = None;
        let mut continues: Option<bool> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Parameters if parameters.is_none() => {
                    parameters = Some(map.next_value_seed(Parameters(PhantomData))?);
                }
                Key::Continues if continues.is_none() => {
                    continues = Some(map.next_value::<Option<bool>>()?.unwrap_or(false));
                }
                Key::Extension => {
                    map.next_value::<IgnoredAny>()?;
                }
                // An error reply, a duplicate or an unknown member.
                _ => return Err(de::Error::custom("not a plain reply")),
            }
        }
        Ok(TypedReply {
            parameters: parameters.flatten(),
            continues: continues.unwrap_or(false),
        })
    }
}

/// A member name of a reply.
enum Key {
    Parameters,
    Continues,
    /// `error`, or anything else without a dot.
    Other,
    /// A vendor extension: a name with a dot.
    Extension,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "parameters" => Key::Parameters,
                    "continues" => Key::Continues,
                    v if v.contains('.') => Key::Extension,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// `parameters`: `null`, or an object deserialized into `R`.
struct Parameters<R>(PhantomData<R>);

impl<'de, R: DeserializeOwned> DeserializeSeed<'de> for Parameters<R> {
    type Value = Option<R>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<R>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, R: DeserializeOwned> Visitor<'de> for Parameters<R> {
    type Value = Option<R>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<R>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<R>, D::Error> {
        R::deserialize(ObjectOnly(d)).map(Some)
    }
}

/// A deserializer that reads only a JSON object, whatever the type asks
/// for: a struct would otherwise also accept an array, which the protocol
/// does not allow for parameters.
struct ObjectOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;
    use crate::wire::Reply;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Out {
        a: i64,
        #[serde(default)]
        b: Option<String>,
    }

    fn fast(s: &str) -> Option<(Out, bool)> {
        parse_typed_reply(s.as_bytes())
    }

    /// What the careful path makes of a message: the reply, or `None`
    /// for an error reply or anything that fails.
    fn careful(s: &str) -> Option<(Out, bool)> {
        let reply = Reply::parse(s.as_bytes()).ok()?;
        if reply.error.is_some() {
            return None;
        }
        let parameters = deserialize_parameters(reply.parameters).ok()?;
        Some((parameters, reply.continues))
    }

    #[test]
    fn invalid_utf8_fails_on_both_paths() {
        // Inside a string, in a member name, and in skipped extension data.
        for bytes in [
            &b"{\"parameters\":{\"a\":1,\"b\":\"\xff\"}}"[..],
            b"{\"parameters\":{\"a\":1},\"\xc0\xaf\":1}",
            b"{\"parameters\":{\"a\":1},\"org.x.y\":\"\xed\xa0\x80\"}",
        ] {
            assert_eq!(parse_typed_reply::<Out>(bytes), None);
            assert!(Reply::parse(bytes).is_err());
        }
    }

    #[test]
    fn plain_replies_read_in_one_pass() {
        for s in [
            r#"{"parameters":{"a":1}}"#,
            r#"{"parameters":{"a":1,"b":"x"},"continues":true}"#,
            r#"{"continues":false,"parameters":{"b":"\u00e9","a":2}}"#,
            r#" { "parameters" : { "a" : 3 } , "org.example.ext" : [1, {"x": null}] } "#,
            r#"{"parameters":{"a":1},"continues":null}"#,
        ] {
            assert!(fast(s).is_some(), "{s}");
            assert_eq!(fast(s), careful(s), "{s}");
        }
        // Absent or null parameters read as `{}`.
        let empty: Option<(HashMap<String, i64>, bool)> = parse_typed_reply(b"{}");
        assert_eq!(empty, Some((HashMap::new(), false)));
        let null: Option<(HashMap<String, i64>, bool)> =
            parse_typed_reply(br#"{"parameters":null,"continues":true}"#);
        assert_eq!(null, Some((HashMap::new(), true)));
    }

    #[test]
    fn anything_unusual_takes_the_careful_path() {
        for s in [
            r#"{"error":"a.b.C","parameters":{"a":1}}"#,
            r#"{"parameters":{"a":1},"error":"a.b.C"}"#,
            r#"{"parameters":{"a":1},"error":null}"#,
            r#"{"parameters":{"a":1},"parameters":{"a":2}}"#,
            r#"{"parameters":{"a":1},"continues":true,"continues":true}"#,
            r#"{"parameters":{"a":1},"bogus":1}"#,
            r#"{"parameters":[1]}"#,
            r#"{"parameters":1}"#,
            r#"{"parameters":{"a":"not a number"}}"#,
            r#"{"parameters":{"a":1},"continues":1}"#,
            r#"{"parameters":{"a":1}} trailing"#,
            r#"[]"#,
            r#"not json"#,
        ] {
            assert_eq!(fast(s), None, "{s}");
        }
        // The careful path still reads the error reply whose error member
        // comes late.
        assert!(careful(r#"{"parameters":{"a":1},"error":null}"#).is_some());
    }
}
