//! Every decision about how an IDL name becomes a Rust identifier, in one
//! place.
//!
//! Case follows Rust conventions (heck does the conversion): types and enum
//! values in `UpperCamelCase`, fields and methods in `snake_case`. Rust
//! keywords become raw identifiers (`r#type`); the few words that cannot be
//! raw (`self`, `Self`, `super`, `crate`, `_`) get a trailing underscore.
//! Whenever the Rust name differs from the wire name, the generator adds a
//! `#[serde(rename = "wire")]`, so the wire spelling is never lost.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words that are keywords in some Rust edition (strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// The Rust spelling of a type or enum value name: `UpperCamelCase`,
/// escaped. The text is what collision checks compare.
pub fn type_name(idl: &str) -> String {
    escape(idl.to_upper_camel_case())
}

/// The Rust spelling of a field, parameter or method name: `snake_case`,
/// escaped.
pub fn field_name(idl: &str) -> String {
    escape(idl.to_snake_case())
}

/// The name of an anonymous structure or enumeration: its owner's Rust name
/// followed by the field name in `UpperCamelCase` (`Test06Reply` +
/// `struct` = `Test06ReplyStruct`).
pub fn nested_type_name(owner: &str, field: &str) -> String {
    escape(format!("{owner}{}", field.to_upper_camel_case()))
}

fn escape(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) || name.is_empty() {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Turns a name decided above into an identifier.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The name without a raw prefix, for messages and derived names.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_table() {
        let fields = [
            ("name", "name"),
            ("full_name", "full_name"),
            ("fooBar", "foo_bar"),
            ("extendedDNSErrorCode", "extended_dns_error_code"),
            ("ipv4Address", "ipv4_address"),
            ("type", "r#type"),
            ("TYPE", "r#type"),
            ("enum", "r#enum"),
            ("interface", "interface"),
            ("bool", "bool"),
            ("self", "self_"),
            ("Self", "self_"),
            ("super", "super_"),
            ("crate", "crate_"),
            ("async", "r#async"),
            ("gen", "r#gen"),
            ("a1_b2", "a1_b2"),
        ];
        for (idl, rust) in fields {
            assert_eq!(field_name(idl), rust, "field {idl}");
        }
        let types = [
            ("Account", "Account"),
            ("DNSError", "DnsError"),
            ("idle", "Idle"),
            ("spooling_up", "SpoolingUp"),
            ("self", "Self_"),
            ("Self", "Self_"),
            ("type", "Type"),
            ("a", "A"),
        ];
        for (idl, rust) in types {
            assert_eq!(type_name(idl), rust, "type {idl}");
        }
        assert_eq!(
            nested_type_name("Test06Reply", "struct"),
            "Test06ReplyStruct"
        );
        assert_eq!(
            nested_type_name("TypeFoo", "anon_field"),
            "TypeFooAnonField"
        );
    }

    #[test]
    fn idents_are_valid_tokens() {
        for name in ["r#type", "self_", "Foo", "r#gen"] {
            assert_eq!(ident(name).to_string(), name);
        }
        assert_eq!(unraw("r#type"), "type");
    }
}
