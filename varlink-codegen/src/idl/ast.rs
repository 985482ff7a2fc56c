//! The syntax tree of a varlink interface definition.
//!
//! Nodes borrow their names and comment texts from the source, so that
//! parsing allocates only for the lists it builds; every node keeps the byte
//! span it was parsed from, so that later stages (validation, the code
//! generator) can point diagnostics at the exact bytes.

use std::ops::Range;

/// A byte range in the source text, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span that covers both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The span as a range, for slicing the source.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

/// A name as written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name<'a> {
    /// The text of the name.
    pub text: &'a str,
    /// Where it stands.
    pub span: Span,
}

/// A `#` comment.
///
/// Comments on their own lines directly before a declaration or field are
/// its documentation; a comment at the end of a line that holds code is a
/// trailing comment of what stands on that line. Both are kept so that the
/// formatter loses nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment<'a> {
    /// The text after `#`, without the one conventional space after it and
    /// without the line end.
    pub text: &'a str,
    /// The whole comment, `#` included.
    pub span: Span,
    /// Whether an empty line separates this comment from what came before
    /// it. The formatter keeps such breaks between comment blocks, and only
    /// the last block before a declaration is its documentation.
    pub blank_line_before: bool,
}

/// Returns the documentation lines among leading comments: the last block of
/// comments not interrupted by an empty line.
pub fn doc_lines<'s, 'a>(comments: &'s [Comment<'a>]) -> impl Iterator<Item = &'a str> + 's {
    let start = comments
        .iter()
        .rposition(|comment| comment.blank_line_before)
        .unwrap_or(0);
    comments[start..].iter().map(|comment| comment.text)
}

/// A whole interface definition file.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface<'a> {
    /// Comments before the `interface` keyword; the last block documents the
    /// interface.
    pub comments: Vec<Comment<'a>>,
    /// A comment at the end of the `interface` line.
    pub trailing_comment: Option<Comment<'a>>,
    /// The reverse-domain name, e.g. `org.example.ping`.
    pub name: Name<'a>,
    /// Types, methods and errors, in source order.
    pub members: Vec<Member<'a>>,
    /// Comments after the last member.
    pub end_comments: Vec<Comment<'a>>,
}

impl<'a> Interface<'a> {
    /// The documentation of the interface, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + '_ {
        doc_lines(&self.comments)
    }

    /// Finds a member by name.
    pub fn member(&self, name: &str) -> Option<&Member<'a>> {
        self.members.iter().find(|member| member.name.text == name)
    }
}

/// A `type`, `method` or `error` declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// Comments before the keyword; the last block is the documentation.
    pub comments: Vec<Comment<'a>>,
    /// A comment at the end of the declaration's last line.
    pub trailing_comment: Option<Comment<'a>>,
    /// The declared name.
    pub name: Name<'a>,
    /// What is declared.
    pub kind: MemberKind<'a>,
    /// From the keyword to the closing parenthesis.
    pub span: Span,
}

impl<'a> Member<'a> {
    /// The documentation, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + '_ {
        doc_lines(&self.comments)
    }

    /// The keyword that introduces this kind of member.
    pub fn keyword(&self) -> &'static str {
        match self.kind {
            MemberKind::Type(_) => "type",
            MemberKind::Method { .. } => "method",
            MemberKind::Error(_) => "error",
        }
    }
}

/// The three kinds of member.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberKind<'a> {
    /// `type Name (...)`: a named structure or enumeration.
    Type(TypeDef<'a>),
    /// `method Name(...) -> (...)`.
    Method {
        /// The input parameters.
        input: Struct<'a>,
        /// The output parameters.
        output: Struct<'a>,
    },
    /// `error Name (...)`, with its parameters.
    Error(Struct<'a>),
}

/// The body of a `type` declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef<'a> {
    /// A structure. `()` is an empty structure.
    Struct(Struct<'a>),
    /// An enumeration.
    Enum(Enum<'a>),
}

/// A parenthesised list of typed fields: a structure, or a parameter list.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct<'a> {
    /// The fields in source order.
    pub fields: Vec<Field<'a>>,
    /// Comments after the last field, before `)`.
    pub end_comments: Vec<Comment<'a>>,
    /// From `(` to `)`.
    pub span: Span,
}

/// `name: type` inside a structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Field<'a> {
    /// Comments before the field; the last block is its documentation.
    pub comments: Vec<Comment<'a>>,
    /// A comment at the end of the field's line.
    pub trailing_comment: Option<Comment<'a>>,
    /// The field name.
    pub name: Name<'a>,
    /// The field type.
    pub ty: Type<'a>,
}

impl<'a> Field<'a> {
    /// The documentation, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + '_ {
        doc_lines(&self.comments)
    }
}

/// A parenthesised list of names: an enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct Enum<'a> {
    /// The values in source order.
    pub variants: Vec<Variant<'a>>,
    /// Comments after the last value, before `)`.
    pub end_comments: Vec<Comment<'a>>,
    /// From `(` to `)`.
    pub span: Span,
}

/// One value of an enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant<'a> {
    /// Comments before the value; the last block is its documentation.
    pub comments: Vec<Comment<'a>>,
    /// A comment at the end of the value's line.
    pub trailing_comment: Option<Comment<'a>>,
    /// The value as it appears on the wire.
    pub name: Name<'a>,
}

impl<'a> Variant<'a> {
    /// The documentation, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + '_ {
        doc_lines(&self.comments)
    }
}

/// A type expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Type<'a> {
    /// What the type is.
    pub kind: TypeKind<'a>,
    /// The whole expression, prefixes included.
    pub span: Span,
}

/// The forms a type expression takes.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind<'a> {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `float`
    Float,
    /// `string`
    String,
    /// `object`: a foreign, untyped JSON object.
    Object,
    /// `any`: any JSON value but `null`.
    Any,
    /// A reference to a `type` declared in the interface.
    Named(&'a str),
    /// An anonymous structure.
    Struct(Struct<'a>),
    /// An anonymous enumeration.
    Enum(Enum<'a>),
    /// `[]T`
    Array(Box<Type<'a>>),
    /// `[string]T`; `[string]()` is a set of strings.
    Map(Box<Type<'a>>),
    /// `?T`
    Optional(Box<Type<'a>>),
}

impl Interface<'_> {
    /// Sets every span in the tree, comments included, to
    /// `Span::default()`, so that trees parsed from differently laid out
    /// texts can be compared with `==`.
    pub fn clear_spans(&mut self) {
        self.name.span = Span::default();
        clear_comment_spans(&mut self.comments);
        clear_comment_spans(self.trailing_comment.as_mut());
        clear_comment_spans(&mut self.end_comments);
        for member in &mut self.members {
            member.span = Span::default();
            member.name.span = Span::default();
            clear_comment_spans(&mut member.comments);
            clear_comment_spans(member.trailing_comment.as_mut());
            match &mut member.kind {
                MemberKind::Type(TypeDef::Struct(fields)) | MemberKind::Error(fields) => {
                    fields.clear_spans()
                }
                MemberKind::Type(TypeDef::Enum(variants)) => variants.clear_spans(),
                MemberKind::Method { input, output } => {
                    input.clear_spans();
                    output.clear_spans();
                }
            }
        }
    }
}

impl Struct<'_> {
    fn clear_spans(&mut self) {
        self.span = Span::default();
        clear_comment_spans(&mut self.end_comments);
        for field in &mut self.fields {
            field.name.span = Span::default();
            clear_comment_spans(&mut field.comments);
            clear_comment_spans(field.trailing_comment.as_mut());
            field.ty.clear_spans();
        }
    }
}

impl Enum<'_> {
    fn clear_spans(&mut self) {
        self.span = Span::default();
        clear_comment_spans(&mut self.end_comments);
        for variant in &mut self.variants {
            variant.name.span = Span::default();
            clear_comment_spans(&mut variant.comments);
            clear_comment_spans(variant.trailing_comment.as_mut());
        }
    }
}

impl Type<'_> {
    fn clear_spans(&mut self) {
        self.span = Span::default();
        match &mut self.kind {
            TypeKind::Struct(fields) => fields.clear_spans(),
            TypeKind::Enum(variants) => variants.clear_spans(),
            TypeKind::Array(inner) | TypeKind::Map(inner) | TypeKind::Optional(inner) => {
                inner.clear_spans()
            }
            _ => {}
        }
    }
}

fn clear_comment_spans<'c, 'a: 'c>(comments: impl IntoIterator<Item = &'c mut Comment<'a>>) {
    for comment in comments {
        comment.span = Span::default();
    }
}
