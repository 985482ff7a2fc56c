//! Recursive-descent parser for the UAPI.20 interface grammar.
//!
//! The parser checks the shape of the text; whether names follow the name
//! rules and whether references resolve is the validator's job, so that it
//! can report all such problems at once. A syntax error stops parsing: what
//! follows a broken bracket cannot be read reliably, and a second message
//! about it would only confuse.

use super::ast::*;
use super::lexer::{Lexer, Token, TokenKind};
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
    let mut parser = Parser::new(source);
    parser
        .interface()
        .map_err(|diagnostic| Diagnostics::from(*diagnostic))
}

/// Adds a note to a boxed diagnostic.
fn note(mut diagnostic: Box<Diagnostic>, note: &str) -> Box<Diagnostic> {
    diagnostic.notes.push(note.to_owned());
    diagnostic
}

/// The note for lists that mix fields and names.
const MIXED_LIST: &str =
    "a list is either all `name: type` fields (a structure) or all names (an enumeration)";

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// The lookahead token.
    tok: Token,
    /// Where the last consumed token ended.
    prev_end: usize,
    depth: usize,
}

/// What a parenthesised list turned out to be.
enum Paren<'a> {
    Struct(Struct<'a>),
    Enum(Enum<'a>),
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        let mut lexer = Lexer::new(source);
        let tok = lexer.next_token();
        Parser {
            lexer,
            tok,
            prev_end: 0,
            depth: 0,
        }
    }

    fn bump(&mut self) -> Token {
        let tok = self.tok;
        self.prev_end = tok.span.end;
        self.tok = self.lexer.next_token();
        tok
    }

    fn text(&self, tok: Token) -> &'a str {
        self.lexer.text(tok.span)
    }

    fn at_word(&self, word: &str) -> bool {
        self.tok.kind == TokenKind::Word && self.text(self.tok) == word
    }

    /// Describes the lookahead token for "found ..." messages.
    fn found(&self) -> String {
        match self.tok.kind {
            TokenKind::Eof => "end of file".to_owned(),
            TokenKind::Word => format!("`{}`", self.text(self.tok)),
            _ => format!("`{}`", self.text(self.tok)),
        }
    }

    /// An "expected X, found Y" error. When the unexpected token starts a
    /// later line, the caret goes right after the previous token: that is
    /// where something is missing (an unclosed `(` is reported at its last
    /// field, not at the next declaration).
    fn expected(&self, what: &str) -> Box<Diagnostic> {
        self.expected_where(what, true)
    }

    /// An "expected X, found Y" error at the unexpected token itself, for
    /// places where a wrong word stands rather than a missing one.
    fn unexpected(&self, what: &str) -> Box<Diagnostic> {
        self.expected_where(what, false)
    }

    fn expected_where(&self, what: &str, may_be_missing: bool) -> Box<Diagnostic> {
        let message = format!("expected {what}, found {}", self.found());
        let missing_before_next_line =
            may_be_missing && (self.tok.newline_before || self.tok.kind == TokenKind::Eof);
        let span = if missing_before_next_line {
            Span::new(self.prev_end, self.prev_end)
        } else {
            self.tok.span
        };
        let mut diagnostic =
            Diagnostic::error(message, span).with_label(format!("expected {what}"));
        if missing_before_next_line && self.tok.kind != TokenKind::Eof {
            diagnostic = diagnostic.with_related(self.tok.span, format!("found {}", self.found()));
        }
        Box::new(diagnostic)
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> PResult<Token> {
        if self.tok.kind == kind {
            Ok(self.bump())
        } else {
            Err(self.expected(what))
        }
    }

    fn name(&mut self, what: &str) -> PResult<Name<'a>> {
        let tok = self.expect(TokenKind::Word, what)?;
        Ok(Name {
            text: self.text(tok),
            span: tok.span,
        })
    }

    /// Takes a comment that ends the line of what was just parsed.
    fn trailing_comment(&mut self) -> Option<Comment<'a>> {
        let first = self.lexer.comments.first()?;
        if first.own_line {
            return None;
        }
        Some(self.lexer.comments.remove(0).comment)
    }

    /// Takes every comment seen since the last node as the leading comments
    /// of the next one.
    fn leading_comments(&mut self) -> Vec<Comment<'a>> {
        // Most nodes have no comments: skip building an empty `Drain`.
        if self.lexer.comments.is_empty() {
            return Vec::new();
        }
        let mut comments: Vec<Comment<'a>> = self
            .lexer
            .comments
            .drain(..)
            .map(|pending| pending.comment)
            .collect();
        // A blank line before the first comment only separates it from the
        // previous node, which the formatter does anyway.
        if let Some(first) = comments.first_mut() {
            first.blank_line_before = false;
        }
        comments
    }

    fn interface(&mut self) -> PResult<Interface<'a>> {
        let comments = self.leading_comments();
        if !self.at_word("interface") {
            return Err(note(
                self.unexpected("`interface`"),
                "an interface definition starts with `interface` and the interface name",
            ));
        }
        self.bump();
        let name = self.name("an interface name")?;
        let trailing_comment = self.trailing_comment();
        let mut members = Vec::new();
        while self.tok.kind != TokenKind::Eof {
            if !self.tok.newline_before {
                let after = if members.is_empty() {
                    "the interface name"
                } else {
                    "a declaration"
                };
                return Err(note(
                    self.expected("a line break"),
                    &format!("{after} must be followed by a line break"),
                ));
            }
            members.push(self.member()?);
        }
        if members.is_empty() {
            return Err(note(
                self.expected("`type`, `method` or `error`"),
                "an interface declares at least one type, method or error",
            ));
        }
        let end_comments = self.leading_comments();
        Ok(Interface {
            comments,
            trailing_comment,
            name,
            members,
            end_comments,
        })
    }

    fn member(&mut self) -> PResult<Member<'a>> {
        let comments = self.leading_comments();
        let keyword = self.tok;
        let kind_word = match self.tok.kind {
            TokenKind::Word => self.text(keyword),
            _ => "",
        };
        if !matches!(kind_word, "type" | "method" | "error") {
            return Err(self.unexpected("`type`, `method` or `error`"));
        }
        self.bump();
        // A static message per keyword: `format!` on every member cost an
        // allocation for a text that is only read on error.
        let name = self.name(match kind_word {
            "type" => "a name after `type`",
            "method" => "a name after `method`",
            _ => "a name after `error`",
        })?;
        let kind = match kind_word {
            "type" => {
                let open = self.tok.span;
                self.expect(TokenKind::LParen, "`(`").map_err(|d| {
                    note(d, "a type declaration is a structure `(name: type, ...)` or an enumeration `(a, b, ...)`")
                })?;
                MemberKind::Type(match self.paren_body(open)? {
                    Paren::Struct(fields) => TypeDef::Struct(fields),
                    Paren::Enum(variants) => TypeDef::Enum(variants),
                })
            }
            "method" => {
                let input = self.parameters("method parameters")?;
                self.expect(TokenKind::Arrow, "`->`")?;
                let output = self.parameters("method results")?;
                MemberKind::Method { input, output }
            }
            _ => MemberKind::Error(self.parameters("error parameters")?),
        };
        Ok(Member {
            comments,
            trailing_comment: self.trailing_comment(),
            name,
            kind,
            span: keyword.span.to(Span::new(self.prev_end, self.prev_end)),
        })
    }

    /// A parameter list: `(` fields `)`, never an enumeration.
    fn parameters(&mut self, what: &str) -> PResult<Struct<'a>> {
        let open = self.tok.span;
        self.expect(TokenKind::LParen, "`(`")?;
        match self.paren_body(open)? {
            Paren::Struct(fields) => Ok(fields),
            Paren::Enum(variants) => Err(Box::new(
                Diagnostic::error(format!("{what} must be `name: type` fields"), variants.span)
                    .with_label("this is a list of names without types"),
            )),
        }
    }

    /// Everything after `(`: decides between structure and enumeration by
    /// what follows the first name.
    fn paren_body(&mut self, open: Span) -> PResult<Paren<'a>> {
        if self.tok.kind == TokenKind::RParen {
            let end_comments = self.leading_comments();
            let close = self.bump();
            return Ok(Paren::Struct(Struct {
                fields: Vec::new(),
                end_comments,
                span: open.to(close.span),
            }));
        }
        let comments = self.leading_comments();
        let first = self.name("a field name or `)`")?;
        if self.tok.kind == TokenKind::Colon {
            self.struct_fields(open, comments, first).map(Paren::Struct)
        } else {
            self.enum_variants(open, comments, first).map(Paren::Enum)
        }
    }

    fn struct_fields(
        &mut self,
        open: Span,
        mut comments: Vec<Comment<'a>>,
        mut name: Name<'a>,
    ) -> PResult<Struct<'a>> {
        let mut fields: Vec<Field<'a>> = Vec::new();
        loop {
            self.expect(TokenKind::Colon, "`:`")
                .map_err(|d| note(d, MIXED_LIST))?;
            let ty = self.ty()?;
            fields.push(Field {
                comments,
                trailing_comment: None,
                name,
                ty,
            });
            if !self.list_continues(open)? {
                break;
            }
            let trailing = self.trailing_comment();
            if let Some(previous) = fields.last_mut() {
                previous.trailing_comment = trailing;
            }
            comments = self.leading_comments();
            name = self.name("a field name")?;
        }
        let (end_comments, span) = self.close_list(open, |trailing| {
            if let Some(last) = fields.last_mut() {
                last.trailing_comment = trailing;
            }
        });
        Ok(Struct {
            fields,
            end_comments,
            span,
        })
    }

    fn enum_variants(
        &mut self,
        open: Span,
        mut comments: Vec<Comment<'a>>,
        mut name: Name<'a>,
    ) -> PResult<Enum<'a>> {
        let mut variants: Vec<Variant<'a>> = Vec::new();
        loop {
            variants.push(Variant {
                comments,
                trailing_comment: None,
                name,
            });
            if !self.list_continues(open)? {
                break;
            }
            let trailing = self.trailing_comment();
            if let Some(previous) = variants.last_mut() {
                previous.trailing_comment = trailing;
            }
            comments = self.leading_comments();
            name = self.name("an enum value")?;
        }
        let (end_comments, span) = self.close_list(open, |trailing| {
            if let Some(last) = variants.last_mut() {
                last.trailing_comment = trailing;
            }
        });
        Ok(Enum {
            variants,
            end_comments,
            span,
        })
    }

    /// After a list item: consumes `,` and returns true, or sees `)` and
    /// returns false without consuming it.
    fn list_continues(&mut self, open: Span) -> PResult<bool> {
        match self.tok.kind {
            TokenKind::Comma => {
                self.bump();
                Ok(true)
            }
            TokenKind::RParen => Ok(false),
            _ => {
                let mut diagnostic = self.expected("`,` or `)`");
                diagnostic.related.push((open, "unclosed `(`".to_owned()));
                if self.tok.kind == TokenKind::Colon {
                    diagnostic.notes.push(MIXED_LIST.to_owned());
                }
                Err(diagnostic)
            }
        }
    }

    /// Consumes the `)` the lookahead holds, handing a comment that trails
    /// the last item to `set_trailing`; returns the remaining comments and
    /// the span of the whole list.
    fn close_list(
        &mut self,
        open: Span,
        set_trailing: impl FnOnce(Option<Comment<'a>>),
    ) -> (Vec<Comment<'a>>, Span) {
        set_trailing(self.trailing_comment());
        let end_comments = self.leading_comments();
        let close = self.bump();
        (end_comments, open.to(close.span))
    }

    fn ty(&mut self) -> PResult<Type<'a>> {
        if self.depth >= MAX_NESTING {
            return Err(Box::new(Diagnostic::error(
                format!("type is nested too deeply (the limit is {MAX_NESTING} levels)"),
                self.tok.span,
            )));
        }
        self.depth += 1;
        let ty = self.ty_inner();
        self.depth -= 1;
        ty
    }

    fn ty_inner(&mut self) -> PResult<Type<'a>> {
        let start = self.tok.span;
        let kind = match self.tok.kind {
            TokenKind::Question => {
                self.bump();
                TypeKind::Optional(Box::new(self.ty()?))
            }
            TokenKind::LBracket => {
                self.bump();
                if self.tok.kind == TokenKind::RBracket && self.tok.span.start == start.end {
                    self.bump();
                    TypeKind::Array(Box::new(self.ty()?))
                } else if self.at_word("string") && self.tok.span.start == start.end {
                    self.bump();
                    let close = self.tok;
                    if close.kind != TokenKind::RBracket || close.span.start != self.prev_end {
                        return Err(self.expected("`]` directly after `[string`"));
                    }
                    self.bump();
                    TypeKind::Map(Box::new(self.ty()?))
                } else {
                    return Err(note(
                        self.expected("`]` or `string` directly after `[`"),
                        "arrays are written `[]T` and maps `[string]T`; maps have string keys only",
                    ));
                }
            }
            TokenKind::LParen => {
                self.bump();
                match self.paren_body(start)? {
                    Paren::Struct(fields) => TypeKind::Struct(fields),
                    Paren::Enum(variants) => TypeKind::Enum(variants),
                }
            }
            TokenKind::Word => {
                let tok = self.bump();
                match self.text(tok) {
                    "bool" => TypeKind::Bool,
                    "int" => TypeKind::Int,
                    "float" => TypeKind::Float,
                    "string" => TypeKind::String,
                    "object" => TypeKind::Object,
                    "any" => TypeKind::Any,
                    name => TypeKind::Named(name),
                }
            }
            _ => return Err(self.expected("a type")),
        };
        Ok(Type {
            kind,
            span: start.to(Span::new(self.prev_end, self.prev_end)),
        })
    }
}
