//! Recursive-descent parser for the UAPI.20 interface grammar.
//!
//! The parser checks the shape of the text; whether names follow the name
//! rules and whether references resolve is the validator's job, so that it
//! can report all such problems at once. A syntax error stops parsing: what
//! follows a broken bracket cannot be read reliably, and a second message
//! about it would only confuse.

use super::ast::*;
use super::lexer::{Lexer, Token, TokenKind};
use super::members::{NameKey, Reference};
use super::spare::Kept;
use super::validate::ListCheck;
use crate::diagnostic::{Diagnostic, Diagnostics};

/// How deeply type expressions may nest. Real interfaces use a handful of
/// levels; the bound keeps every recursive stage (this parser, the
/// validator, the formatter, the generator) clear of stack overflows on
/// hostile input.
pub const MAX_NESTING: usize = 64;

/// Errors are boxed: they are rare, and a small `Result` keeps the hot
/// path (every token) cheap.
type PResult<T> = Result<T, Box<Diagnostic>>;

/// Parses `source` into a syntax tree without validating names and
/// references. Most callers want [`super::parse`], which also validates.
/// A syntax error stops parsing, so the error holds one diagnostic.
pub fn parse_syntax(source: &str) -> Result<Interface<'_>, Diagnostics> {
    // Node indices are `u32`; a text this long is not an interface.
    if u32::try_from(source.len()).is_err() {
        return Err(Diagnostics::from(Diagnostic::error(
            "the file is too large (the limit is 4 GiB)",
            Span::new(0, 0),
        )));
    }
    let mut parser = Parser::new(source);
    parser
        .interface()
        .map_err(|diagnostic| Diagnostics::from(*diagnostic))?;
    let mut tree = parser.tree;
    tree.comment_store = parser.lexer.comments;
    Ok(tree)
}

/// Adds a note to a boxed diagnostic.
fn note(mut diagnostic: Box<Diagnostic>, note: &str) -> Box<Diagnostic> {
    diagnostic.notes.push(note.to_owned());
    diagnostic
}

/// The note for lists that mix fields and names.
const MIXED_LIST: &str =
    "a list is either all `name: type` fields (a structure) or all names (an enumeration)";

/// The tag of the type written as the word from `start` to `end` of
/// `source`: a builtin type or a name. The first byte picks the one keyword
/// it can be (a name starts with an uppercase letter, so it is decided
/// there), from a table rather than a `match`, whose jump table was an
/// indirect branch per type that mispredicted often. The word is then
/// compared as one 64-bit load where eight bytes remain (a slice
/// comparison was a call to `memcmp`).
#[inline]
fn word_type(source: &[u8], start: usize, end: usize) -> TypeTag {
    /// A keyword's bytes as a little-endian word, zero-padded.
    const fn packed(keyword: &[u8]) -> u64 {
        let mut word = 0;
        let mut at = keyword.len();
        while at > 0 {
            at -= 1;
            word = word << 8 | keyword[at] as u64;
        }
        word
    }
    const KEYWORDS: [(&[u8], u64, TypeTag); 7] = [
        (b"", 0, TypeTag::Named),
        (b"bool", packed(b"bool"), TypeTag::Bool),
        (b"int", packed(b"int"), TypeTag::Int),
        (b"float", packed(b"float"), TypeTag::Float),
        (b"string", packed(b"string"), TypeTag::String),
        (b"object", packed(b"object"), TypeTag::Object),
        (b"any", packed(b"any"), TypeTag::Any),
    ];
    static BY_FIRST_BYTE: [u8; 256] = {
        let mut table = [0; 256];
        table[b'b' as usize] = 1;
        table[b'i' as usize] = 2;
        table[b'f' as usize] = 3;
        table[b's' as usize] = 4;
        table[b'o' as usize] = 5;
        table[b'a' as usize] = 6;
        table
    };
    let (keyword, packed_keyword, tag) =
        KEYWORDS[usize::from(BY_FIRST_BYTE[usize::from(source[start])])];
    let len = end - start;
    if len != keyword.len() {
        return TypeTag::Named;
    }
    let same = match source.get(start..start + 8) {
        Some(bytes) => {
            let mut word = [0; 8];
            word.copy_from_slice(bytes);
            // `len` is below 8: keywords are.
            u64::from_le_bytes(word) & ((1u64 << (8 * len)) - 1) == packed_keyword
        }
        None => &source[start..end] == keyword,
    };
    if same { tag } else { TypeTag::Named }
}

/// A vector index as a node index; the length check in [`parse_syntax`]
/// keeps every count below `u32::MAX`.
fn index(len: usize) -> u32 {
    len as u32
}

struct Parser<'a> {
    source: &'a str,
    lexer: Lexer<'a>,
    depth: usize,
    /// How many of the lexer's comments have been attached to nodes.
    comments_taken: usize,
    /// The tree being built (its comments live in the lexer until the end).
    tree: Interface<'a>,
    /// Items of the lists being parsed. A list's items are moved to
    /// `tree.items` in one piece when it closes, so that each list's items
    /// stay contiguous although a field's type may hold a list of its own.
    item_stack: Vec<ItemNode>,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        // Rough node counts per byte of typical interfaces, so that the
        // vectors seldom grow; an estimate too high costs only address space.
        let bytes = source.len();
        Parser {
            source,
            lexer: Lexer::new(source),
            depth: 0,
            comments_taken: 0,
            tree: Interface {
                source,
                name: Range32::default(),
                comments: Range32::default(),
                trailing: NONE,
                end_comments: Range32::default(),
                members: Kept::with_capacity(bytes / 200),
                lists: Kept::with_capacity(bytes / 96),
                items: Kept::with_capacity(bytes / 32),
                types: Kept::with_capacity(bytes / 24),
                comment_store: Vec::new(),
                to_check: ToCheck {
                    member_keys: Kept::with_capacity(bytes / 200),
                    named_types: Kept::with_capacity(bytes / 200),
                    double_optionals: Vec::new(),
                    lists: Vec::new(),
                },
            },
            item_stack: Vec::with_capacity(64),
        }
    }

    /// Consumes a one-byte token the caller has seen with `peek`.
    #[inline(always)]
    fn bump_byte(&mut self) {
        self.lexer.advance(self.lexer.pos + 1);
    }

    /// Whether the lookahead is the word `word`.
    fn at_word(&self, word: &str) -> bool {
        self.lexer
            .scan_word()
            .is_some_and(|(end, _)| &self.source[self.lexer.pos..end] == word)
    }

    /// Describes the lookahead token `tok` for "found ..." messages.
    fn found(&self, tok: Token) -> String {
        match tok.kind {
            TokenKind::Eof => "end of file".to_owned(),
            _ => format!("`{}`", &self.source[tok.span().range()]),
        }
    }

    /// An "expected X, found Y" error. When the unexpected token starts a
    /// later line, the caret goes right after the previous token: that is
    /// where something is missing (an unclosed `(` is reported at its last
    /// field, not at the next declaration).
    #[cold]
    fn expected(&self, what: &str) -> Box<Diagnostic> {
        self.expected_where(what, true)
    }

    /// An "expected X, found Y" error at the unexpected token itself, for
    /// places where a wrong word stands rather than a missing one.
    #[cold]
    fn unexpected(&self, what: &str) -> Box<Diagnostic> {
        self.expected_where(what, false)
    }

    fn expected_where(&self, what: &str, may_be_missing: bool) -> Box<Diagnostic> {
        let tok = self.lexer.token();
        let found = self.found(tok);
        let message = format!("expected {what}, found {found}");
        let missing_before_next_line =
            may_be_missing && (tok.newline_before || tok.kind == TokenKind::Eof);
        let prev_end = self.lexer.prev_end;
        let span = if missing_before_next_line {
            Span::new(prev_end, prev_end)
        } else {
            tok.span()
        };
        let mut diagnostic =
            Diagnostic::error(message, span).with_label(format!("expected {what}"));
        if missing_before_next_line && tok.kind != TokenKind::Eof {
            diagnostic = diagnostic.with_related(tok.span(), format!("found {found}"));
        }
        Box::new(diagnostic)
    }

    /// Consumes the one-byte token `byte` and returns where it started.
    #[inline(always)]
    fn expect_byte(&mut self, byte: u8, what: &str) -> PResult<usize> {
        if self.lexer.peek() == byte {
            let start = self.lexer.pos;
            self.bump_byte();
            Ok(start)
        } else {
            Err(self.expected(what))
        }
    }

    /// A name, with the class bits of its bytes for the validator.
    #[inline(always)]
    fn name(&mut self, what: &str) -> PResult<(Range32, u8)> {
        let Some((end, class)) = self.lexer.scan_word() else {
            return Err(self.expected(what));
        };
        let range = Range32::new(self.lexer.pos, end);
        self.lexer.advance(end);
        Ok((range, class))
    }

    /// Takes a comment that ends the line of what was just parsed: the
    /// first comment not yet taken, if it does not start its own line.
    #[inline(always)]
    fn trailing_comment(&mut self) -> u32 {
        let next = self.comments_taken;
        if next >= self.lexer.comments_before() {
            return NONE;
        }
        match self.lexer.own_line.get(next) {
            Some(false) => {
                self.comments_taken += 1;
                index(next)
            }
            _ => NONE,
        }
    }

    /// Takes every comment seen since the last node as the leading comments
    /// of the next one.
    #[inline(always)]
    fn leading_comments(&mut self) -> Range32 {
        let start = self.comments_taken;
        let end = self.lexer.comments_before();
        if start < end {
            // A blank line before the first comment only separates it from
            // the previous node, which the formatter does anyway.
            self.lexer.comments[start].blank_line_before = false;
            self.comments_taken = end;
        }
        Range32::new(start, end)
    }

    fn interface(&mut self) -> PResult<()> {
        self.tree.comments = self.leading_comments();
        if !self.at_word("interface") {
            return Err(note(
                self.unexpected("`interface`"),
                "an interface definition starts with `interface` and the interface name",
            ));
        }
        self.lexer.advance(self.lexer.pos + "interface".len());
        // A comment between `interface` and the name (an odd place) joins
        // the comments before the keyword, which it follows in the store:
        // left for the next node, it would document the first member.
        let inside = self.lexer.comments_before();
        if self.comments_taken < inside {
            self.tree.comments.end = index(inside);
            self.comments_taken = inside;
        }
        self.tree.name = self.name("an interface name")?.0;
        self.tree.trailing = self.trailing_comment();
        while !self.lexer.at_eof() {
            if !self.lexer.newline_before {
                let after = if self.tree.members.is_empty() {
                    "the interface name"
                } else {
                    "a declaration"
                };
                return Err(note(
                    self.expected("a line break"),
                    &format!("{after} must be followed by a line break"),
                ));
            }
            self.member()?;
        }
        if self.tree.members.is_empty() {
            return Err(note(
                self.expected("`type`, `method` or `error`"),
                "an interface declares at least one type, method or error",
            ));
        }
        self.tree.end_comments = self.leading_comments();
        Ok(())
    }

    fn member(&mut self) -> PResult<()> {
        let comments = self.leading_comments();
        let start = self.lexer.pos;
        let (tag, end) = match self.lexer.scan_word() {
            Some((end, _)) => match &self.source.as_bytes()[start..end] {
                b"type" => (MemberTag::Type, end),
                b"method" => (MemberTag::Method, end),
                b"error" => (MemberTag::Error, end),
                _ => return Err(self.unexpected("`type`, `method` or `error`")),
            },
            None => return Err(self.unexpected("`type`, `method` or `error`")),
        };
        self.lexer.advance(end);
        // A static message per keyword: `format!` on every member cost an
        // allocation for a text that is only read on error.
        let (name, name_class) = self.name(match tag {
            MemberTag::Type => "a name after `type`",
            MemberTag::Method => "a name after `method`",
            MemberTag::Error => "a name after `error`",
        })?;
        let (list, output) = match tag {
            MemberTag::Type => {
                let open = self.expect_byte(b'(', "`(`").map_err(|d| {
                    note(d, "a type declaration is a structure `(name: type, ...)` or an enumeration `(a, b, ...)`")
                })?;
                (self.paren_body(open, ListRole::Field)?, NONE)
            }
            MemberTag::Method => {
                let input = self.parameters("method parameters", ListRole::Parameter)?;
                if !self.lexer.at_arrow() {
                    return Err(self.expected("`->`"));
                }
                self.lexer.advance(self.lexer.pos + 2);
                let output = self.parameters("method results", ListRole::Result)?;
                (input, output)
            }
            MemberTag::Error => (self.parameters("error parameters", ListRole::Field)?, NONE),
        };
        let trailing = self.trailing_comment();
        let key = NameKey::new(self.source.as_bytes(), name);
        self.tree.to_check.member_keys.push(key);
        self.tree.members.push(MemberNode {
            name,
            name_class,
            span: Range32::new(start, self.lexer.prev_end),
            comments,
            trailing,
            tag,
            list,
            output,
        });
        Ok(())
    }

    /// A parameter list: `(` fields `)`, never an enumeration.
    fn parameters(&mut self, what: &str, role: ListRole) -> PResult<u32> {
        let open = self.expect_byte(b'(', "`(`")?;
        let list = self.paren_body(open, role)?;
        let node = &self.tree.lists[list as usize];
        if node.is_enum {
            return Err(Box::new(
                Diagnostic::error(
                    format!("{what} must be `name: type` fields"),
                    Span::new(node.span.start as usize, node.span.end as usize),
                )
                .with_label("this is a list of names without types"),
            ));
        }
        Ok(list)
    }

    /// Everything after `(` (which starts at `open`): decides between
    /// structure and enumeration by what follows the first name. Returns
    /// the index of the list.
    fn paren_body(&mut self, open: usize, role: ListRole) -> PResult<u32> {
        let mark = self.item_stack.len();
        // A comment that ends a line before the first item, usually the
        // line of `(`, is the list's, not the first item's documentation
        // (which starts on a line of its own).
        let open_comment = self.trailing_comment();
        let (is_enum, needs_check) = if self.lexer.peek() == b')' {
            (false, false)
        } else {
            let comments = self.leading_comments();
            let first = self.name("a field name or `)`")?;
            let is_enum = self.lexer.peek() != b':';
            (is_enum, self.list_items(open, comments, first, is_enum)?)
        };
        // The lookahead is `)`: the comments before it, then the list's
        // items in one piece.
        let end_comments = self.leading_comments();
        self.bump_byte();
        let items_start = self.tree.items.len();
        // One copy of plain data: `drain` moved the items one by one.
        self.tree.items.extend_from_slice(&self.item_stack[mark..]);
        self.item_stack.truncate(mark);
        self.tree.lists.push(ListNode {
            span: Range32::new(open, self.lexer.prev_end),
            items: Range32::new(items_start, self.tree.items.len()),
            end_comments,
            open_comment,
            is_enum,
            role,
        });
        let list = index(self.tree.lists.len() - 1);
        if needs_check {
            self.tree.to_check.lists.push(list);
        }
        Ok(list)
    }

    /// The items of a list from its first name on: fields (`name: type`)
    /// or enumeration values. Returns with `)` as the lookahead, and
    /// whether the validator must check the item names (see
    /// [`ListCheck`]).
    fn list_items(
        &mut self,
        open: usize,
        mut comments: Range32,
        (mut name, mut name_class): (Range32, u8),
        is_enum: bool,
    ) -> PResult<bool> {
        let mut check = ListCheck::default();
        loop {
            check.add(self.source.as_bytes(), name, name_class);
            let ty = if is_enum {
                NONE
            } else {
                self.expect_byte(b':', "`:`")
                    .map_err(|d| note(d, MIXED_LIST))?;
                self.ty()?
            };
            self.item_stack.push(ItemNode {
                name,
                name_class,
                ty,
                comments,
                trailing: NONE,
            });
            let more = self.list_continues(open)?;
            // A comment after the `,`, or before the `)`, on the item's
            // line trails it.
            let trailing = self.trailing_comment();
            if let Some(item) = self.item_stack.last_mut() {
                item.trailing = trailing;
            }
            if !more {
                return Ok(check.needs_check());
            }
            comments = self.leading_comments();
            (name, name_class) = self.name(if is_enum {
                "an enum value"
            } else {
                "a field name"
            })?;
        }
    }

    /// After a list item: consumes `,` and returns true, or sees `)` and
    /// returns false without consuming it.
    #[inline(always)]
    fn list_continues(&mut self, open: usize) -> PResult<bool> {
        match self.lexer.peek() {
            b',' => {
                self.bump_byte();
                Ok(true)
            }
            b')' => Ok(false),
            _ => Err(self.unclosed(open)),
        }
    }

    #[cold]
    fn unclosed(&self, open: usize) -> Box<Diagnostic> {
        let mut diagnostic = self.expected("`,` or `)`");
        diagnostic
            .related
            .push((Span::new(open, open + 1), "unclosed `(`".to_owned()));
        if self.lexer.peek() == b':' {
            diagnostic.notes.push(MIXED_LIST.to_owned());
        }
        diagnostic
    }

    /// Parses a type expression into `tree.types` and returns its index.
    ///
    /// A single word (`int`, `MyType`), most types, is handled here without
    /// the nesting bookkeeping and the placeholder node of the others.
    #[inline]
    fn ty(&mut self) -> PResult<u32> {
        let start = self.lexer.pos;
        let word = match self.lexer.scan_word() {
            Some((end, _)) if self.depth < MAX_NESTING => end,
            _ => return self.compound_ty(),
        };
        let tag = word_type(self.source.as_bytes(), start, word);
        self.lexer.advance(word);
        let this = index(self.tree.types.len());
        self.tree.types.push(TypeNode {
            span: Range32::new(start, word),
            list: NONE,
            tag,
        });
        if tag == TypeTag::Named {
            let key = NameKey::new(self.source.as_bytes(), Range32::new(start, word));
            self.tree.to_check.named_types.push(Reference(key));
        }
        Ok(this)
    }

    /// A type that is not a single word: `?T`, `[]T`, `[string]T`, `(...)`;
    /// or an error, also for a word nested too deeply.
    fn compound_ty(&mut self) -> PResult<u32> {
        if self.depth >= MAX_NESTING {
            return Err(Box::new(Diagnostic::error(
                format!("type is nested too deeply (the limit is {MAX_NESTING} levels)"),
                self.lexer.token().span(),
            )));
        }
        self.depth += 1;
        let ty = self.ty_inner();
        self.depth -= 1;
        ty
    }

    fn ty_inner(&mut self) -> PResult<u32> {
        let start = self.lexer.pos;
        // Prefix order: this node first, so that the inner type of a prefix
        // is the next node.
        let this = self.tree.types.len();
        self.tree.types.push(TypeNode {
            span: Range32::default(),
            list: NONE,
            tag: TypeTag::Any,
        });
        let (tag, list) = match self.lexer.peek() {
            b'?' => {
                self.bump_byte();
                let inner = self.ty()?;
                if self.tree.types[inner as usize].tag == TypeTag::Optional {
                    self.tree.to_check.double_optionals.push(index(this));
                }
                (TypeTag::Optional, NONE)
            }
            b'[' => {
                self.bump_byte();
                // `[]` and `[string]` are written without spaces.
                let adjacent = self.lexer.pos == start + 1;
                if adjacent && self.lexer.peek() == b']' {
                    self.bump_byte();
                    self.ty()?;
                    (TypeTag::Array, NONE)
                } else if adjacent && self.at_word("string") {
                    self.lexer.advance(self.lexer.pos + "string".len());
                    if self.lexer.peek() != b']' || self.lexer.pos != self.lexer.prev_end {
                        return Err(self.expected("`]` directly after `[string`"));
                    }
                    self.bump_byte();
                    self.ty()?;
                    (TypeTag::Map, NONE)
                } else {
                    return Err(note(
                        self.expected("`]` or `string` directly after `[`"),
                        "arrays are written `[]T` and maps `[string]T`; maps have string keys only",
                    ));
                }
            }
            b'(' => {
                self.bump_byte();
                let list = self.paren_body(start, ListRole::Field)?;
                let tag = if self.tree.lists[list as usize].is_enum {
                    TypeTag::Enum
                } else {
                    TypeTag::Struct
                };
                (tag, list)
            }
            _ => return Err(self.expected("a type")),
        };
        let node = &mut self.tree.types[this];
        node.tag = tag;
        node.list = list;
        node.span = Range32::new(start, self.lexer.prev_end);
        Ok(index(this))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_words_are_keywords_only_when_whole() {
        let cases = [
            ("bool", TypeTag::Bool),
            ("int", TypeTag::Int),
            ("float", TypeTag::Float),
            ("string", TypeTag::String),
            ("object", TypeTag::Object),
            ("any", TypeTag::Any),
            ("strings", TypeTag::Named),
            ("in", TypeTag::Named),
            ("intx", TypeTag::Named),
            ("Bool", TypeTag::Named),
            ("objec", TypeTag::Named),
            ("anz", TypeTag::Named),
            ("b", TypeTag::Named),
        ];
        for (word, tag) in cases {
            // At the end of the text (fewer than eight bytes from the
            // word's start) and followed by more text.
            for text in [format!("x {word}"), format!("x {word}, y: string)\n")] {
                assert_eq!(
                    word_type(text.as_bytes(), 2, 2 + word.len()),
                    tag,
                    "{text:?}"
                );
            }
        }
    }
}
