//! The plan: every Rust item the generator will emit, with its final name,
//! decided before any token is written.
//!
//! Deciding names in one pass lets the generator find every collision (two
//! IDL names that become one Rust name, a type named like a generated item)
//! and report it as a diagnostic at the IDL location, instead of emitting
//! code that does not compile.
//!
//! The plan's names and nested types live in an arena the caller owns
//! (`bumpalo`): a large interface has tens of thousands of them, and
//! allocating and freeing each on the heap was a quarter of planning it.

use std::ops::Range;

use bumpalo::Bump;

use super::code::push_all;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::fxhash::FxHashMap;
use crate::idl::ast::{self, Comment, Interface, MemberKind, Span, TypeDef, TypeKind};
use crate::names;

/// The Rust form of an IDL type expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Ty<'a> {
    Bool,
    Int,
    Float,
    String,
    /// `object`
    Object,
    /// `any`
    Any,
    /// A generated struct or enum, by Rust name.
    Named(&'a str),
    Vec(&'a Ty<'a>),
    Map(&'a Ty<'a>),
    /// `[string]()`
    Set,
    Option(&'a Ty<'a>),
    /// A named type behind a `Box`, to break a cycle of direct containment.
    Boxed(&'a Ty<'a>),
}

impl Ty<'_> {
    /// Whether a float stands anywhere inside: no `Eq`, whatever else.
    /// (Otherwise the type is `Eq` exactly when the named type inside, if
    /// any, is.)
    fn holds_float(&self) -> bool {
        match self {
            Ty::Float => true,
            Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
                inner.holds_float()
            }
            _ => false,
        }
    }

    /// Whether this type's `Default` needs the named type's (an `Option`,
    /// a `Vec` or a map is empty by default).
    fn default_needs_named(&self) -> bool {
        match self {
            Ty::Named(_) => true,
            Ty::Boxed(inner) => inner.default_needs_named(),
            _ => false,
        }
    }

    /// Whether a set stands inside an array or map, where the serde
    /// adapter for sets cannot reach it.
    fn has_nested_set(&self) -> bool {
        fn inside_collection(ty: &Ty<'_>) -> bool {
            match ty {
                Ty::Set => true,
                Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
                    inside_collection(inner)
                }
                _ => false,
            }
        }
        match self {
            Ty::Vec(inner) | Ty::Map(inner) => inside_collection(inner),
            Ty::Option(inner) => inner.has_nested_set(),
            _ => false,
        }
    }

    /// Whether this type contains its named type without an indirection
    /// that may be empty (a `Vec` or map): the edge along which a cycle
    /// needs a `Box`.
    fn holds_named_directly(&self) -> bool {
        match self {
            Ty::Named(_) => true,
            Ty::Option(inner) => inner.holds_named_directly(),
            _ => false,
        }
    }
}

/// The documentation of an item: its doc comments in the tree, read when
/// the item is written (no copy of the lines per item).
pub(crate) type Doc<'a> = &'a [Comment<'a>];

#[derive(Debug)]
pub(crate) struct Field<'a> {
    pub(crate) wire: &'a str,
    pub(crate) rust: &'a str,
    pub(crate) ty: Ty<'a>,
    pub(crate) doc: Doc<'a>,
    /// The planned type `ty` names, if any, which the passes over all
    /// fields follow without looking names up.
    target: Target,
}

impl Field<'_> {
    /// The index in [`Plan::types`] of the type this field's type names;
    /// `declared` holds the index of each declared type.
    fn target(&self, declared: &[usize]) -> Option<usize> {
        match self.target {
            Target::Planned(index) => Some(index),
            Target::Declared(slot) => Some(declared[slot]).filter(|&index| index != usize::MAX),
            Target::None => None,
        }
    }
}

/// The planned type a field's type names. A named type may be planned
/// after the fields that refer to it, so it is known by its place among
/// the interface's type declarations, and looked up once all are planned
/// (in a list, not by name).
#[derive(Debug, Clone, Copy)]
enum Target {
    None,
    /// The n-th `type` declaration.
    Declared(usize),
    /// An index into the planned types.
    Planned(usize),
}

#[derive(Debug)]
pub(crate) struct Variant<'a> {
    pub(crate) wire: &'a str,
    pub(crate) rust: &'a str,
    pub(crate) doc: Doc<'a>,
}

/// What a generated type stands for, for its documentation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Role<'a> {
    /// `type Name`
    Named(&'a str),
    /// An anonymous structure or enumeration: the path to it in the IDL,
    /// such as `TypeFoo.anon` or `Foo` input `enum`.
    Anonymous(&'a str),
    /// The input parameters of a method.
    Params(&'a str),
    /// The output parameters of a method.
    Reply(&'a str),
    /// The parameters of an error.
    ErrorParams(&'a str),
}

/// A planned type's members: a range of [`Plan::fields`] or of
/// [`Plan::variants`]. All members are in two vectors, each type's in one
/// run, not a vector per type: fewer allocations, and the passes over
/// every field read memory in order.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    Struct(Range<usize>),
    Enum(Range<usize>),
}

#[derive(Debug)]
pub(crate) struct TypeItem<'a> {
    pub(crate) rust: &'a str,
    pub(crate) role: Role<'a>,
    pub(crate) doc: Doc<'a>,
    pub(crate) shape: Shape,
    /// Derived after all types are known.
    pub(crate) eq: bool,
    pub(crate) default: bool,
}

#[derive(Debug)]
pub(crate) struct Method<'a> {
    pub(crate) wire: &'a str,
    /// Where the method is named in the IDL.
    pub(crate) span: Span,
    /// The client method and server trait method: `snake_case`.
    pub(crate) rust: &'a str,
    /// The client's methods for it: the call (`rust`) and its `more`,
    /// `oneway` and `upgrade` forms.
    pub(crate) client_fns: [&'a str; 4],
    /// The fully-qualified wire name: `interface.Method`.
    pub(crate) full: &'a str,
    /// `__{Method}Call`: the private struct a client method serializes its
    /// arguments with. The leading underscores keep it apart from every
    /// name the IDL can produce (IDL names start with a letter).
    pub(crate) call_struct: &'a str,
    pub(crate) doc: Doc<'a>,
    /// Index into `Plan::types` of the `{Method}Params` struct.
    pub(crate) params: usize,
    /// Index into `Plan::types` of the `{Method}Reply` struct.
    pub(crate) reply: usize,
}

#[derive(Debug)]
pub(crate) struct ErrorItem<'a> {
    pub(crate) wire: &'a str,
    /// The variant name in the `Error` enum.
    pub(crate) rust: &'a str,
    /// The fully-qualified wire name: `interface.Error`.
    pub(crate) full: &'a str,
    pub(crate) doc: Doc<'a>,
    /// Index into `Plan::types` of the parameter struct.
    pub(crate) params: usize,
}

/// The generated names that are not derived from a member.
#[derive(Debug)]
pub(crate) struct FixedNames {
    /// `Accounts` for `com.redhat.accounts`: the server trait.
    pub(crate) service_trait: String,
    pub(crate) client: String,
    pub(crate) blocking_client: String,
    pub(crate) server_adapter: String,
}

/// Variants of the generated `Error` enum that do not come from the IDL.
pub(crate) const BUILTIN_ERROR_VARIANTS: &[&str] = &[
    "InterfaceNotFound",
    "MethodNotFound",
    "MethodNotImplemented",
    "InvalidParameter",
    "PermissionDenied",
    "ExpectedMore",
    "ExpectedUpgrade",
    "Remote",
    "Transport",
];

/// Methods of every generated client besides the varlink methods.
const CLIENT_FIXED_METHODS: &[&str] = &["connect", "new", "connection", "into_inner"];

/// Module-level names the generated code defines besides the types.
const RESERVED_TYPE_NAMES: &[&str] = &["Error", "INTERFACE_NAME", "INTERFACE_DESCRIPTION"];

#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub(crate) interface: &'a Interface<'a>,
    pub(crate) names: FixedNames,
    pub(crate) types: Vec<TypeItem<'a>>,
    /// The fields of every struct: see [`Shape`].
    pub(crate) fields: Vec<Field<'a>>,
    /// The values of every enum: see [`Shape`].
    pub(crate) variants: Vec<Variant<'a>>,
    pub(crate) methods: Vec<Method<'a>>,
    pub(crate) errors: Vec<ErrorItem<'a>>,
}

impl<'a> Plan<'a> {
    /// Plans `interface`, keeping names and nested types in `arena`.
    pub(crate) fn new(interface: &'a Interface<'a>, arena: &'a Bump) -> Result<Self, Diagnostics> {
        let base = names::interface_base_name(interface.name().text);
        // Sized from the tree: every list becomes at most one planned type
        // (a method's two lists, two structs), every item a field or an
        // enum value. Growing them copied megabytes for large interfaces.
        let counts = interface.counts();
        let mut builder = Builder {
            interface: interface.name().text,
            arena,
            scratch: String::new(),
            types: Vec::with_capacity(counts.lists),
            fields: Vec::with_capacity(counts.fields),
            field_stack: Vec::new(),
            variants: Vec::with_capacity(counts.values),
            taken: FxHashMap::with_capacity_and_hasher(counts.lists + 8, Default::default()),
            type_names: FxHashMap::with_capacity_and_hasher(
                interface.members().len(),
                Default::default(),
            ),
            declared: Vec::new(),
            diagnostics: Vec::new(),
        };
        let fixed = FixedNames {
            client: [&base, "Client"].concat(),
            blocking_client: [&base, "BlockingClient"].concat(),
            server_adapter: [&base, "Server"].concat(),
            service_trait: base,
        };
        for name in [
            &fixed.service_trait,
            &fixed.client,
            &fixed.blocking_client,
            &fixed.server_adapter,
        ] {
            let name = builder.keep(name);
            builder.taken.insert(name, Taken::Generated);
        }
        for name in RESERVED_TYPE_NAMES {
            builder.taken.insert(name, Taken::Generated);
        }

        // Named types first, so that references resolve to them.
        for member in interface.members() {
            if let MemberKind::Type(_) = member.kind() {
                let rust = builder.type_name(member.name().text);
                builder.claim(rust, member.name().span, Claimant::Type(member.name().text));
                let slot = builder.declared.len();
                builder.type_names.insert(member.name().text, (rust, slot));
                builder.declared.push(usize::MAX);
            }
        }

        let mut methods = Vec::with_capacity(interface.members().len());
        let mut errors = Vec::with_capacity(interface.members().len());
        let mut error_variants: FxHashMap<&'a str, Span> = FxHashMap::default();
        for member in interface.members() {
            let doc = ast::doc_block(member.comments());
            match member.kind() {
                MemberKind::Type(TypeDef::Struct(fields)) => {
                    let (rust, slot) = builder.type_names[member.name().text];
                    let role = Role::Named(member.name().text);
                    builder.declared[slot] = builder.structure(rust, role, doc, &fields, None);
                }
                MemberKind::Type(TypeDef::Enum(variants)) => {
                    let (rust, slot) = builder.type_names[member.name().text];
                    let role = Role::Named(member.name().text);
                    builder.declared[slot] = builder.enumeration(rust, role, doc, &variants, None);
                }
                MemberKind::Method { input, output } => {
                    let base = names::unraw(builder.type_name(member.name().text));
                    let params_name = builder.join(&[base, "Params"]);
                    let reply_name = builder.join(&[base, "Reply"]);
                    let call_struct = builder.join(&["__", base, "Call"]);
                    let claimant = || Claimant::Generated {
                        of: "method",
                        member: member.name().text,
                    };
                    let params = builder.structure(
                        params_name,
                        Role::Params(member.name().text),
                        &[],
                        &input,
                        Some((member.name().span, claimant())),
                    );
                    let reply = builder.structure(
                        reply_name,
                        Role::Reply(member.name().text),
                        &[],
                        &output,
                        Some((member.name().span, claimant())),
                    );
                    let rust = builder.field_name(member.name().text);
                    let fn_base = names::unraw(rust);
                    let client_fns = [
                        rust,
                        builder.join(&[fn_base, "_more"]),
                        builder.join(&[fn_base, "_oneway"]),
                        builder.join(&[fn_base, "_upgrade"]),
                    ];
                    methods.push(Method {
                        wire: member.name().text,
                        span: member.name().span,
                        client_fns,
                        rust,
                        full: builder.full_name(member.name().text),
                        call_struct,
                        doc,
                        params,
                        reply,
                    });
                }
                MemberKind::Error(fields) => {
                    let rust = builder.type_name(member.name().text);
                    let params_name = builder.join(&[names::unraw(rust), "Parameters"]);
                    let claimant = Claimant::Generated {
                        of: "error",
                        member: member.name().text,
                    };
                    let params = builder.structure(
                        params_name,
                        Role::ErrorParams(member.name().text),
                        &[],
                        &fields,
                        Some((member.name().span, claimant)),
                    );
                    // `Error::InterfaceNotFound` and its siblings stand for
                    // the org.varlink.service errors; an interface's own
                    // error of such a name gets the interface's name in front.
                    let rust = if BUILTIN_ERROR_VARIANTS.contains(&rust)
                        && !is_service_error(interface, &member)
                    {
                        builder.join(&[&fixed.service_trait, rust])
                    } else {
                        rust
                    };
                    if let Some(first) = error_variants.get(rust) {
                        builder.collision(member.name().span, *first, rust, "error");
                    }
                    error_variants.insert(rust, member.name().span);
                    errors.push(ErrorItem {
                        wire: member.name().text,
                        rust,
                        full: builder.full_name(member.name().text),
                        doc,
                        params,
                    });
                }
            }
        }

        client_fn_collisions(&methods, &mut builder);
        let Builder {
            mut types,
            mut fields,
            variants,
            declared,
            diagnostics,
            ..
        } = builder;
        if !diagnostics.is_empty() {
            let mut diagnostics = Diagnostics(diagnostics);
            diagnostics.sort();
            return Err(diagnostics);
        }
        let derived = derive_traits(&types, &fields, &declared);
        let boxed = fields_to_box(&types, &fields, &declared);
        for (item, (eq, default)) in types.iter_mut().zip(derived) {
            item.eq = eq;
            item.default = default;
        }
        for field in boxed {
            box_direct(&mut fields[field].ty, arena);
        }
        Ok(Plan {
            interface,
            names: fixed,
            types,
            fields,
            variants,
            methods,
            errors,
        })
    }
}

impl Plan<'_> {
    /// The fields of the planned struct at `index`: the parameters or
    /// reply of a method, the parameters of an error (none for an enum).
    pub(crate) fn fields(&self, index: usize) -> &[Field<'_>] {
        match &self.types[index].shape {
            Shape::Struct(range) => &self.fields[range.clone()],
            Shape::Enum(_) => &[],
        }
    }

    /// The values of the planned enum at `index` (none for a struct).
    pub(crate) fn variants(&self, index: usize) -> &[Variant<'_>] {
        match &self.types[index].shape {
            Shape::Enum(range) => &self.variants[range.clone()],
            Shape::Struct(_) => &[],
        }
    }
}

/// Reports client method names that two methods share, or that every
/// client already has (a method `Connect`).
fn client_fn_collisions(methods: &[Method<'_>], builder: &mut Builder<'_>) {
    // A map of the names seen, not a sort: four names per method, and
    // sorting them was an eighth of planning podman's interface.
    let mut first: FxHashMap<&str, Span> =
        FxHashMap::with_capacity_and_hasher(methods.len() * 4, Default::default());
    for method in methods {
        for name in method.client_fns {
            if CLIENT_FIXED_METHODS.contains(&name) {
                builder.diagnostics.push(
                    Diagnostic::error(
                        format!(
                            "method `{}` needs the client method `{name}`, which every generated client already has",
                            method.wire
                        ),
                        method.span,
                    )
                    .with_label(format!("`{name}` is taken")),
                );
            } else if let Some(&earlier) = first.get(name) {
                builder.collision(method.span, earlier, name, "method");
            } else {
                first.insert(name, method.span);
            }
        }
    }
}

/// Whether `member` is one of the `org.varlink.service` errors declared by
/// that interface itself: it maps onto the built-in variant.
fn is_service_error(interface: &Interface<'_>, member: &ast::Member<'_, '_>) -> bool {
    interface.name().text == "org.varlink.service"
        && BUILTIN_ERROR_VARIANTS.contains(&member.name().text)
}

enum Taken<'a> {
    /// An item every interface module has.
    Generated,
    /// A type from the IDL, with where it was declared and what it is.
    Idl(Span, Claimant<'a>),
}

/// What claims a type name. It is put in words only for a collision.
enum Claimant<'a> {
    /// `type Name`.
    Type(&'a str),
    /// A struct the generator makes for a method or error (`of`), such as
    /// `FooParams`.
    Generated { of: &'static str, member: &'a str },
    /// An anonymous structure or enumeration (`of`), planned as the type
    /// at `item`, whose role holds its path `Owner.field`.
    Anonymous { of: &'static str, item: usize },
}

impl Claimant<'_> {
    fn describe(&self, rust: &str, types: &[TypeItem<'_>]) -> String {
        match self {
            Claimant::Type(name) => format!("type `{name}`"),
            Claimant::Generated { of, member } => {
                format!("the generated `{rust}` of {of} `{member}`")
            }
            Claimant::Anonymous { of, item } => match types.get(*item).map(|t| &t.role) {
                Some(Role::Anonymous(path)) => {
                    let (owner, field) = path.rsplit_once('.').unwrap_or(("", path));
                    format!("the anonymous {of} of field `{field}` in `{owner}`")
                }
                _ => format!("the anonymous {of} `{rust}`"),
            },
        }
    }
}

struct Builder<'a> {
    /// The interface's name.
    interface: &'a str,
    /// Where names and nested types are kept.
    arena: &'a Bump,
    /// Where names are written before they are kept.
    scratch: String,
    types: Vec<TypeItem<'a>>,
    /// The fields of the structs planned so far, each struct's in one run.
    fields: Vec<Field<'a>>,
    /// The fields of the structs being planned: a struct's fields are
    /// moved to `fields` when it is done, so that the fields of anonymous
    /// structs inside it do not land among its own.
    field_stack: Vec<Field<'a>>,
    variants: Vec<Variant<'a>>,
    /// Every type-namespace name claimed so far.
    taken: FxHashMap<&'a str, Taken<'a>>,
    /// The Rust name of each declared type, and its place among the
    /// declarations.
    type_names: FxHashMap<&'a str, (&'a str, usize)>,
    /// The planned index of each declared type, once planned.
    declared: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    /// Claims a type name; reports a collision when it is already taken.
    fn claim(&mut self, rust: &'a str, span: Span, claimant: Claimant<'a>) {
        match self.taken.get(rust) {
            None => {
                self.taken.insert(rust, Taken::Idl(span, claimant));
            }
            Some(Taken::Generated) => self.diagnostics.push(
                Diagnostic::error(
                    format!(
                        "{} becomes the Rust name `{rust}`, which the generated code already uses",
                        claimant.describe(rust, &self.types)
                    ),
                    span,
                )
                .with_label(format!("`{rust}` is taken")),
            ),
            Some(Taken::Idl(first, first_what)) => self.diagnostics.push(
                Diagnostic::error(
                    format!(
                        "{} and {} both become the Rust type `{rust}`",
                        claimant.describe(rust, &self.types),
                        first_what.describe(rust, &self.types)
                    ),
                    span,
                )
                .with_label(format!("becomes `{rust}`"))
                .with_related(*first, format!("also becomes `{rust}`")),
            ),
        }
    }

    fn collision(&mut self, span: Span, first: Span, rust: &str, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                format!("two {what} names both become `{rust}` in Rust"),
                span,
            )
            .with_label(format!("becomes `{rust}`"))
            .with_related(first, format!("also becomes `{rust}`")),
        );
    }

    /// Plans a struct named `rust` for `fields`, with nested types for its
    /// anonymous members. `claim` gives the span and description used to
    /// claim the name (named types are claimed up front). Returns its index.
    fn structure(
        &mut self,
        rust: &'a str,
        role: Role<'a>,
        doc: Doc<'a>,
        fields: &ast::Struct<'a, 'a>,
        claim: Option<(Span, Claimant<'a>)>,
    ) -> usize {
        let index = self.add_type(rust, role, doc, claim);
        let own = self.field_stack.len();
        for field in fields.fields() {
            let rust_field = self.field_name(field.name().text);
            let mut target = Target::None;
            let ty = self.ty(&field.ty(), index, field.name().text, &mut target);
            if ty.has_nested_set() {
                self.diagnostics.push(
                    Diagnostic::error(
                        "a set of strings inside an array or map is not supported by the code generator",
                        field.ty().span(),
                    )
                    .with_label("`[string]()` nested here")
                    .with_note("sets are generated for fields of type `[string]()` and `?[string]()`; a nested set would not keep its wire form"),
                );
            }
            self.field_stack.push(Field {
                wire: field.name().text,
                rust: rust_field,
                ty,
                doc: ast::doc_block(field.comments()),
                target,
            });
        }
        let start = self.fields.len();
        self.fields.extend(self.field_stack.drain(own..));
        self.repeated_names(
            self.fields.len() - start,
            |plan, at| plan.fields[start + at].rust,
            |at| fields.fields().nth(at).map(|f| f.name().span),
            "field",
        );
        self.types[index].shape = Shape::Struct(start..self.fields.len());
        index
    }

    fn enumeration(
        &mut self,
        rust: &'a str,
        role: Role<'a>,
        doc: Doc<'a>,
        variants: &ast::Enum<'a, 'a>,
        claim: Option<(Span, Claimant<'a>)>,
    ) -> usize {
        let start = self.variants.len();
        for variant in variants.variants() {
            let rust_variant = self.type_name(variant.name().text);
            self.variants.push(Variant {
                wire: variant.name().text,
                rust: rust_variant,
                doc: ast::doc_block(variant.comments()),
            });
        }
        self.repeated_names(
            self.variants.len() - start,
            |plan, at| plan.variants[start + at].rust,
            |at| variants.variants().nth(at).map(|v| v.name().span),
            "enum value",
        );
        let index = self.add_type(rust, role, doc, claim);
        self.types[index].shape = Shape::Enum(start..self.variants.len());
        index
    }

    /// Reports the members of one list (`count` of them) whose Rust names
    /// repeat an earlier member's: `rust(self, at)` is the Rust name of
    /// member `at`, `span(at)` where the IDL names it.
    fn repeated_names(
        &mut self,
        count: usize,
        rust: impl Fn(&Self, usize) -> &'a str,
        span: impl Fn(usize) -> Option<Span>,
        what: &str,
    ) {
        let span = |at| span(at).unwrap_or(Span::new(0, 0));
        for (later, first) in repeats(count, |at| rust(self, at)) {
            self.collision(span(later), span(first), rust(self, later), what);
        }
    }

    /// Adds a type to the plan, its members still to be set, and claims
    /// its name with `claim`'s span and description (named types are
    /// claimed up front). Claimed once added, so that a report can
    /// describe it. Returns its index.
    fn add_type(
        &mut self,
        rust: &'a str,
        role: Role<'a>,
        doc: Doc<'a>,
        claim: Option<(Span, Claimant<'a>)>,
    ) -> usize {
        self.types.push(TypeItem {
            rust,
            role,
            doc,
            shape: Shape::Struct(0..0),
            // Derived once all types are planned.
            eq: false,
            default: false,
        });
        if let Some((span, claimant)) = claim {
            self.claim(rust, span, claimant);
        }
        self.types.len() - 1
    }

    /// Maps a type expression of a field of the type at `owner`; anonymous
    /// structures and enumerations become named types `{Owner}{Field}`.
    /// `target` is set to the planned type it names, if any.
    fn ty(
        &mut self,
        ty: &ast::Type<'a, 'a>,
        owner: usize,
        field: &'a str,
        target: &mut Target,
    ) -> Ty<'a> {
        match ty.kind() {
            TypeKind::Bool => Ty::Bool,
            TypeKind::Int => Ty::Int,
            TypeKind::Float => Ty::Float,
            TypeKind::String => Ty::String,
            TypeKind::Object => Ty::Object,
            TypeKind::Any => Ty::Any,
            TypeKind::Named(name) => match self.type_names.get(name) {
                Some(&(rust, slot)) => {
                    *target = Target::Declared(slot);
                    Ty::Named(rust)
                }
                None => Ty::Named(name),
            },
            TypeKind::Map(inner) if matches!(inner.kind(), TypeKind::Struct(s) if s.is_empty()) => {
                Ty::Set
            }
            TypeKind::Array(inner) => {
                let inner = self.ty(&inner, owner, field, target);
                Ty::Vec(self.arena.alloc(inner))
            }
            TypeKind::Map(inner) => {
                let inner = self.ty(&inner, owner, field, target);
                Ty::Map(self.arena.alloc(inner))
            }
            TypeKind::Optional(inner) => {
                let inner = self.ty(&inner, owner, field, target);
                Ty::Option(self.arena.alloc(inner))
            }
            TypeKind::Struct(fields) => {
                let (rust, role) = self.anonymous(owner, field);
                let what = Claimant::Anonymous {
                    of: "structure",
                    item: self.types.len(),
                };
                let index = self.structure(rust, role, &[], &fields, Some((ty.span(), what)));
                *target = Target::Planned(index);
                Ty::Named(self.types[index].rust)
            }
            TypeKind::Enum(variants) => {
                let (rust, role) = self.anonymous(owner, field);
                let what = Claimant::Anonymous {
                    of: "enumeration",
                    item: self.types.len(),
                };
                let index = self.enumeration(rust, role, &[], &variants, Some((ty.span(), what)));
                *target = Target::Planned(index);
                Ty::Named(self.types[index].rust)
            }
        }
    }

    /// The name and role of an anonymous type in `field` of the type at
    /// `owner`.
    fn anonymous(&mut self, owner: usize, field: &str) -> (&'a str, Role<'a>) {
        let owner = names::unraw(self.types[owner].rust);
        self.scratch.clear();
        names::write_nested_type_name(owner, field, &mut self.scratch);
        let rust = self.keep_scratch();
        (rust, Role::Anonymous(self.join(&[owner, ".", field])))
    }

    /// `text`, kept in the arena.
    fn keep(&self, text: &str) -> &'a str {
        let arena: &'a Bump = self.arena;
        arena.alloc_str(text)
    }

    /// What `scratch` holds, kept in the arena.
    fn keep_scratch(&self) -> &'a str {
        self.keep(&self.scratch)
    }

    /// The fully-qualified wire name of a member: `interface.Member`.
    fn full_name(&mut self, member: &str) -> &'a str {
        let interface = self.interface;
        self.join(&[interface, ".", member])
    }

    /// `parts` joined, kept in the arena.
    fn join(&mut self, parts: &[&str]) -> &'a str {
        self.scratch.clear();
        push_all(&mut self.scratch, parts);
        self.keep_scratch()
    }

    /// The Rust name of an IDL type or enum value: the IDL name itself
    /// when it needs no change (most), else a converted copy.
    fn type_name(&mut self, idl: &'a str) -> &'a str {
        self.convert(idl, names::type_name_unchanged, names::write_type_name)
    }

    /// The Rust name of an IDL field or method, as [`Builder::type_name`].
    fn field_name(&mut self, idl: &'a str) -> &'a str {
        self.convert(idl, names::field_name_unchanged, names::write_field_name)
    }

    fn convert(
        &mut self,
        idl: &'a str,
        unchanged: fn(&str) -> bool,
        write: fn(&str, &mut String),
    ) -> &'a str {
        if unchanged(idl) {
            return idl;
        }
        self.scratch.clear();
        write(idl, &mut self.scratch);
        self.keep_scratch()
    }
}

/// Every name among `count` that repeats an earlier one, as `(later,
/// first)` indices. Most lists are a handful of fields: up to
/// [`COMPARE_ALL`] of them are compared pairwise, which allocates nothing
/// unless a repeat is found; longer ones are sorted.
fn repeats<'n>(count: usize, name: impl Fn(usize) -> &'n str) -> Vec<(usize, usize)> {
    /// Pairwise comparison costs up to 120 comparisons here, most of them
    /// settled by the names' lengths; sorting costs an allocation and a
    /// sort of indices.
    const COMPARE_ALL: usize = 16;
    let mut out = Vec::new();
    if count <= COMPARE_ALL {
        for later in 1..count {
            if let Some(first) = (0..later).find(|&first| name(first) == name(later)) {
                out.push((later, first));
            }
        }
        return out;
    }
    let mut order: Vec<usize> = (0..count).collect();
    // Stable: within one name, the indices stay in order.
    order.sort_by(|&a, &b| name(a).cmp(name(b)));
    let mut first = order[0];
    for &index in &order[1..] {
        if name(index) == name(first) {
            out.push((index, first));
        } else {
            first = index;
        }
    }
    out
}

/// Decides `Eq` and `Default` for every type; returns `(eq, default)` for
/// each.
///
/// A struct has a trait unless something stops it on its own (a float
/// inside for `Eq`; being an enum, for `Default`) or it refers to a type
/// without the trait. So a type lacks a trait exactly when it reaches such
/// a type along "needs" edges, and one walk backwards from those types
/// decides every type. (A loop over all fields until nothing changed took
/// one round per level of nesting, each looking names up again.)
fn derive_traits(
    types: &[TypeItem<'_>],
    all_fields: &[Field<'_>],
    declared: &[usize],
) -> Vec<(bool, bool)> {
    let mut eq = vec![true; types.len()];
    let mut default: Vec<bool> = types
        .iter()
        .map(|t| matches!(t.shape, Shape::Struct(_)))
        .collect();
    // `(needed, needing)` type pairs, for each trait.
    let mut eq_needs = Vec::new();
    let mut default_needs = Vec::new();
    for (needing, item) in types.iter().enumerate() {
        let Shape::Struct(fields) = &item.shape else {
            continue;
        };
        for field in &all_fields[fields.clone()] {
            let needed = field.target(declared);
            if field.ty.holds_float() {
                eq[needing] = false;
            } else if let Some(needed) = needed {
                eq_needs.push((needed, needing));
            }
            if let Some(needed) = needed.filter(|_| field.ty.default_needs_named()) {
                default_needs.push((needed, needing));
            }
        }
    }
    withdraw(&mut eq, eq_needs);
    withdraw(&mut default, default_needs);
    eq.into_iter().zip(default).collect()
}

/// Clears `holds` for every type that needs, directly or through others,
/// a type for which it is clear: `needs` holds `(needed, needing)` pairs.
fn withdraw(holds: &mut [bool], needs: Vec<(usize, usize)>) {
    // The types needing each type, in one piece (a counting sort: a
    // comparison sort of the pairs was a tenth of planning a large
    // interface).
    let mut starts = vec![0; holds.len() + 1];
    for &(needed, _) in &needs {
        starts[needed + 1] += 1;
    }
    for at in 1..starts.len() {
        starts[at] += starts[at - 1];
    }
    let mut next = starts.clone();
    let mut needing_of = vec![0; needs.len()];
    for (needed, needing) in needs {
        needing_of[next[needed]] = needing;
        next[needed] += 1;
    }
    let needed_by = Graph {
        starts: &starts,
        edges: &needing_of,
    };
    let mut stack: Vec<usize> = (0..holds.len()).filter(|&t| !holds[t]).collect();
    while let Some(lacking) = stack.pop() {
        for &needing in needed_by.successors(lacking) {
            if holds[needing] {
                holds[needing] = false;
                stack.push(needing);
            }
        }
    }
}

/// The fields, as indices into `all_fields`, that need a `Box` around
/// the type they directly contain, because that type directly contains the
/// field's owner again: without it the struct would have infinite size.
///
/// The owner directly contains the field's type, so the type leads back to
/// the owner exactly when both lie in one strongly connected component of
/// the "directly contains" graph; one pass of Tarjan's algorithm finds them
/// all, instead of a search per field.
fn fields_to_box(
    types: &[TypeItem<'_>],
    all_fields: &[Field<'_>],
    declared: &[usize],
) -> Vec<usize> {
    // The graph in one piece: the edges of type `t` (the types its fields
    // directly contain) are `edges[starts[t]..starts[t + 1]]`, each with
    // the field it comes from.
    let mut starts = Vec::with_capacity(types.len() + 1);
    let mut edges: Vec<usize> = Vec::new();
    let mut from_field: Vec<usize> = Vec::new();
    for item in types {
        starts.push(edges.len());
        if let Shape::Struct(fields) = &item.shape {
            for at in fields.clone() {
                let field = &all_fields[at];
                let target = field.target(declared);
                if let Some(target) = target.filter(|_| field.ty.holds_named_directly()) {
                    edges.push(target);
                    from_field.push(at);
                }
            }
        }
    }
    starts.push(edges.len());
    let graph = Graph {
        starts: &starts,
        edges: &edges,
    };
    let component = strongly_connected_components(&graph);
    let mut boxed = Vec::new();
    for owner in 0..types.len() {
        for edge in starts[owner]..starts[owner + 1] {
            if component[edges[edge]] == component[owner] {
                boxed.push(from_field[edge]);
            }
        }
    }
    boxed
}

/// A directed graph over nodes `0..starts.len() - 1`: the successors of
/// node `n` are `edges[starts[n]..starts[n + 1]]`.
struct Graph<'g> {
    starts: &'g [usize],
    edges: &'g [usize],
}

impl Graph<'_> {
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn successors(&self, node: usize) -> &[usize] {
        &self.edges[self.starts[node]..self.starts[node + 1]]
    }
}

/// The strongly connected component of every node (Tarjan's algorithm,
/// iterative so that a long chain of types cannot overflow the stack).
fn strongly_connected_components(graph: &Graph<'_>) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let count = graph.len();
    let mut order = vec![UNVISITED; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut component = vec![UNVISITED; count];
    let mut stack = Vec::new();
    let mut next_order = 0;
    let mut next_component = 0;
    // (node, index of the next edge to follow)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..count {
        if order[root] != UNVISITED {
            continue;
        }
        calls.push((root, 0));
        while let Some(&mut (node, ref mut edge)) = calls.last_mut() {
            if *edge == 0 && order[node] == UNVISITED {
                order[node] = next_order;
                low[node] = next_order;
                next_order += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = graph.successors(node).get(*edge) {
                *edge += 1;
                if order[next] == UNVISITED {
                    calls.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// Puts the named type a field directly contains (see
/// [`Ty::holds_named_directly`]) in a `Box`.
fn box_direct<'a>(ty: &mut Ty<'a>, arena: &'a Bump) {
    match *ty {
        Ty::Named(_) => *ty = Ty::Boxed(arena.alloc(*ty)),
        Ty::Option(inner) => {
            let mut inner = *inner;
            box_direct(&mut inner, arena);
            *ty = Ty::Option(arena.alloc(inner));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idl;

    #[test]
    fn repeats_pairwise_and_sorted_agree() {
        // Short lists are compared pairwise, long ones sorted: both must
        // name every repeat with the first index of its name.
        for count in [0, 1, 2, 5, 16, 17, 40] {
            let names: Vec<String> = (0..count).map(|i| format!("n{}", i % 7)).collect();
            let mut found = repeats(count, |i| &names[i]);
            found.sort_unstable();
            let expected: Vec<(usize, usize)> = (0..count)
                .filter_map(|later| {
                    let first = names.iter().position(|name| *name == names[later])?;
                    (first < later).then_some((later, first))
                })
                .collect();
            assert_eq!(found, expected, "{count} names");
        }
    }

    fn plan_names(source: &str) -> Vec<String> {
        let interface = idl::parse(source).expect("valid");
        let arena = Bump::new();
        let plan = Plan::new(&interface, &arena).expect("plan");
        plan.types.iter().map(|t| t.rust.to_string()).collect()
    }

    fn errors(source: &str) -> Vec<String> {
        let interface = idl::parse(source).expect("valid");
        Plan::new(&interface, &Bump::new())
            .expect_err("collision")
            .iter()
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn anonymous_types_are_named_after_their_owner() {
        let names = plan_names(
            "interface a.b\ntype TypeFoo (anon: (foo: bool, baz: [](a: int)), e: ?[string](x, y))\nmethod Test06(x: (a: int)) -> (struct: (b: int))\nerror Bad (why: (c, d))\n",
        );
        assert_eq!(
            names,
            [
                "TypeFoo",
                "TypeFooAnon",
                "TypeFooAnonBaz",
                "TypeFooE",
                "Test06Params",
                "Test06ParamsX",
                "Test06Reply",
                "Test06ReplyStruct",
                "BadParameters",
                "BadParametersWhy"
            ]
        );
        let interface = idl::parse("interface com.redhat.accounts\ntype A ()\n").expect("valid");
        let arena = Bump::new();
        let plan = Plan::new(&interface, &arena).expect("plan");
        assert_eq!(plan.names.service_trait, "Accounts");
        assert_eq!(plan.names.client, "AccountsClient");
    }

    #[test]
    fn rust_name_collisions_are_diagnostics() {
        assert_eq!(
            errors("interface a.b\ntype T (fooBar: int, foo_bar: int)\n"),
            ["two field names both become `foo_bar` in Rust"]
        );
        assert_eq!(
            errors("interface a.b\ntype E (aB, a_b)\n"),
            ["two enum value names both become `AB` in Rust"]
        );
        assert_eq!(
            errors("interface a.b\ntype FooParams ()\nmethod Foo() -> ()\n"),
            [
                "the generated `FooParams` of method `Foo` and type `FooParams` both become the Rust type `FooParams`"
            ]
        );
        assert_eq!(
            errors("interface a.b\ntype Error ()\n"),
            ["type `Error` becomes the Rust name `Error`, which the generated code already uses"]
        );
        assert_eq!(
            errors("interface a.b\ntype Foo (bar: (a: int))\ntype FooBar ()\n"),
            [
                "the anonymous structure of field `bar` in `Foo` and type `FooBar` both become the Rust type `FooBar`"
            ]
        );
        let interface = idl::parse(
            "interface org.varlink.resolver\nerror InterfaceNotFound (interface: string)\n",
        )
        .expect("valid");
        let arena = Bump::new();
        let plan = Plan::new(&interface, &arena).expect("plan");
        assert_eq!(plan.errors[0].rust, "ResolverInterfaceNotFound");
        assert_eq!(
            errors("interface a.b\ntype T (ok: ?[string](), bad: [][string]())\n"),
            ["a set of strings inside an array or map is not supported by the code generator"]
        );
        let messages = errors("interface a.b\nmethod FooBar() -> ()\nmethod FOOBar() -> ()\n");
        assert!(
            messages.contains(&"two method names both become `foo_bar` in Rust".to_owned()),
            "{messages:?}"
        );
        assert_eq!(messages.len(), 6, "{messages:?}");
        assert_eq!(
            errors("interface a.b\nmethod Get() -> ()\nmethod GetMore() -> ()\n"),
            ["two method names both become `get_more` in Rust"]
        );
        assert_eq!(
            errors("interface a.b\nmethod Connect() -> ()\n"),
            [
                "method `Connect` needs the client method `connect`, which every generated client already has"
            ]
        );
    }

    #[test]
    fn traits_follow_chains_and_cycles() {
        let interface = idl::parse(
            "interface a.traits\ntype A (b: B)\ntype B (c: []C)\ntype C (x: ?float)\ntype X (y: ?Y)\ntype Y (x: []X, z: ?Z)\ntype Z (one, two)\ntype D (e: E)\ntype E (f: F, y: Y)\ntype F (z: Z)\ntype K (a: ?A)\n",
        )
        .expect("valid");
        let arena = Bump::new();
        let plan = Plan::new(&interface, &arena).expect("plan");
        let traits = |name: &str| {
            let item = plan.types.iter().find(|t| t.rust == name).expect("type");
            (item.eq, item.default)
        };
        for (name, expected) in [
            ("A", (false, true)),
            ("B", (false, true)),
            ("C", (false, true)),
            ("X", (true, true)),
            ("Y", (true, true)),
            ("Z", (true, false)),
            ("D", (true, false)),
            ("E", (true, false)),
            ("F", (true, false)),
            ("K", (false, true)),
        ] {
            assert_eq!(traits(name), expected, "{name}: (eq, default)");
        }
    }

    #[test]
    fn traits_and_boxes() {
        let interface = idl::parse(
            "interface a.b\ntype Node (value: float, next: ?Node, children: []Node)\ntype Pair (a: int, b: (x, y))\ntype Holds (pair: Pair)\ntype HoldsNode (n: Node)\n",
        )
        .expect("valid");
        let arena = Bump::new();
        let plan = Plan::new(&interface, &arena).expect("plan");
        let find = |name: &str| plan.types.iter().find(|t| t.rust == name).expect("type");
        assert!(!find("Node").eq && find("Node").default);
        assert!(find("Pair").eq && !find("Pair").default);
        assert!(find("Holds").eq && !find("Holds").default);
        assert!(!find("HoldsNode").eq);
        let fields_of = |name: &str| {
            let at = plan
                .types
                .iter()
                .position(|t| t.rust == name)
                .expect("type");
            plan.fields(at)
        };
        let fields = fields_of("Node");
        assert_eq!(fields[1].ty, Ty::Option(&Ty::Boxed(&Ty::Named("Node"))));
        assert_eq!(fields[2].ty, Ty::Vec(&Ty::Named("Node")));
        let fields = fields_of("HoldsNode");
        assert_eq!(fields[0].ty, Ty::Named("Node"));

        // A cycle through two types boxes both edges; a type that only
        // leads into the cycle is not boxed.
        let interface = idl::parse(
            "interface a.cycles\ntype A (b: B)\ntype B (a: ?A, c: C)\ntype C (n: int)\ntype D (a: A)\n",
        )
        .expect("valid");
        let arena = Bump::new();
        let plan = Plan::new(&interface, &arena).expect("plan");
        let field_ty = |owner: &str, at: usize| {
            let index = plan
                .types
                .iter()
                .position(|t| t.rust == owner)
                .expect("type");
            plan.fields(index)[at].ty
        };
        let boxed = |name: &'static str| Ty::Boxed(arena.alloc(Ty::Named(name)));
        assert_eq!(field_ty("A", 0), boxed("B"));
        assert_eq!(field_ty("B", 0), Ty::Option(&boxed("A")));
        assert_eq!(field_ty("B", 1), Ty::Named("C"));
        assert_eq!(field_ty("D", 0), Ty::Named("A"));
    }
}
