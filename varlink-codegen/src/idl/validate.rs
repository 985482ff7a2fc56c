//! Checks what the grammar alone does not: names, uniqueness, references.
//!
//! Every problem is collected, then sorted by position, so that one run of
//! `varlink-codegen check` shows all of them.

use super::ast::*;
use super::lexer::class;
use super::members::{MemberTable, NameKey, Reference};
use super::scan::underscores;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::fxhash::FxHashMap;

/// A map keyed by names.
type NameMap<'a, V> = FxHashMap<&'a [u8], V>;

/// Lists up to this long are checked for duplicate names by comparing each
/// name with the ones before it: for the few fields of a typical structure
/// that is cheaper than hashing every name into a fresh map.
const SHORT_LIST: usize = 16;

/// Validates a parsed interface. Returns every problem found, sorted by
/// position.
///
/// The tree is flat, so each check is one pass over one kind of node:
/// members (names, duplicates), and the lists and types the parser noted
/// as needing a look (item names, duplicates in each; references, `??`).
pub fn validate(interface: &Interface<'_>) -> Result<(), Diagnostics> {
    let mut validator = Validator {
        tree: interface,
        members: MemberTable::new(&interface.to_check.member_keys, interface.source.as_bytes()),
        diagnostics: Vec::new(),
        hints: NameMap::default(),
        hint_budget: HINT_BUDGET,
    };
    validator.run();
    let mut diagnostics = Diagnostics(validator.diagnostics);
    if diagnostics.is_empty() {
        Ok(())
    } else {
        diagnostics.sort();
        Err(diagnostics)
    }
}

struct Validator<'i, 'a> {
    tree: &'i Interface<'a>,
    /// Every member's index by name; the first definition wins.
    members: MemberTable<'i>,
    diagnostics: Vec<Diagnostic>,
    /// The "did you mean" hint of each undefined name seen so far.
    hints: NameMap<'a, Option<&'a str>>,
    /// Name comparisons the hints may still make (see [`HINT_BUDGET`]).
    hint_budget: usize,
}

impl<'i, 'a> Validator<'i, 'a> {
    fn run(&mut self) {
        let tree = self.tree;
        let interface_name = tree.name();
        if let Some(problem) = interface_name_problem(interface_name.text) {
            self.invalid_name("interface name", interface_name, problem);
        }
        for (index, member) in tree.members.iter().enumerate() {
            if !is_plain_member_name(member.name_class) {
                let name = tree.name_at(member.name);
                if let Some(problem) = member_name_problem(name.text) {
                    self.invalid_name(&format!("{} name", member.tag.keyword()), name, problem);
                }
            }
            if let Some(first) = self.members.insert(index) {
                self.duplicate_member(member, &tree.members[first]);
            }
        }
        // The parser noted what may hold a problem (`ToCheck`): the rest
        // of the tree is not read again.
        let to_check = &tree.to_check;
        for &list in &to_check.lists {
            self.list_names(&tree.lists[list as usize]);
        }
        for &Reference(key) in to_check.named_types.iter() {
            self.reference(key);
        }
        for &ty in &to_check.double_optionals {
            let span = tree.name_at(tree.types[ty as usize].span).span;
            self.diagnostics.push(
                Diagnostic::error("a type cannot be optional twice", span)
                    .with_label("`??` is not allowed")
                    .with_help("remove one `?`"),
            );
        }
    }

    #[cold]
    fn duplicate_member(&mut self, member: &MemberNode, first: &MemberNode) {
        let Name { text: name, span } = self.tree.name_at(member.name);
        let mut diagnostic =
            Diagnostic::error(format!("the name `{name}` is defined more than once"), span)
                .with_label(format!("`{name}` redefined here"))
                .with_related(
                    self.tree.name_at(first.name).span,
                    format!("first defined here as a {}", first.tag.keyword()),
                );
        if first.tag != member.tag {
            diagnostic = diagnostic.with_note("types, methods and errors share one namespace");
        }
        self.diagnostics.push(diagnostic);
    }

    #[cold]
    fn invalid_name(&mut self, what: &str, name: Name<'a>, problem: &str) {
        self.diagnostics.push(
            Diagnostic::error(format!("invalid {what} `{}`", name.text), name.span)
                .with_label(problem.to_owned())
                .with_note(name_rule(what)),
        );
    }

    /// Checks the names of a structure's fields or an enumeration's values:
    /// each must be valid and unique in the list.
    fn list_names(&mut self, list: &ListNode) {
        let tree = self.tree;
        let items = &tree.items[list.items.start as usize..list.items.end as usize];
        let what = if list.is_enum {
            "enum value"
        } else {
            match list.role {
                ListRole::Field => "field",
                ListRole::Parameter => "parameter",
                ListRole::Result => "result",
            }
        };
        let mut seen = NameMap::default();
        if items.len() > SHORT_LIST {
            seen.reserve(items.len());
        }
        let mut keys = [0u64; SHORT_LIST];
        for (i, item) in items.iter().enumerate() {
            // Bytes, not `&str`: slicing a `str` checks char boundaries.
            let bytes = tree.bytes(item.name);
            let source = tree.source.as_bytes();
            if !is_valid_field_name(source, item.name, item.name_class) {
                let name = tree.name_at(item.name);
                if let Some(problem) = field_name_problem(name.text) {
                    self.invalid_name(&format!("{what} name"), name, problem);
                }
            }
            let first = if items.len() <= SHORT_LIST {
                // Compare keys first: most pairs differ there, and a key
                // costs two loads where a string comparison is a call.
                let key = name_key(source, item.name);
                keys[i] = key;
                (0..i)
                    .find(|&j| keys[j] == key && tree.bytes(items[j].name) == bytes)
                    .map(|j| tree.name_at(items[j].name))
            } else {
                let first = seen.get(bytes).copied();
                if first.is_none() {
                    seen.insert(bytes, tree.name_at(item.name));
                }
                first
            };
            if let Some(first) = first {
                self.duplicate_list_item(what, tree.name_at(item.name), first);
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

    /// Checks that the type name `key` stands for refers to a declared type.
    fn reference(&mut self, key: NameKey) {
        let range = key.range();
        match self.members.get(key) {
            Some(index) if self.tree.members[index].tag == MemberTag::Type => {}
            Some(index) => {
                let Name { text: name, span } = self.tree.name_at(range);
                let member = &self.tree.members[index];
                self.diagnostics.push(
                    Diagnostic::error(
                        format!("`{name}` is {}, not a type", article(member.tag.keyword())),
                        span,
                    )
                    .with_label("expected a type")
                    .with_related(
                        self.tree.name_at(member.name).span,
                        format!("`{name}` is declared here"),
                    ),
                )
            }
            None => {
                let Name { text: name, span } = self.tree.name_at(range);
                self.undefined_type(name, span)
            }
        }
    }

    #[cold]
    fn undefined_type(&mut self, name: &'a str, span: Span) {
        let mut diagnostic =
            Diagnostic::error(format!("cannot find type `{name}` in this interface"), span)
                .with_label("not declared");
        if let Some(suggestion) = self.similar_type(name) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        }
        self.diagnostics.push(diagnostic);
    }

    /// The builtin or declared type whose name is closest to `name`, if
    /// any is close. Each name is looked up once, however often it is used.
    fn similar_type(&mut self, name: &'a str) -> Option<&'a str> {
        if let Some(&hint) = self.hints.get(name.as_bytes()) {
            return hint;
        }
        let hint = self.closest_type(name);
        self.hints.insert(name.as_bytes(), hint);
        hint
    }

    fn closest_type(&mut self, name: &str) -> Option<&'a str> {
        let lower = name.to_ascii_lowercase();
        // A builtin written with capitals (`Int`, `String`).
        if let Some(builtin) = BUILTIN_TYPES.iter().find(|builtin| **builtin == lower) {
            return Some(builtin);
        }
        let mut best: Option<(usize, &'a str)> = None;
        for member in self.tree.members.iter() {
            if member.tag != MemberTag::Type {
                continue;
            }
            let candidate = self.tree.text(member.name);
            // Up to a third of the letters may differ, and one in a name of
            // two or three; a one-letter name is only hinted when it differs
            // in case (else any `X` would be "like" any `T`). The distance
            // is at least the difference in length: most names need no count.
            let limit = match candidate.len() {
                0 | 1 => 0,
                len => (len / 3).max(1),
            };
            if candidate.len().abs_diff(name.len()) > limit {
                continue;
            }
            // Out of budget: no hint rather than one from half the types.
            self.hint_budget = self.hint_budget.checked_sub(1)?;
            let distance = strsim::levenshtein(&lower, &candidate.to_ascii_lowercase());
            if distance <= limit && best.is_none_or(|best| (distance, candidate) < best) {
                best = Some((distance, candidate));
            }
        }
        best.map(|(_, candidate)| candidate)
    }
}

/// The builtin type names, for hints.
const BUILTIN_TYPES: [&str; 6] = ["bool", "int", "float", "string", "object", "any"];

/// How many names the "did you mean" hints of one file may compare, all
/// together. Each undefined name is compared with every declared type of
/// a similar length; a file with thousands of misspelt references would
/// otherwise take minutes, and past the first few hundred errors a hint
/// helps nobody.
const HINT_BUDGET: usize = 200_000;

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

/// Whether the lexer's class bits of a name (see `Lexer::scan_word`) show it valid as a type,
/// method or error name without another look at its bytes: an uppercase
/// letter first, then only letters and digits.
#[inline]
fn is_plain_member_name(class: u8) -> bool {
    class & class::UPPER != 0 && class & (class::UNDERSCORE | class::DOT | class::HYPHEN) == 0
}

/// Whether the name at `name` in `source` is valid as a field or enum
/// value name, from the lexer's class bits (see `Lexer::scan_word`) and,
/// for names with `_`, where the `_`s stand: a letter first, then letters,
/// digits and single inner `_`. The full check runs only on names that
/// fail this one.
#[inline]
fn is_valid_field_name(source: &[u8], name: Range32, class: u8) -> bool {
    // `&`, not `&&`: whether a name has `_` is as good as random, and a
    // branch on it mispredicted.
    let shape =
        (class & (class::UPPER | class::LOWER) != 0) & (class & (class::DOT | class::HYPHEN) == 0);
    let (start, end) = (name.start as usize, name.end as usize);
    let len = end - start;
    if len <= 16 {
        // Names of up to 16 bytes, almost all: one mask of their `_`s.
        let mask = underscores(&source[start..], len);
        return shape & (mask & (mask >> 1) == 0) & (mask >> (len - 1) == 0);
    }
    shape && (class & class::UNDERSCORE == 0 || underscores_single_and_inner(&source[start..end]))
}

/// For a name of letters, digits and `_`: whether no `_` follows another
/// or ends the name. Without branches per byte: a branch on every `_`
/// mispredicted often.
fn underscores_single_and_inner(bytes: &[u8]) -> bool {
    let mut bad = false;
    let mut previous = false;
    for &byte in bytes {
        let underscore = byte == b'_';
        bad |= previous & underscore;
        previous = underscore;
    }
    !(bad | previous)
}

/// Whether the item names of a list need the full check of
/// [`Validator::list_names`]: some name may be invalid, or two may be
/// equal. The parser adds each name as it reads it, while the name is in
/// the cache and within the loop it runs anyway (a loop of its own over
/// the names mispredicted its end on most lists, as their lengths vary).
/// Not flagged means neither, so the validator skips the list.
///
/// Repeats are caught by a 256-bit set of the names' keys: a bit seen
/// twice flags the list, and the full check then tells a real repeat from
/// two keys that share a bit (a few lists in a hundred).
#[derive(Default)]
pub(super) struct ListCheck {
    seen: [u64; 4],
    repeat: u64,
    invalid: bool,
}

impl ListCheck {
    /// Adds the name at `name` in `source`, with its class bits.
    #[inline(always)]
    pub(super) fn add(&mut self, source: &[u8], name: Range32, class: u8) {
        self.invalid |= !is_valid_field_name(source, name, class);
        // The top bits of a multiplied key spread names over the set.
        let bit = name_key(source, name).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56;
        let (word, mask) = ((bit >> 6) as usize, 1u64 << (bit & 63));
        self.repeat |= self.seen[word] & mask;
        self.seen[word] |= mask;
    }

    pub(super) fn needs_check(&self) -> bool {
        self.invalid || self.repeat != 0
    }
}

/// A 64-bit digest of the name at `name` in `source` from its length and
/// first and last eight bytes: equal names have equal keys, and names in
/// one list seldom share one. Eight bytes are read at the name's start
/// wherever the source has them, and what lies past the name is masked
/// off: a shorter copy was a call to `memcpy`.
#[inline]
fn name_key(source: &[u8], name: Range32) -> u64 {
    let (start, end) = (name.start as usize, name.end as usize);
    let len = end - start;
    let word = |at: usize| {
        source.get(at..at + 8).map(|bytes| {
            let mut word = [0; 8];
            word.copy_from_slice(bytes);
            u64::from_le_bytes(word)
        })
    };
    let head = match word(start) {
        Some(word) if len >= 8 => word,
        Some(word) => word & ((1u64 << (8 * len)) - 1),
        None => source[start..end]
            .iter()
            .rev()
            .fold(0, |word, &byte| word << 8 | u64::from(byte)),
    };
    let tail = if len > 8 {
        word(end - 8).unwrap_or(0)
    } else {
        0
    };
    head ^ tail.rotate_left(31) ^ ((len as u64) << 56)
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

    #[test]
    fn class_shortcuts_agree_with_the_rules() {
        let names = [
            "a",
            "A",
            "ab_c",
            "a__b",
            "a_",
            "_a",
            "1a",
            "A1",
            "Foo",
            "foo",
            "Foo_Bar",
            "a.b",
            "a-b",
            "FooBar9",
            "x1y2",
            "Z",
            "abcdefghij_",
            "Abcdefghijk.l",
            "a_b_c",
            "a_b__c",
            "Ab_",
            "a_1",
        ];
        let class = super::super::lexer::word_class;
        for name in names {
            let range = Range32::new(0, name.len());
            assert_eq!(
                is_valid_field_name(name.as_bytes(), range, class(name)),
                field_name_problem(name).is_none(),
                "{name}"
            );
            if is_plain_member_name(class(name)) {
                assert_eq!(member_name_problem(name), None, "{name}");
            }
        }
        assert!(is_plain_member_name(class("FooBar2")));
    }

    #[test]
    fn name_keys_are_equal_for_equal_names() {
        // The same name at different places, with different bytes after
        // it and near the end of the text, where fewer than eight bytes
        // follow its start.
        let key = |text: &str, name: &str| {
            let start = text.find(name).expect("the name is in the text");
            name_key(text.as_bytes(), Range32::new(start, start + name.len()))
        };
        for name in ["a", "abc", "abcdefgh", "abcdefghi", "a_long_field_name"] {
            let at_end = key(&format!("x {name}"), name);
            assert_eq!(key(&format!("{name} more text after it"), name), at_end);
            assert_eq!(key(&format!("yy ({name}: int)"), name), at_end);
        }
        assert_ne!(key("abc", "abc"), key("abd", "abd"));
        assert_ne!(
            key("a_long_field_name", "a_long_field_name"),
            key("a_long_field_nama", "a_long_field_nama")
        );
    }
}
