//! The syntax tree of a varlink interface definition.
//!
//! The tree is stored flat: one vector per kind of node (members,
//! parenthesised lists, list items, type expressions, comments), the nodes
//! referring to each other by index. Parsing appends to these few vectors
//! instead of allocating a vector or a box per node, and dropping the tree
//! frees them at once; that, more than anything else, makes the front end
//! fast (see `bench/README.md`). Names and comment texts borrow from the
//! source.
//!
//! Callers read the tree through small `Copy` views that pair the tree with
//! one node: [`Member`], [`Struct`], [`Enum`], [`Field`], [`Variant`] and
//! [`Type`]. Every node keeps the byte span it was parsed from, so that later
//! stages (validation, the code generator) can point diagnostics at the
//! exact bytes.

use std::fmt;
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

// ---------------------------------------------------------------------------
// Storage. The parser fills it; the views below read it.

/// The index that stands for "no node" (no trailing comment, no type).
pub(super) const NONE: u32 = u32::MAX;

/// A run of comments in [`Interface::comment_store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct CommentRange {
    pub(super) start: u32,
    pub(super) end: u32,
}

/// The three kinds of member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MemberTag {
    Type,
    Method,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct MemberNode<'a> {
    pub(super) name: Name<'a>,
    /// The lexer's class bits of the name's bytes.
    pub(super) name_class: u8,
    /// From the keyword to the closing parenthesis.
    pub(super) span: Span,
    pub(super) comments: CommentRange,
    pub(super) trailing: u32,
    pub(super) tag: MemberTag,
    /// The list of a type or error, or a method's parameters.
    pub(super) list: u32,
    /// A method's results; [`NONE`] for the others.
    pub(super) output: u32,
}

/// What the items of a structure are called in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListRole {
    Field,
    Parameter,
    Result,
}

/// A parenthesised list: a structure or an enumeration.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ListNode {
    /// From `(` to `)`.
    pub(super) span: Span,
    /// Its items, `items[start..end]`.
    pub(super) items_start: u32,
    pub(super) items_end: u32,
    pub(super) end_comments: CommentRange,
    pub(super) is_enum: bool,
    pub(super) role: ListRole,
}

/// A field of a structure (with a type) or a value of an enumeration
/// (`ty` is [`NONE`]).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ItemNode<'a> {
    pub(super) name: Name<'a>,
    /// The lexer's class bits of the name's bytes.
    pub(super) name_class: u8,
    pub(super) ty: u32,
    pub(super) comments: CommentRange,
    pub(super) trailing: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeTag {
    Bool,
    Int,
    Float,
    String,
    Object,
    Any,
    Named,
    Struct,
    Enum,
    Array,
    Map,
    Optional,
}

/// A type expression. Types are stored in prefix order, so the inner type
/// of `[]T`, `[string]T` and `?T` is always the next node.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TypeNode<'a> {
    /// The whole expression, prefixes included.
    pub(super) span: Span,
    pub(super) tag: TypeTag,
    /// The list of an anonymous structure or enumeration.
    pub(super) list: u32,
    /// The name a [`TypeTag::Named`] refers to.
    pub(super) name: &'a str,
}

/// A whole interface definition file.
///
/// Trees compare equal when they hold the same declarations, names,
/// comments and spans; [`Interface::clear_spans`] makes trees of differently
/// laid out texts comparable.
#[derive(Clone, PartialEq)]
pub struct Interface<'a> {
    pub(super) name: Name<'a>,
    pub(super) comments: CommentRange,
    pub(super) trailing: u32,
    pub(super) end_comments: CommentRange,
    pub(super) members: Vec<MemberNode<'a>>,
    pub(super) lists: Vec<ListNode>,
    pub(super) items: Vec<ItemNode<'a>>,
    pub(super) types: Vec<TypeNode<'a>>,
    pub(super) comment_store: Vec<Comment<'a>>,
}

impl<'a> Interface<'a> {
    /// The reverse-domain name, e.g. `org.example.ping`.
    pub fn name(&self) -> Name<'a> {
        self.name
    }

    /// Comments before the `interface` keyword; the last block documents
    /// the interface.
    pub fn comments(&self) -> &[Comment<'a>] {
        self.comment_range(self.comments)
    }

    /// A comment at the end of the `interface` line.
    pub fn trailing_comment(&self) -> Option<Comment<'a>> {
        self.comment(self.trailing)
    }

    /// Comments after the last member.
    pub fn end_comments(&self) -> &[Comment<'a>] {
        self.comment_range(self.end_comments)
    }

    /// The documentation of the interface, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + '_ {
        doc_lines(self.comments())
    }

    /// Types, methods and errors, in source order.
    pub fn members(
        &self,
    ) -> impl ExactSizeIterator<Item = Member<'_, 'a>> + DoubleEndedIterator + Clone {
        self.members.iter().map(|node| Member { tree: self, node })
    }

    /// Finds a member by name.
    pub fn member(&self, name: &str) -> Option<Member<'_, 'a>> {
        self.members().find(|member| member.name().text == name)
    }

    /// Sets every span in the tree, comments included, to
    /// `Span::default()`, so that trees parsed from differently laid out
    /// texts can be compared with `==`.
    pub fn clear_spans(&mut self) {
        let cleared = Span::default();
        self.name.span = cleared;
        for member in &mut self.members {
            member.span = cleared;
            member.name.span = cleared;
        }
        for list in &mut self.lists {
            list.span = cleared;
        }
        for item in &mut self.items {
            item.name.span = cleared;
        }
        for ty in &mut self.types {
            ty.span = cleared;
        }
        for comment in &mut self.comment_store {
            comment.span = cleared;
        }
    }

    fn comment_range(&self, range: CommentRange) -> &[Comment<'a>] {
        &self.comment_store[range.start as usize..range.end as usize]
    }

    fn comment(&self, index: u32) -> Option<Comment<'a>> {
        self.comment_store.get(index as usize).copied()
    }

    fn list(&self, index: u32) -> &ListNode {
        &self.lists[index as usize]
    }

    fn items_of(&self, list: &ListNode) -> &[ItemNode<'a>] {
        &self.items[list.items_start as usize..list.items_end as usize]
    }
}

impl fmt::Debug for Interface<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interface")
            .field("name", &self.name)
            .field("comments", &self.comments())
            .field("trailing_comment", &self.trailing_comment())
            .field("members", &self.members().collect::<Vec<_>>())
            .field("end_comments", &self.end_comments())
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Views.

/// A `type`, `method` or `error` declaration.
#[derive(Clone, Copy)]
pub struct Member<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i MemberNode<'a>,
}

impl<'i, 'a> Member<'i, 'a> {
    /// The declared name.
    pub fn name(&self) -> Name<'a> {
        self.node.name
    }

    /// From the keyword to the closing parenthesis.
    pub fn span(&self) -> Span {
        self.node.span
    }

    /// Comments before the keyword; the last block is the documentation.
    pub fn comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.comments)
    }

    /// A comment at the end of the declaration's last line.
    pub fn trailing_comment(&self) -> Option<Comment<'a>> {
        self.tree.comment(self.node.trailing)
    }

    /// The documentation, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + 'i {
        doc_lines(self.comments())
    }

    /// The keyword that introduces this kind of member.
    pub fn keyword(&self) -> &'static str {
        match self.node.tag {
            MemberTag::Type => "type",
            MemberTag::Method => "method",
            MemberTag::Error => "error",
        }
    }

    /// What is declared.
    pub fn kind(&self) -> MemberKind<'i, 'a> {
        let list = |index| self.tree.list(index);
        match self.node.tag {
            MemberTag::Type => MemberKind::Type(TypeDef::new(self.tree, list(self.node.list))),
            MemberTag::Method => MemberKind::Method {
                input: Struct::new(self.tree, list(self.node.list)),
                output: Struct::new(self.tree, list(self.node.output)),
            },
            MemberTag::Error => MemberKind::Error(Struct::new(self.tree, list(self.node.list))),
        }
    }
}

impl fmt::Debug for Member<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("name", &self.name())
            .field("comments", &self.comments())
            .field("trailing_comment", &self.trailing_comment())
            .field("kind", &self.kind())
            .finish()
    }
}

/// The three kinds of member.
#[derive(Debug, Clone, Copy)]
pub enum MemberKind<'i, 'a> {
    /// `type Name (...)`: a named structure or enumeration.
    Type(TypeDef<'i, 'a>),
    /// `method Name(...) -> (...)`.
    Method {
        /// The input parameters.
        input: Struct<'i, 'a>,
        /// The output parameters.
        output: Struct<'i, 'a>,
    },
    /// `error Name (...)`, with its parameters.
    Error(Struct<'i, 'a>),
}

/// The body of a `type` declaration.
#[derive(Debug, Clone, Copy)]
pub enum TypeDef<'i, 'a> {
    /// A structure. `()` is an empty structure.
    Struct(Struct<'i, 'a>),
    /// An enumeration.
    Enum(Enum<'i, 'a>),
}

impl<'i, 'a> TypeDef<'i, 'a> {
    fn new(tree: &'i Interface<'a>, node: &'i ListNode) -> Self {
        if node.is_enum {
            TypeDef::Enum(Enum { tree, node })
        } else {
            TypeDef::Struct(Struct { tree, node })
        }
    }
}

/// A parenthesised list of typed fields: a structure, or a parameter list.
#[derive(Clone, Copy)]
pub struct Struct<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i ListNode,
}

impl<'i, 'a> Struct<'i, 'a> {
    fn new(tree: &'i Interface<'a>, node: &'i ListNode) -> Self {
        debug_assert!(!node.is_enum, "a parameter list is never an enumeration");
        Struct { tree, node }
    }

    /// The fields in source order.
    pub fn fields(
        &self,
    ) -> impl ExactSizeIterator<Item = Field<'i, 'a>> + DoubleEndedIterator + Clone + 'i {
        let tree = self.tree;
        tree.items_of(self.node)
            .iter()
            .map(move |node| Field { tree, node })
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        (self.node.items_end - self.node.items_start) as usize
    }

    /// Whether the structure has no fields: `()`.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Comments after the last field, before `)`.
    pub fn end_comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.end_comments)
    }

    /// From `(` to `)`.
    pub fn span(&self) -> Span {
        self.node.span
    }
}

impl fmt::Debug for Struct<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Struct")
            .field("fields", &self.fields().collect::<Vec<_>>())
            .field("end_comments", &self.end_comments())
            .finish()
    }
}

/// `name: type` inside a structure.
#[derive(Clone, Copy)]
pub struct Field<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i ItemNode<'a>,
}

impl<'i, 'a> Field<'i, 'a> {
    /// The field name.
    pub fn name(&self) -> Name<'a> {
        self.node.name
    }

    /// The field type.
    pub fn ty(&self) -> Type<'i, 'a> {
        Type {
            tree: self.tree,
            index: self.node.ty,
        }
    }

    /// Comments before the field; the last block is its documentation.
    pub fn comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.comments)
    }

    /// A comment at the end of the field's line.
    pub fn trailing_comment(&self) -> Option<Comment<'a>> {
        self.tree.comment(self.node.trailing)
    }

    /// The documentation, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + 'i {
        doc_lines(self.comments())
    }
}

impl fmt::Debug for Field<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name())
            .field("ty", &self.ty())
            .field("comments", &self.comments())
            .field("trailing_comment", &self.trailing_comment())
            .finish()
    }
}

/// A parenthesised list of names: an enumeration.
#[derive(Clone, Copy)]
pub struct Enum<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i ListNode,
}

impl<'i, 'a> Enum<'i, 'a> {
    /// The values in source order.
    pub fn variants(
        &self,
    ) -> impl ExactSizeIterator<Item = Variant<'i, 'a>> + DoubleEndedIterator + Clone + 'i {
        let tree = self.tree;
        tree.items_of(self.node)
            .iter()
            .map(move |node| Variant { tree, node })
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        (self.node.items_end - self.node.items_start) as usize
    }

    /// Whether the enumeration has no values (the grammar never makes one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Comments after the last value, before `)`.
    pub fn end_comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.end_comments)
    }

    /// From `(` to `)`.
    pub fn span(&self) -> Span {
        self.node.span
    }
}

impl fmt::Debug for Enum<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enum")
            .field("variants", &self.variants().collect::<Vec<_>>())
            .field("end_comments", &self.end_comments())
            .finish()
    }
}

/// One value of an enumeration.
#[derive(Clone, Copy)]
pub struct Variant<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i ItemNode<'a>,
}

impl<'i, 'a> Variant<'i, 'a> {
    /// The value as it appears on the wire.
    pub fn name(&self) -> Name<'a> {
        self.node.name
    }

    /// Comments before the value; the last block is its documentation.
    pub fn comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.comments)
    }

    /// A comment at the end of the value's line.
    pub fn trailing_comment(&self) -> Option<Comment<'a>> {
        self.tree.comment(self.node.trailing)
    }

    /// The documentation, one entry per comment line.
    pub fn doc(&self) -> impl Iterator<Item = &'a str> + 'i {
        doc_lines(self.comments())
    }
}

impl fmt::Debug for Variant<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variant")
            .field("name", &self.name())
            .field("comments", &self.comments())
            .field("trailing_comment", &self.trailing_comment())
            .finish()
    }
}

/// A type expression.
#[derive(Clone, Copy)]
pub struct Type<'i, 'a> {
    tree: &'i Interface<'a>,
    index: u32,
}

impl<'i, 'a> Type<'i, 'a> {
    fn node(&self) -> &'i TypeNode<'a> {
        &self.tree.types[self.index as usize]
    }

    /// The whole expression, prefixes included.
    pub fn span(&self) -> Span {
        self.node().span
    }

    /// What the type is.
    pub fn kind(&self) -> TypeKind<'i, 'a> {
        let node = self.node();
        let tree = self.tree;
        // Prefix order: the inner type of a prefixed one is the next node.
        let inner = Type {
            tree,
            index: self.index + 1,
        };
        match node.tag {
            TypeTag::Bool => TypeKind::Bool,
            TypeTag::Int => TypeKind::Int,
            TypeTag::Float => TypeKind::Float,
            TypeTag::String => TypeKind::String,
            TypeTag::Object => TypeKind::Object,
            TypeTag::Any => TypeKind::Any,
            TypeTag::Named => TypeKind::Named(node.name),
            TypeTag::Struct => TypeKind::Struct(Struct::new(tree, tree.list(node.list))),
            TypeTag::Enum => TypeKind::Enum(Enum {
                tree,
                node: tree.list(node.list),
            }),
            TypeTag::Array => TypeKind::Array(inner),
            TypeTag::Map => TypeKind::Map(inner),
            TypeTag::Optional => TypeKind::Optional(inner),
        }
    }
}

impl fmt::Debug for Type<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind().fmt(f)
    }
}

/// The forms a type expression takes.
#[derive(Debug, Clone, Copy)]
pub enum TypeKind<'i, 'a> {
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
    Struct(Struct<'i, 'a>),
    /// An anonymous enumeration.
    Enum(Enum<'i, 'a>),
    /// `[]T`
    Array(Type<'i, 'a>),
    /// `[string]T`; `[string]()` is a set of strings.
    Map(Type<'i, 'a>),
    /// `?T`
    Optional(Type<'i, 'a>),
}
