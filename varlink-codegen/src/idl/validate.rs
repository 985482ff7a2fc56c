//! Checks what the grammar alone does not: names, uniqueness, references.
//!
//! Every problem is collected, then sorted by position, so that one run of
//! `varlink-codegen check` shows all of them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::ast::*;
use crate::diagnostic::{Diagnostic, Diagnostics};

/// A map keyed by names, hashed with [`FxHasher`].
type NameMap<'a, V> = HashMap<&'a str, V, BuildHasherDefault<FxHasher>>;

/// Lists up to this long are checked for duplicate names by comparing each
/// name with the ones before it: for the few fields of a typical structure
/// that is cheaper than hashing every name into a fresh map.
const SHORT_LIST: usize = 16;

/// The multiply-rotate hash of rustc (`FxHasher`). The keys are short names
/// from the one file being validated; SipHash's resistance to chosen
/// collisions buys nothing here and cost a tenth of the validation time.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Validates a parsed interface. Returns every problem found, sorted by
/// position.
pub fn validate(interface: &Interface<'_>) -> Result<(), Diagnostics> {
    let mut validator = Validator {
        members: NameMap::with_capacity_and_hasher(interface.members.len(), Default::default()),
        diagnostics: Vec::new(),
    };
    validator.run(interface);
    let mut diagnostics = Diagnostics(validator.diagnostics);
    if diagnostics.is_empty() {
        Ok(())
    } else {
        diagnostics.sort();
        Err(diagnostics)
    }
}

struct Validator<'i, 'a> {
    /// Every member by name; the first definition wins.
    members: NameMap<'a, &'i Member<'a>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'i, 'a> Validator<'i, 'a> {
    fn run(&mut self, interface: &'i Interface<'a>) {
        if let Some(problem) = interface_name_problem(interface.name.text) {
            self.invalid_name("interface name", interface.name, problem);
        }
        for member in &interface.members {
            if let Some(problem) = member_name_problem(member.name.text) {
                self.invalid_name(&format!("{} name", member.keyword()), member.name, problem);
            }
            if let Some(first) = self.members.get(member.name.text) {
                let mut diagnostic = Diagnostic::error(
                    format!("the name `{}` is defined more than once", member.name.text),
                    member.name.span,
                )
                .with_label(format!("`{}` redefined here", member.name.text))
                .with_related(
                    first.name.span,
                    format!("first defined here as a {}", first.keyword()),
                );
                if first.keyword() != member.keyword() {
                    diagnostic =
                        diagnostic.with_note("types, methods and errors share one namespace");
                }
                self.diagnostics.push(diagnostic);
            } else {
                self.members.insert(member.name.text, member);
            }
        }
        for member in &interface.members {
            match &member.kind {
                MemberKind::Type(TypeDef::Struct(fields)) | MemberKind::Error(fields) => {
                    self.fields(fields, "field")
                }
                MemberKind::Type(TypeDef::Enum(variants)) => self.variants(variants),
                MemberKind::Method { input, output } => {
                    self.fields(input, "parameter");
                    self.fields(output, "result");
                }
            }
        }
    }

    #[cold]
    fn invalid_name(&mut self, what: &str, name: Name<'a>, problem: &str) {
        self.diagnostics.push(
            Diagnostic::error(format!("invalid {what} `{}`", name.text), name.span)
                .with_label(problem.to_owned())
                .with_note(name_rule(what)),
        );
    }

    fn fields(&mut self, fields: &'i Struct<'a>, what: &str) {
        let names = fields.fields.iter().map(|field| field.name);
        self.list_names(names, what);
        for field in &fields.fields {
            self.ty(&field.ty);
        }
    }

    fn variants(&mut self, variants: &'i Enum<'a>) {
        let names = variants.variants.iter().map(|variant| variant.name);
        self.list_names(names, "enum value");
    }

    /// Checks the names of a structure's fields or an enumeration's values:
    /// each must be valid and unique in the list.
    fn list_names(&mut self, names: impl ExactSizeIterator<Item = Name<'a>> + Clone, what: &str) {
        let mut seen = NameMap::default();
        if names.len() > SHORT_LIST {
            seen.reserve(names.len());
        }
        for (i, name) in names.clone().enumerate() {
            if let Some(problem) = field_name_problem(name.text) {
                self.invalid_name(&format!("{what} name"), name, problem);
            }
            let first = if names.len() <= SHORT_LIST {
                names
                    .clone()
                    .take(i)
                    .find(|earlier| earlier.text == name.text)
            } else {
                let first = seen.get(name.text).copied();
                if first.is_none() {
                    seen.insert(name.text, name);
                }
                first
            };
            if let Some(first) = first {
                self.duplicate_list_item(what, name, first);
            }
        }
    }

    #[cold]
    fn duplicate_list_item(&mut self, what: &str, name: Name<'a>, first: Name<'a>) {
        self.diagnostics.push(
            Diagnostic::error(
                format!("{what} `{}` is defined more than once", name.text),
                name.span,
            )
            .with_label("defined again here")
            .with_related(first.span, "first defined here"),
        );
    }

    fn ty(&mut self, ty: &'i Type<'a>) {
        match &ty.kind {
            TypeKind::Bool
            | TypeKind::Int
            | TypeKind::Float
            | TypeKind::String
            | TypeKind::Object
            | TypeKind::Any => {}
            TypeKind::Named(name) => self.reference(name, ty.span),
            TypeKind::Struct(fields) => self.fields(fields, "field"),
            TypeKind::Enum(variants) => self.variants(variants),
            TypeKind::Array(inner) | TypeKind::Map(inner) => self.ty(inner),
            TypeKind::Optional(inner) => {
                if let TypeKind::Optional(_) = inner.kind {
                    self.diagnostics.push(
                        Diagnostic::error("a type cannot be optional twice", ty.span)
                            .with_label("`??` is not allowed")
                            .with_help("remove one `?`"),
                    );
                }
                self.ty(inner);
            }
        }
    }

    fn reference(&mut self, name: &str, span: Span) {
        match self.members.get(name) {
            Some(member) if matches!(member.kind, MemberKind::Type(_)) => {}
            Some(member) => self.diagnostics.push(
                Diagnostic::error(
                    format!("`{name}` is {}, not a type", article(member.keyword())),
                    span,
                )
                .with_label("expected a type")
                .with_related(member.name.span, format!("`{name}` is declared here")),
            ),
            None => {
                let mut diagnostic =
                    Diagnostic::error(format!("cannot find type `{name}` in this interface"), span)
                        .with_label("not declared");
                if let Some(suggestion) = self.similar_type(name) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                self.diagnostics.push(diagnostic);
            }
        }
    }

    /// The declared type whose name is closest to `name`, if any is close.
    fn similar_type(&self, name: &str) -> Option<&'a str> {
        let lower = name.to_ascii_lowercase();
        self.members
            .values()
            .filter(|member| matches!(member.kind, MemberKind::Type(_)))
            .map(|member| {
                let candidate = member.name.text;
                (
                    strsim::levenshtein(&lower, &candidate.to_ascii_lowercase()),
                    candidate,
                )
            })
            .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
            .min()
            .map(|(_, candidate)| candidate)
    }
}

fn article(keyword: &str) -> String {
    match keyword {
        "error" => "an error".to_owned(),
        other => format!("a {other}"),
    }
}

fn name_rule(what: &str) -> &'static str {
    if what == "interface name" {
        "interface names are reverse-domain names: at least two dot-separated components of ASCII letters, digits and inner hyphens, the first starting with a letter"
    } else if what.starts_with("type") || what.starts_with("method") || what.starts_with("error") {
        "type, method and error names start with an uppercase ASCII letter and continue with ASCII letters and digits"
    } else {
        "field names start with an ASCII letter and continue with ASCII letters and digits; single `_` may stand between them"
    }
}

/// Why `name` is not a valid interface name, if it is not:
/// `[A-Za-z]([-]*[A-Za-z0-9])*(\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+`.
pub fn interface_name_problem(name: &str) -> Option<&'static str> {
    let mut components = 0;
    for (i, component) in name.split('.').enumerate() {
        components += 1;
        let bytes = component.as_bytes();
        let Some((&first, _)) = bytes.split_first() else {
            return Some("empty component between dots");
        };
        if i == 0 && !first.is_ascii_alphabetic() {
            return Some("must start with a letter");
        }
        if first == b'-' {
            return Some("a component must not start with `-`");
        }
        if bytes.last() == Some(&b'-') {
            return Some("a component must not end with `-`");
        }
        if !bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            return Some("only ASCII letters, digits, `-` and `.` are allowed");
        }
    }
    (components < 2).then_some("needs at least two dot-separated components")
}

/// Why `name` is not a valid type, method or error name: `[A-Z][A-Za-z0-9]*`.
pub fn member_name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_uppercase) {
        Some("must start with an uppercase letter")
    } else if !bytes.iter().all(u8::is_ascii_alphanumeric) {
        Some("only ASCII letters and digits are allowed")
    } else {
        None
    }
}

/// Why `name` is not a valid field or enum value name:
/// `[A-Za-z](_?[A-Za-z0-9])*`.
pub fn field_name_problem(name: &str) -> Option<&'static str> {
    if is_field_name(name.as_bytes()) {
        None
    } else {
        field_name_error(name)
    }
}

/// `[A-Za-z](_?[A-Za-z0-9])*` in one pass over the bytes: every field name
/// goes through here, and almost all of them are valid.
#[inline]
fn is_field_name(bytes: &[u8]) -> bool {
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    let mut previous_underscore = false;
    for &byte in rest {
        if byte == b'_' {
            if previous_underscore {
                return false;
            }
            previous_underscore = true;
        } else if byte.is_ascii_alphanumeric() {
            previous_underscore = false;
        } else {
            return false;
        }
    }
    first.is_ascii_alphabetic() && !previous_underscore
}

/// Which rule an invalid field name breaks, checked in the order the
/// messages are meant to be given.
#[cold]
fn field_name_error(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        Some("must start with a letter")
    } else if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        Some("only ASCII letters, digits and `_` are allowed")
    } else if name.contains("__") {
        Some("`_` must not be doubled")
    } else if name.ends_with('_') {
        Some("must not end with `_`")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        for good in [
            "a.b",
            "org.example.ftl",
            "A1.2b",
            "com.red-hat.x",
            "a--b.c",
            "io.systemd.Resolve",
        ] {
            assert_eq!(interface_name_problem(good), None, "{good}");
        }
        for bad in ["a", "1a.b", "a..b", "a.b-", "a.-b", "a_b.c", "a.", ".a"] {
            assert!(interface_name_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(member_name_problem("Foo2"), None);
        assert!(member_name_problem("foo").is_some());
        assert!(member_name_problem("Foo_Bar").is_some());
        for good in ["a", "foo_bar", "fooBar", "a1_b2", "TYPE"] {
            assert_eq!(field_name_problem(good), None, "{good}");
        }
        for bad in ["_a", "a_", "a__b", "1a", "a-b", "a.b"] {
            assert!(field_name_problem(bad).is_some(), "{bad}");
        }
    }
}
