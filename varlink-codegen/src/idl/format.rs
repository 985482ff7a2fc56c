//! The canonical text of an interface.
//!
//! Layout rules: one blank line between declarations; `type Name (...)` and
//! `error Name (...)` with a space, `method Name(...) -> (...)` without;
//! a parenthesised list stays on one line when it has no comments and ends
//! within [`MAX_WIDTH`] columns, else it puts one item per line indented by
//! two spaces. The decision depends on the syntax tree only, never on the
//! original layout, which is what makes formatting idempotent.

use super::ast::*;

/// The column a one-line list may reach.
pub const MAX_WIDTH: usize = 80;

const INDENT: usize = 2;

/// Formats an interface in canonical layout, comments included.
pub fn format(interface: &Interface<'_>) -> String {
    let mut out = Formatter {
        out: String::with_capacity(4096),
    };
    out.interface(interface);
    out.out
}

struct Formatter {
    out: String,
}

impl Formatter {
    fn interface(&mut self, interface: &Interface<'_>) {
        self.comments(interface.comments(), 0);
        self.out.push_str("interface ");
        self.out.push_str(interface.name().text);
        self.trailing(interface.trailing_comment().as_ref());
        for member in interface.members() {
            self.out.push('\n');
            self.member(&member);
        }
        if !interface.end_comments().is_empty() {
            self.out.push('\n');
            self.comments(interface.end_comments(), 0);
        }
    }

    fn member(&mut self, member: &Member<'_, '_>) {
        self.comments(member.comments(), 0);
        let start = self.out.len();
        self.out.push_str(member.keyword());
        self.out.push(' ');
        self.out.push_str(member.name().text);
        match member.kind() {
            MemberKind::Type(TypeDef::Struct(fields)) | MemberKind::Error(fields) => {
                self.out.push(' ');
                self.fields(&fields, 0, start);
            }
            MemberKind::Type(TypeDef::Enum(variants)) => {
                self.out.push(' ');
                self.variants(&variants, 0, start);
            }
            MemberKind::Method { input, output } => {
                self.fields(&input, 0, start);
                self.out.push_str(" -> ");
                self.fields(&output, 0, self.line_start());
            }
        }
        self.trailing(member.trailing_comment().as_ref());
    }

    /// Byte offset where the current output line starts.
    fn line_start(&self) -> usize {
        self.out.rfind('\n').map_or(0, |i| i + 1)
    }

    /// The current column, measured from `line_start`.
    fn column(&self, line_start: usize) -> usize {
        self.out[line_start..].chars().count()
    }

    fn comments(&mut self, comments: &[Comment<'_>], indent: usize) {
        for comment in comments {
            if comment.blank_line_before {
                self.out.push('\n');
            }
            self.indent(indent);
            self.comment_text(comment);
            self.out.push('\n');
        }
    }

    fn comment_text(&mut self, comment: &Comment<'_>) {
        self.out.push('#');
        if !comment.text.is_empty() {
            self.out.push(' ');
            self.out.push_str(comment.text);
        }
    }

    /// Ends a line, with the trailing comment if there is one.
    fn trailing(&mut self, comment: Option<&Comment<'_>>) {
        if let Some(comment) = comment {
            self.out.push(' ');
            self.comment_text(comment);
        }
        self.out.push('\n');
    }

    /// Opens a list laid out one item per line.
    fn open(&mut self, comment: Option<&Comment<'_>>) {
        self.out.push('(');
        self.trailing(comment);
    }

    fn indent(&mut self, width: usize) {
        self.out.extend(std::iter::repeat_n(' ', width));
    }

    /// Writes a structure at the current position; `indent` is the indent of
    /// the line it starts on, `line_start` where that line starts in `out`.
    fn fields(&mut self, fields: &Struct<'_, '_>, indent: usize, line_start: usize) {
        if self.try_inline(|inline| inline.struct_inline(fields), line_start) {
            return;
        }
        self.open(fields.open_comment().as_ref());
        let count = fields.len();
        for (i, field) in fields.fields().enumerate() {
            self.comments(field.comments(), indent + INDENT);
            let field_line = self.out.len();
            self.indent(indent + INDENT);
            self.out.push_str(field.name().text);
            self.out.push_str(": ");
            self.ty(&field.ty(), indent + INDENT, field_line);
            if i + 1 < count {
                self.out.push(',');
            }
            self.trailing(field.trailing_comment().as_ref());
        }
        self.comments(fields.end_comments(), indent + INDENT);
        self.indent(indent);
        self.out.push(')');
    }

    fn variants(&mut self, variants: &Enum<'_, '_>, indent: usize, line_start: usize) {
        if self.try_inline(|inline| inline.enum_inline(variants), line_start) {
            return;
        }
        self.open(variants.open_comment().as_ref());
        let count = variants.len();
        for (i, variant) in variants.variants().enumerate() {
            self.comments(variant.comments(), indent + INDENT);
            self.indent(indent + INDENT);
            self.out.push_str(variant.name().text);
            if i + 1 < count {
                self.out.push(',');
            }
            self.trailing(variant.trailing_comment().as_ref());
        }
        self.comments(variants.end_comments(), indent + INDENT);
        self.indent(indent);
        self.out.push(')');
    }

    /// Appends the one-line form if `write` can make one (no comments) and
    /// it ends within the width limit; else leaves `out` as it was.
    fn try_inline(&mut self, write: impl FnOnce(&mut Self) -> bool, line_start: usize) -> bool {
        let mark = self.out.len();
        if write(self) && self.column(line_start) <= MAX_WIDTH {
            return true;
        }
        self.out.truncate(mark);
        false
    }

    fn ty(&mut self, ty: &Type<'_, '_>, indent: usize, line_start: usize) {
        match ty.kind() {
            TypeKind::Struct(fields) => self.fields(&fields, indent, line_start),
            TypeKind::Enum(variants) => self.variants(&variants, indent, line_start),
            TypeKind::Array(inner) => {
                self.out.push_str("[]");
                self.ty(&inner, indent, line_start);
            }
            TypeKind::Map(inner) => {
                self.out.push_str("[string]");
                self.ty(&inner, indent, line_start);
            }
            TypeKind::Optional(inner) => {
                self.out.push('?');
                self.ty(&inner, indent, line_start);
            }
            simple => self.out.push_str(simple_type_name(&simple)),
        }
    }

    /// Writes `(a: T, b: U)`; false if a comment forbids the one-line form.
    fn struct_inline(&mut self, fields: &Struct<'_, '_>) -> bool {
        if !fields.end_comments().is_empty() || fields.open_comment().is_some() {
            return false;
        }
        self.out.push('(');
        for (i, field) in fields.fields().enumerate() {
            if !field.comments().is_empty() || field.trailing_comment().is_some() {
                return false;
            }
            if i > 0 {
                self.out.push_str(", ");
            }
            self.out.push_str(field.name().text);
            self.out.push_str(": ");
            if !self.ty_inline(&field.ty()) {
                return false;
            }
        }
        self.out.push(')');
        true
    }

    fn enum_inline(&mut self, variants: &Enum<'_, '_>) -> bool {
        if !variants.end_comments().is_empty() || variants.open_comment().is_some() {
            return false;
        }
        self.out.push('(');
        for (i, variant) in variants.variants().enumerate() {
            if !variant.comments().is_empty() || variant.trailing_comment().is_some() {
                return false;
            }
            if i > 0 {
                self.out.push_str(", ");
            }
            self.out.push_str(variant.name().text);
        }
        self.out.push(')');
        true
    }

    fn ty_inline(&mut self, ty: &Type<'_, '_>) -> bool {
        match ty.kind() {
            TypeKind::Struct(fields) => self.struct_inline(&fields),
            TypeKind::Enum(variants) => self.enum_inline(&variants),
            TypeKind::Array(inner) => {
                self.out.push_str("[]");
                self.ty_inline(&inner)
            }
            TypeKind::Map(inner) => {
                self.out.push_str("[string]");
                self.ty_inline(&inner)
            }
            TypeKind::Optional(inner) => {
                self.out.push('?');
                self.ty_inline(&inner)
            }
            simple => {
                self.out.push_str(simple_type_name(&simple));
                true
            }
        }
    }
}

/// The keyword or name of a type without parts.
fn simple_type_name<'a>(kind: &TypeKind<'_, 'a>) -> &'a str {
    match kind {
        TypeKind::Bool => "bool",
        TypeKind::Int => "int",
        TypeKind::Float => "float",
        TypeKind::String => "string",
        TypeKind::Object => "object",
        TypeKind::Any => "any",
        TypeKind::Named(name) => name,
        TypeKind::Struct(_)
        | TypeKind::Enum(_)
        | TypeKind::Array(_)
        | TypeKind::Map(_)
        | TypeKind::Optional(_) => "",
    }
}
