//! Parameters: serializing straight into the output buffer, and
//! deserializing from the raw JSON with the errors varlink asks for.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::strict::Strict;
use crate::error::{Error, ServiceError};

/// Appends `,"parameters":<json>` to `out`, or nothing when `value`
/// serializes to `null` or `{}` (UAPI.20: senders SHOULD omit the member).
///
/// Serializing in place avoids building the parameters as a separate
/// string. Anything but an object, `null` or `{}` is refused, because the
/// protocol only carries objects.
pub(crate) fn write_parameters<P: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &P,
) -> Result<(), Error> {
    write_member_parameters(out, b",\"parameters\":", value)
}

/// [`write_parameters`] with the member's text before the value given:
/// `"parameters":` for the first member of a message.
pub(crate) fn write_member_parameters<P: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    member: &[u8],
    value: &P,
) -> Result<(), Error> {
    let mark = out.len();
    out.extend_from_slice(member);
    let body = out.len();
    if let Err(e) = serde_json::to_writer(&mut *out, value) {
        out.truncate(mark);
        return Err(Error::Serialize(e));
    }
    match &out[body..] {
        b"null" | b"{}" => out.truncate(mark),
        [b'{', ..] => {}
        _ => {
            out.truncate(mark);
            return Err(Error::Usage("parameters must serialize to a JSON object"));
        }
    }
    Ok(())
}

/// Deserializes parameters into `T`, reading absent and `null` parameters
/// as `{}` (UAPI.20: the three are equivalent).
///
/// A type that only accepts `null`, such as `()`, is also accepted for
/// absent parameters, so that "no parameters" can be written as `()`.
pub fn deserialize_parameters<T: DeserializeOwned>(
    raw: Option<&RawValue>,
) -> Result<T, serde_json::Error> {
    match raw {
        Some(raw) => serde_json::from_str(raw.get()),
        None => serde_json::from_str("{}").or_else(|e| serde_json::from_str("null").map_err(|_| e)),
    }
}

/// Deserializes call parameters into `T` for a method handler.
///
/// A mismatch becomes `org.varlink.service.InvalidParameter` naming the
/// offending field as a dotted path (`config.speed`, `list[2].name`): the
/// unknown field for unknown fields, the missing field for missing ones,
/// the repeated field for a field given twice.
///
/// Unknown fields are refused at every depth (UAPI.20 "Unknown Fields"),
/// also inside types that clients decode leniently: the same generated
/// type may be a parameter here and part of a reply elsewhere, so the
/// strictness lives in this function rather than in the type.
pub fn parse_parameters<T: DeserializeOwned>(raw: Option<&RawValue>) -> Result<T, ServiceError> {
    parse_parameters_text(raw.map(RawValue::get))
}

/// [`parse_parameters`] on the JSON text of the parameters.
pub(crate) fn parse_parameters_text<T: DeserializeOwned>(
    text: Option<&str>,
) -> Result<T, ServiceError> {
    let text = text.unwrap_or("{}");
    // The common case, valid parameters, goes through the allocation-free
    // strict wrapper; a failure of any kind is parsed again to name the
    // offending field.
    let mut de = serde_json::Deserializer::from_str(text);
    match T::deserialize(Strict(&mut de)).and_then(|value| de.end().map(|()| value)) {
        Ok(value) => Ok(value),
        Err(_) => explain_invalid::<T>(text),
    }
}

/// The slow path of [`parse_parameters`]: parses `text` noting unknown
/// fields with their path, and names the first unknown field, or the field
/// that fails to deserialize into `T`.
fn explain_invalid<T: DeserializeOwned>(text: &str) -> Result<T, ServiceError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut unknown: Option<String> = None;
    let mut note_unknown = |path: serde_ignored::Path<'_>| {
        unknown.get_or_insert_with(|| ignored_path(&path));
    };
    let tracked = serde_ignored::Deserializer::new(&mut de, &mut note_unknown);
    let value = match T::deserialize(tracked) {
        Ok(value) => value,
        Err(_) => return Err(invalid_parameter_of::<T>(text)),
    };
    if let Some(parameter) = unknown {
        return Err(ServiceError::InvalidParameter { parameter });
    }
    de.end().map_err(|_| ServiceError::InvalidParameter {
        parameter: String::new(),
    })?;
    // The lenient parse took what the strict one refused (a structure
    // written as an array): name where.
    drop(value);
    Err(invalid_parameter_of::<T>(text))
}

/// Parses `text` again, strictly and tracking the path, to name the field
/// that makes it fail to deserialize into `T`.
fn invalid_parameter_of<T: DeserializeOwned>(text: &str) -> ServiceError {
    let mut de = serde_json::Deserializer::from_str(text);
    let parameter = match serde_path_to_error::deserialize::<_, T>(Strict(&mut de)) {
        Err(e) => {
            let path = e.path().to_string();
            offending_field(&path, &e.into_inner().to_string())
        }
        // Only a failing text comes here; name nothing rather than panic.
        Ok(_) => String::new(),
    };
    ServiceError::InvalidParameter { parameter }
}

/// The dotted path of an ignored field, in the form of
/// [`offending_field`]: `config.extra`, `list[1].extra`.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let parent = ignored_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// Names the field of a serde error: serde reports unknown, missing and
/// duplicate fields with the name in backticks; the path names the
/// enclosing object for a missing field and the field itself for an
/// unknown one.
fn offending_field(path: &str, message: &str) -> String {
    let named = ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let parent = if path == "." { "" } else { path };
    match named {
        // serde_path_to_error already ends the path with an unknown field.
        Some(field) if parent == field || parent.ends_with(&format!(".{field}")) => {
            parent.to_owned()
        }
        Some(field) if parent.is_empty() => field.to_owned(),
        Some(field) => format!("{parent}.{field}"),
        None => parent.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        speed: i64,
    }
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        name: String,
        config: Option<Inner>,
        list: Option<Vec<Inner>>,
    }

    fn field(json: &str) -> String {
        let raw = RawValue::from_string(json.into()).unwrap();
        match parse_parameters::<Params>(Some(&raw)) {
            Err(ServiceError::InvalidParameter { parameter }) => parameter,
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn invalid_parameter_names_the_field() {
        assert_eq!(field(r#"{"name":1}"#), "name");
        assert_eq!(field(r#"{"name":"x","bogus":1}"#), "bogus");
        assert_eq!(field(r#"{}"#), "name");
        assert_eq!(
            field(r#"{"name":"x","config":{"speed":"fast"}}"#),
            "config.speed"
        );
        assert_eq!(field(r#"{"name":"x","config":{}}"#), "config.speed");
        assert_eq!(
            field(r#"{"name":"x","list":[{"speed":1},{"sped":2}]}"#),
            "list[1].sped"
        );
        // serde would take a structure as an array of its field values.
        assert_eq!(field(r#"{"name":"x","config":[3]}"#), "config");
        assert_eq!(field(r#"{"name":"x","list":[{"speed":1},[2]]}"#), "list[1]");
        // A field given twice is named, not left blank.
        assert_eq!(field(r#"{"name":"x","name":"y"}"#), "name");
        assert_eq!(
            field(r#"{"name":"x","config":{"speed":1,"speed":2}}"#),
            "config.speed"
        );
    }

    #[test]
    fn unknown_fields_are_refused_at_every_depth() {
        // Lenient types, as a client would decode them.
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Item {
            id: i64,
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Lenient {
            item: Option<Item>,
            items: Vec<Item>,
        }
        let parse = |json: &str| {
            let raw = RawValue::from_string(json.into()).unwrap();
            parse_parameters::<Lenient>(Some(&raw))
        };
        let named = |json: &str| match parse(json) {
            Err(ServiceError::InvalidParameter { parameter }) => parameter,
            other => panic!("{json}: {other:?}"),
        };
        assert!(parse(r#"{"item":{"id":1},"items":[]}"#).is_ok());
        assert_eq!(named(r#"{"items":[],"extra":1}"#), "extra");
        assert_eq!(
            named(r#"{"item":{"id":1,"extra":true},"items":[]}"#),
            "item.extra"
        );
        assert_eq!(
            named(r#"{"items":[{"id":1},{"id":2,"x":{}}]}"#),
            "items[1].x"
        );
    }

    #[test]
    fn absent_null_and_empty_are_equal() {
        #[derive(Deserialize)]
        struct Opt {
            a: Option<i64>,
        }
        let empty = RawValue::from_string("{}".into()).unwrap();
        assert!(parse_parameters::<Opt>(None).unwrap().a.is_none());
        assert!(parse_parameters::<Opt>(Some(&empty)).unwrap().a.is_none());
        deserialize_parameters::<()>(None).unwrap();
        assert!(deserialize_parameters::<Opt>(None).unwrap().a.is_none());
    }

    #[test]
    fn write_parameters_omits_empty() {
        let mut out = b"{".to_vec();
        write_parameters(&mut out, &()).unwrap();
        write_parameters(&mut out, &serde_json::json!({})).unwrap();
        assert_eq!(out, b"{");
        write_parameters(&mut out, &serde_json::json!({"a": 1})).unwrap();
        assert_eq!(out, b"{,\"parameters\":{\"a\":1}");
        assert!(write_parameters(&mut out, &[1]).is_err());
        assert_eq!(out, b"{,\"parameters\":{\"a\":1}");
    }
}
