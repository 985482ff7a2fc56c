//! Every decision about how an IDL name becomes a Rust identifier, in one
//! place.
//!
//! Case follows Rust conventions, with words split as heck splits them:
//! types and enum values in `UpperCamelCase`, fields and methods in
//! `snake_case`. Rust
//! keywords become raw identifiers (`r#type`); the few words that cannot be
//! raw (`self`, `Self`, `super`, `crate`, `_`) get a trailing underscore.
//! Whenever the Rust name differs from the wire name, the generator adds a
//! `#[serde(rename = "wire")]`, so the wire spelling is never lost.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words that are keywords in some Rust edition (strict and reserved).
/// A `match` rather than a list: it compares lengths first.
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// Keywords that cannot be raw identifiers.
fn is_not_raw(name: &str) -> bool {
    matches!(name, "self" | "Self" | "super" | "crate" | "_")
}

/// The Rust spelling of a type or enum value name: `UpperCamelCase`,
/// escaped. The text is what collision checks compare.
pub fn type_name(idl: &str) -> String {
    let mut out = String::with_capacity(idl.len() + 2);
    write_type_name(idl, &mut out);
    out
}

/// The Rust spelling of a field, parameter or method name: `snake_case`,
/// escaped.
pub fn field_name(idl: &str) -> String {
    let mut out = String::with_capacity(idl.len() + 4);
    write_field_name(idl, &mut out);
    out
}

/// The name of an anonymous structure or enumeration: its owner's Rust name
/// followed by the field name in `UpperCamelCase` (`Test06Reply` +
/// `struct` = `Test06ReplyStruct`).
pub fn nested_type_name(owner: &str, field: &str) -> String {
    let mut out = String::with_capacity(owner.len() + field.len());
    write_nested_type_name(owner, field, &mut out);
    out
}

/// The name an interface's generated service trait, clients and server
/// adapter are named after: its last segment in `UpperCamelCase`
/// (`Accounts` for `com.redhat.accounts`), unescaped. A segment after the
/// first may start with a digit, which no Rust name can: then the whole
/// interface name is converted (`org.example.0mor` gives
/// `OrgExample0mor`), and the first segment starts with a letter.
pub fn interface_base_name(interface: &str) -> String {
    let last = interface.rsplit('.').next().unwrap_or(interface);
    let base = type_name(last);
    let base = if base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base
    } else {
        type_name(interface)
    };
    unraw(&base).to_owned()
}

/// Appends [`type_name`] to `out`: for callers that keep names in a
/// buffer of their own rather than in a `String` each.
pub(crate) fn write_type_name(idl: &str, out: &mut String) {
    let start = out.len();
    upper_camel_into(idl, out);
    escape_from(out, start);
}

/// Appends [`field_name`] to `out`.
pub(crate) fn write_field_name(idl: &str, out: &mut String) {
    let start = out.len();
    snake_into(idl, out);
    escape_from(out, start);
}

/// Appends [`nested_type_name`] to `out`.
pub(crate) fn write_nested_type_name(owner: &str, field: &str, out: &mut String) {
    let start = out.len();
    out.push_str(owner);
    upper_camel_into(field, out);
    escape_from(out, start);
}

/// Whether [`type_name`] of `idl` is `idl` itself (most are): then the
/// IDL name can be used as it is, without a copy.
pub(crate) fn type_name_unchanged(idl: &str) -> bool {
    is_plain_upper_camel(idl) && !needs_escape(idl)
}

/// Whether [`field_name`] of `idl` is `idl` itself.
pub(crate) fn field_name_unchanged(idl: &str) -> bool {
    is_plain_snake(idl) && !needs_escape(idl)
}

/// Appends `idl` in `UpperCamelCase`, as heck converts it, unescaped.
fn upper_camel_into(idl: &str, out: &mut String) {
    if is_plain_camel(idl) {
        // heck splits before each capital only, and capitalizes each
        // word: only the first letter changes (`digestName` is
        // `DigestName`).
        out.push(char::from(idl.as_bytes()[0].to_ascii_uppercase()));
        out.push_str(&idl[1..]);
        return;
    }
    if is_plain_snake(idl) {
        // heck splits at the underscores only: `spooling_up` is
        // `SpoolingUp`.
        for word in idl.split('_') {
            // Plain snake case is ASCII, and no word is empty.
            out.push(char::from(word.as_bytes()[0].to_ascii_uppercase()));
            out.push_str(&word[1..]);
        }
        return;
    }
    let ascii = for_each_word(idl, |word| {
        let bytes = word.as_bytes();
        out.push(char::from(bytes[0].to_ascii_uppercase()));
        out.extend(
            bytes[1..]
                .iter()
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
    });
    if !ascii {
        out.push_str(&idl.to_upper_camel_case());
    }
}

/// Appends `idl` in `snake_case`, as heck converts it, unescaped.
fn snake_into(idl: &str, out: &mut String) {
    if is_plain_snake(idl) {
        out.push_str(idl);
        return;
    }
    if is_plain_camel(idl) {
        // heck splits before each capital only: `containerId` is
        // `container_id`.
        for (at, b) in idl.bytes().enumerate() {
            if b.is_ascii_uppercase() && at > 0 {
                out.push('_');
            }
            out.push(char::from(b.to_ascii_lowercase()));
        }
        return;
    }
    let start = out.len();
    let ascii = for_each_word(idl, |word| {
        if out.len() > start {
            out.push('_');
        }
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    });
    if !ascii {
        out.push_str(&idl.to_snake_case());
    }
}

/// Calls `word` with each word of an ASCII `name`, split as heck splits
/// it, and returns true; returns false, calling nothing, for other text
/// (which no valid IDL name is), which is left to heck.
///
/// heck converts char by char through `core::fmt`, and with Unicode case
/// tables; names with runs of capitals (`DNSError`) and acronyms were most
/// of planning a large interface. The rules are heck 0.5's `transform`:
/// words are the runs of letters and digits, further split after a small
/// letter that precedes a capital (`foo|Bar`) and before the last capital
/// of a run that precedes a small letter (`DNS|Error`). Digits continue the
/// case of what precedes them. `conversions_agree_with_heck` holds this to
/// heck's answers.
fn for_each_word(name: &str, mut word: impl FnMut(&str)) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lower,
        Upper,
    }
    if !name.is_ascii() {
        return false;
    }
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = part.as_bytes();
        let mut start = 0;
        let mut mode = Mode::Boundary;
        for (at, &byte) in bytes.iter().enumerate() {
            let Some(&next) = bytes.get(at + 1) else {
                word(&part[start..]);
                break;
            };
            let next_mode = if byte.is_ascii_lowercase() {
                Mode::Lower
            } else if byte.is_ascii_uppercase() {
                Mode::Upper
            } else {
                mode
            };
            if next_mode == Mode::Lower && next.is_ascii_uppercase() {
                word(&part[start..=at]);
                start = at + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Upper && byte.is_ascii_uppercase() && next.is_ascii_lowercase()
            {
                word(&part[start..at]);
                start = at;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
    true
}

// Most IDL names are already in the case they get; for those the
// conversion is the identity, and these checks (which
// `conversions_agree_with_heck` holds to heck's answers) skip it, so that
// the name is borrowed, not copied.

/// `Foo`, `Test06Bar`: ASCII letters and digits, a capital first, and
/// every later capital after a small letter (digits between do not count:
/// heck reads `A1B` as one word, `A1b`). heck splits such a name only
/// before a capital, and capitalizing each word changes nothing.
fn is_plain_upper_camel(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && is_plain_camel(name)
}

/// `Foo`, `fooBar`, `ipv4Address`: [`is_plain_upper_camel`] but for the
/// first letter, which may be small.
fn is_plain_camel(name: &str) -> bool {
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut after_capital = bytes[0].is_ascii_uppercase();
    bytes.iter().skip(1).all(|&b| match b {
        b'A'..=b'Z' if after_capital => false,
        b'A'..=b'Z' => {
            after_capital = true;
            true
        }
        b'a'..=b'z' => {
            after_capital = false;
            true
        }
        b'0'..=b'9' => true,
        _ => false,
    })
}

/// `name`, `a1_b2`: lowercase ASCII letters, digits and single inner
/// underscores, a letter first. heck splits such a name at its
/// underscores only and joins the words with one again.
fn is_plain_snake(name: &str) -> bool {
    // One pass: `contains("__")` set up a substring searcher per name.
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_lowercase) {
        return false;
    }
    let mut after_underscore = false;
    for &b in &bytes[1..] {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => after_underscore = false,
            b'_' if !after_underscore => after_underscore = true,
            _ => return false,
        }
    }
    !after_underscore
}

/// Whether [`escape_from`] changes `name`.
fn needs_escape(name: &str) -> bool {
    name.is_empty() || is_not_raw(name) || is_keyword(name)
}

/// Escapes the name that starts at `start` in `out`: `r#` before a
/// keyword, `_` after a word that cannot be raw.
fn escape_from(out: &mut String, start: usize) {
    let name = &out[start..];
    if is_not_raw(name) || name.is_empty() {
        out.push('_');
    } else if is_keyword(name) {
        out.insert_str(start, "r#");
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

    /// A whole name, escaped.
    fn escape(mut name: String) -> String {
        escape_from(&mut name, 0);
        name
    }

    #[test]
    fn conversions_agree_with_heck() {
        // Every name of up to five characters over an alphabet with each
        // kind of character, and some longer and non-ASCII ones: the fast
        // paths and `for_each_word` against heck itself.
        let alphabet = ['a', 'b', 'A', 'B', '1', '_', '-'];
        let mut names = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|name| alphabet.iter().map(move |c| format!("{name}{c}")))
                .collect();
            names.extend(last.iter().cloned());
        }
        names.extend(
            [
                "DNSError",
                "Test06",
                "ipv4Address",
                "fooBar",
                "HTTPServer",
                "aBC",
                "A1B2",
                "a1_b2",
                "extendedDNSErrorCode",
                "IPv6",
                "foo-bar.baz",
                "été",
            ]
            .map(str::to_owned),
        );
        let mut plain = (0, 0, 0);
        for name in &names {
            if is_plain_upper_camel(name) {
                plain.0 += 1;
                assert_eq!(name.to_upper_camel_case(), *name, "type name {name:?}");
            }
            if is_plain_snake(name) {
                plain.1 += 1;
                assert_eq!(name.to_snake_case(), *name, "field name {name:?}");
            }
            if is_plain_camel(name) {
                plain.2 += 1;
            }
            if !name.is_empty() {
                assert_eq!(field_name(name), escape(name.to_snake_case()), "{name:?}");
                assert_eq!(
                    type_name(name),
                    escape(name.to_upper_camel_case()),
                    "{name:?}"
                );
                if field_name_unchanged(name) {
                    assert_eq!(field_name(name), *name, "{name:?}");
                }
                if type_name_unchanged(name) {
                    assert_eq!(type_name(name), *name, "{name:?}");
                }
            }
        }
        assert!(plain.0 > 50 && plain.1 > 50 && plain.2 > 100, "{plain:?}");
    }

    #[test]
    fn interface_base_names() {
        for (interface, base) in [
            ("com.redhat.accounts", "Accounts"),
            ("io.systemd.Resolve", "Resolve"),
            ("org.example.foo-bar", "FooBar"),
            ("org.example.0mor", "OrgExample0mor"),
            ("org.example.1", "OrgExample1"),
            ("org.example.self", "Self_"),
            ("org.example.type", "Type"),
        ] {
            assert_eq!(interface_base_name(interface), base, "{interface}");
        }
    }

    #[test]
    fn idents_are_valid_tokens() {
        for name in ["r#type", "self_", "Foo", "r#gen"] {
            assert_eq!(ident(name).to_string(), name);
        }
        assert_eq!(unraw("r#type"), "type");
    }
}
