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

use super::members::{NameKey, Reference};
use super::spare::Kept;

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
    doc_block(comments).iter().map(|comment| comment.text)
}

/// The documentation among leading comments, as [`doc_lines`] reads it:
/// a slice, which a caller can keep without copying the lines.
pub fn doc_block<'s, 'a>(comments: &'s [Comment<'a>]) -> &'s [Comment<'a>] {
    let start = comments
        .iter()
        .rposition(|comment| comment.blank_line_before)
        .unwrap_or(0);
    &comments[start..]
}

// ---------------------------------------------------------------------------
// Storage. The parser fills it; the views below read it. Nodes hold `u32`
// offsets into the source and indices into the other vectors, which keeps
// them at 16 to 40 bytes.

/// The index that stands for "no node" (no trailing comment, no type).
pub(super) const NONE: u32 = u32::MAX;

/// What [`Interface::counts`] counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) lists: usize,
    pub(crate) fields: usize,
    pub(crate) values: usize,
}

/// A byte range of the source, or a run of nodes in one of the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Range32 {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Range32 {
    pub(super) fn new(start: usize, end: usize) -> Self {
        // The parser refuses texts of 4 GiB and more.
        Range32 {
            start: start as u32,
            end: end as u32,
        }
    }

    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    fn span(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

/// The three kinds of member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MemberTag {
    Type,
    Method,
    Error,
}

impl MemberTag {
    /// The keyword that introduces this kind of member.
    pub(super) fn keyword(self) -> &'static str {
        match self {
            MemberTag::Type => "type",
            MemberTag::Method => "method",
            MemberTag::Error => "error",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct MemberNode {
    pub(super) name: Range32,
    /// From the keyword to the closing parenthesis.
    pub(super) span: Range32,
    /// A run of `comment_store`.
    pub(super) comments: Range32,
    pub(super) trailing: u32,
    /// The list of a type or error, or a method's parameters.
    pub(super) list: u32,
    /// A method's results; [`NONE`] for the others.
    pub(super) output: u32,
    pub(super) tag: MemberTag,
    /// The lexer's class bits of the name (see `Lexer::scan_word`).
    pub(super) name_class: u8,
}

/// What the items of a structure are called in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListRole {
    Field,
    Parameter,
    Result,
}

/// A parenthesised list: a structure or an enumeration.
#[derive(Debug, Clone)]
pub(super) struct ListNode {
    /// From `(` to `)`.
    pub(super) span: Range32,
    /// A run of `items`.
    pub(super) items: Range32,
    /// A run of `comment_store`.
    pub(super) end_comments: Range32,
    /// A comment at the end of a line before the first item, not on a
    /// line of its own (`( # input`), or [`NONE`]: not documentation of
    /// the first item.
    pub(super) open_comment: u32,
    pub(super) is_enum: bool,
    pub(super) role: ListRole,
}

/// A field of a structure (with a type) or a value of an enumeration
/// (`ty` is [`NONE`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct ItemNode {
    pub(super) name: Range32,
    pub(super) ty: u32,
    /// A run of `comment_store`.
    pub(super) comments: Range32,
    pub(super) trailing: u32,
    /// The lexer's class bits of the name (see `Lexer::scan_word`).
    pub(super) name_class: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeTag {
    Bool,
    Int,
    Float,
    String,
    Object,
    Any,
    /// The name is the whole span.
    Named,
    Struct,
    Enum,
    Array,
    Map,
    Optional,
}

/// A type expression. Types are stored in prefix order, so the inner type
/// of `[]T`, `[string]T` and `?T` is always the next node.
#[derive(Debug, Clone)]
pub(super) struct TypeNode {
    /// The whole expression, prefixes included.
    pub(super) span: Range32,
    /// The list of an anonymous structure or enumeration.
    pub(super) list: u32,
    pub(super) tag: TypeTag,
}

/// A whole interface definition file.
///
/// Two trees are equal when they declare the same things with the same
/// names, types and comments, wherever in their texts these stand: a text
/// and its formatted form parse to equal trees.
#[derive(Clone)]
pub struct Interface<'a> {
    pub(super) source: &'a str,
    pub(super) name: Range32,
    pub(super) comments: Range32,
    pub(super) trailing: u32,
    pub(super) end_comments: Range32,
    // The node vectors are kept for the next parse when the tree is
    // dropped (see `spare.rs`).
    pub(super) members: Kept<MemberNode>,
    pub(super) lists: Kept<ListNode>,
    pub(super) items: Kept<ItemNode>,
    pub(super) types: Kept<TypeNode>,
    pub(super) comment_store: Vec<Comment<'a>>,
    /// What the validator must look at, noted by the parser so that the
    /// validator does not walk every node: the member names, the types
    /// that are a name (to resolve), the `?` types whose inner type is `?`
    /// too, and the lists whose item names may be invalid or repeated (see
    /// `validate::ListCheck`).
    pub(super) to_check: ToCheck,
}

/// See [`Interface::to_check`]: indices into the tree's vectors, and the
/// names the validator looks up, keyed while the parser had them in the
/// cache.
#[derive(Clone)]
pub(super) struct ToCheck {
    /// The key of each member's name, in member order.
    pub(super) member_keys: Kept<NameKey>,
    pub(super) named_types: Kept<Reference>,
    pub(super) double_optionals: Vec<u32>,
    pub(super) lists: Vec<u32>,
}

impl<'a> Interface<'a> {
    /// The text the tree was parsed from.
    pub fn source(&self) -> &'a str {
        self.source
    }

    /// The reverse-domain name, e.g. `org.example.ping`.
    pub fn name(&self) -> Name<'a> {
        self.name_at(self.name)
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

    /// How many lists (structures, enumerations, parameter lists, of every
    /// member and at every depth), fields and enum values the tree holds:
    /// for sizing what is built from it.
    pub(crate) fn counts(&self) -> Counts {
        let values = self
            .lists
            .iter()
            .filter(|list| list.is_enum)
            .map(|list| list.items.range().len())
            .sum::<usize>();
        Counts {
            lists: self.lists.len(),
            fields: self.items.len() - values,
            values,
        }
    }

    /// The bytes of a range of the source: for comparisons, which need no
    /// char boundary checks.
    pub(super) fn bytes(&self, range: Range32) -> &'a [u8] {
        &self.source.as_bytes()[range.range()]
    }

    pub(super) fn text(&self, range: Range32) -> &'a str {
        &self.source[range.range()]
    }

    pub(super) fn name_at(&self, range: Range32) -> Name<'a> {
        Name {
            text: self.text(range),
            span: range.span(),
        }
    }

    fn comment_range(&self, range: Range32) -> &[Comment<'a>] {
        &self.comment_store[range.range()]
    }

    fn comment(&self, index: u32) -> Option<Comment<'a>> {
        self.comment_store.get(index as usize).copied()
    }

    fn list(&self, index: u32) -> &ListNode {
        &self.lists[index as usize]
    }

    fn items_of(&self, list: &ListNode) -> &[ItemNode] {
        &self.items[list.items.range()]
    }
}

/// Comments compare by what they say and where blank lines stand, not by
/// where they are.
fn same_comments(a: &[Comment<'_>], b: &[Comment<'_>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.text == b.text && a.blank_line_before == b.blank_line_before)
}

fn same_comment(a: Option<Comment<'_>>, b: Option<Comment<'_>>) -> bool {
    same_comments(a.as_slice(), b.as_slice())
}

impl PartialEq for Interface<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name().text == other.name().text
            && same_comments(self.comments(), other.comments())
            && same_comment(self.trailing_comment(), other.trailing_comment())
            && same_comments(self.end_comments(), other.end_comments())
            && self.members().eq(other.members())
    }
}

impl fmt::Debug for Interface<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interface")
            .field("name", &self.name())
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
    node: &'i MemberNode,
}

impl<'i, 'a> Member<'i, 'a> {
    /// The declared name.
    pub fn name(&self) -> Name<'a> {
        self.tree.name_at(self.node.name)
    }

    /// From the keyword to the closing parenthesis.
    pub fn span(&self) -> Span {
        self.node.span.span()
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
        self.node.tag.keyword()
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
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq)]
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
        (self.node.items.end - self.node.items.start) as usize
    }

    /// Whether the structure has no fields: `()`.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Comments after the last field, before `)`.
    pub fn end_comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.end_comments)
    }

    /// A comment at the end of a line before the first field, such as
    /// `( # input`: it belongs to the list, not to the first field, and the
    /// formatter writes it after `(`. (One that ends the line of `type T`,
    /// or a line between a method's `)` and `->`, lands here too: no other
    /// node has a place for it.)
    pub fn open_comment(&self) -> Option<Comment<'a>> {
        self.tree.comment(self.node.open_comment)
    }

    /// From `(` to `)`.
    pub fn span(&self) -> Span {
        self.node.span.span()
    }
}

impl fmt::Debug for Struct<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Struct")
            .field("fields", &self.fields().collect::<Vec<_>>())
            .field("end_comments", &self.end_comments())
            .field("open_comment", &self.open_comment())
            .finish()
    }
}

/// `name: type` inside a structure.
#[derive(Clone, Copy)]
pub struct Field<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i ItemNode,
}

impl<'i, 'a> Field<'i, 'a> {
    /// The field name.
    pub fn name(&self) -> Name<'a> {
        self.tree.name_at(self.node.name)
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
        (self.node.items.end - self.node.items.start) as usize
    }

    /// Whether the enumeration has no values (the grammar never makes one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Comments after the last value, before `)`.
    pub fn end_comments(&self) -> &'i [Comment<'a>] {
        self.tree.comment_range(self.node.end_comments)
    }

    /// A comment at the end of a line before the first value, such as
    /// `( # states`: as [`Struct::open_comment`] for a structure.
    pub fn open_comment(&self) -> Option<Comment<'a>> {
        self.tree.comment(self.node.open_comment)
    }

    /// From `(` to `)`.
    pub fn span(&self) -> Span {
        self.node.span.span()
    }
}

impl fmt::Debug for Enum<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enum")
            .field("variants", &self.variants().collect::<Vec<_>>())
            .field("end_comments", &self.end_comments())
            .field("open_comment", &self.open_comment())
            .finish()
    }
}

/// One value of an enumeration.
#[derive(Clone, Copy)]
pub struct Variant<'i, 'a> {
    tree: &'i Interface<'a>,
    node: &'i ItemNode,
}

impl<'i, 'a> Variant<'i, 'a> {
    /// The value as it appears on the wire.
    pub fn name(&self) -> Name<'a> {
        self.tree.name_at(self.node.name)
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
    fn node(&self) -> &'i TypeNode {
        &self.tree.types[self.index as usize]
    }

    /// The whole expression, prefixes included.
    pub fn span(&self) -> Span {
        self.node().span.span()
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
            TypeTag::Named => TypeKind::Named(tree.text(node.span)),
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
#[derive(Debug, Clone, Copy, PartialEq)]
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

// Views compare like the tree: by names, types and comments, not by where
// they stand.

impl PartialEq for Member<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.node.tag == other.node.tag
            && self.name().text == other.name().text
            && same_comments(self.comments(), other.comments())
            && same_comment(self.trailing_comment(), other.trailing_comment())
            && self.kind() == other.kind()
    }
}

impl PartialEq for Struct<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.fields().eq(other.fields())
            && same_comments(self.end_comments(), other.end_comments())
            && same_comment(self.open_comment(), other.open_comment())
    }
}

impl PartialEq for Field<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.name().text == other.name().text
            && same_comments(self.comments(), other.comments())
            && same_comment(self.trailing_comment(), other.trailing_comment())
            && self.ty() == other.ty()
    }
}

impl PartialEq for Enum<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.variants().eq(other.variants())
            && same_comments(self.end_comments(), other.end_comments())
            && same_comment(self.open_comment(), other.open_comment())
    }
}

impl PartialEq for Variant<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.name().text == other.name().text
            && same_comments(self.comments(), other.comments())
            && same_comment(self.trailing_comment(), other.trailing_comment())
    }
}

impl PartialEq for Type<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind()
    }
}
