//! Structs and enums for every type the plan holds.

use super::Paths;
use super::code::{Code, push_all};
use super::docs;
use super::plan::{Field, Plan, Role, Shape, Ty};
use crate::names;

/// All types of the interface.
pub(crate) fn types(code: &mut Code, plan: &Plan<'_>, paths: &Paths) {
    for index in 0..plan.types.len() {
        type_item(code, plan, index, paths);
        code.blank();
    }
}

/// The type at `index` of the plan's types.
fn type_item(code: &mut Code, plan: &Plan<'_>, index: usize, paths: &Paths) {
    let item = &plan.types[index];
    let interface = plan.interface.name().text;
    let what: &[&str] = match &item.role {
        Role::Named(name) => &["The varlink type `", name, "` of `", interface, "`."],
        Role::Anonymous(path) => &["The anonymous type at `", path, "` in `", interface, "`."],
        Role::Params(method) => &["The input parameters of `", interface, ".", method, "`."],
        Role::Reply(method) => &["The output parameters of `", interface, ".", method, "`."],
        Role::ErrorParams(error) => &["The parameters of the error `", interface, ".", error, "`."],
    };
    docs::write(code, item.doc, &[what]);
    match &item.shape {
        Shape::Struct(_) => {
            let fields = plan.fields(index);
            let eq = if item.eq { ", Eq" } else { "" };
            let default = if item.default { ", Default" } else { "" };
            code.line(&["#[derive(Debug, Clone, PartialEq", eq, default, ")]"]);
            serde_attributes(code, paths);
            // No `deny_unknown_fields`: a server refuses unknown fields at
            // every depth when it parses a call (`MethodCall::parse_parameters`,
            // UAPI.20 "Unknown Fields"), while the same types decoded by a
            // client ignore them, so that services can grow.
            if fields.is_empty() {
                code.line(&["pub struct ", item.rust, " {}"]);
                return;
            }
            code.open(&["pub struct ", item.rust]);
            for field in fields {
                struct_field(code, field, paths);
            }
            code.close("");
        }
        Shape::Enum(_) => {
            code.line(&["#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]"]);
            serde_attributes(code, paths);
            code.open(&["pub enum ", item.rust]);
            for variant in plan.variants(index) {
                let renamed = is_renamed(variant.rust, variant.wire);
                let extra: &[&[&str]] = if renamed {
                    &[&["Wire name: `", variant.wire, "`."]]
                } else {
                    &[]
                };
                docs::write(code, variant.doc, extra);
                if renamed {
                    rename(code, variant.wire);
                }
                code.line(&[variant.rust, ","]);
            }
            code.close("");
        }
    }
}

/// The derives, serde crate path and attributes every type has.
fn serde_attributes(code: &mut Code, paths: &Paths) {
    code.line(&["#[derive(", &paths.serde_derives, ")]"]);
    code.line(&["#[serde(crate = \"", &paths.serde, "\")]"]);
    code.line(&[ALLOW_UNUSED]);
    for attribute in &paths.attributes {
        code.line(&["#[", attribute, "]"]);
    }
}

/// On every item: a binary uses part of the generated API, and the user's
/// module may be private; neither should warn.
pub(crate) const ALLOW_UNUSED: &str = "#[allow(dead_code, unreachable_pub)]";

fn struct_field(code: &mut Code, field: &Field<'_>, paths: &Paths) {
    let renamed = is_renamed(field.rust, field.wire);
    let extra: &[&[&str]] = if renamed {
        &[&["Wire name: `", field.wire, "`."]]
    } else {
        &[]
    };
    docs::write(code, field.doc, extra);
    if renamed {
        rename(code, field.wire);
    }
    if matches!(field.ty, Ty::Option(_)) {
        code.line(&["#[serde(default, skip_serializing_if = \"::std::option::Option::is_none\")]"]);
    }
    if let Some(adapter) = set_adapter(&field.ty, paths) {
        code.line(&["#[serde(with = \"", adapter, "\")]"]);
    }
    field_line(code, "pub ", field, paths);
}

/// `{visibility}name: Type,`: a field of a struct or of an error variant.
pub(crate) fn field_line(code: &mut Code, visibility: &str, field: &Field<'_>, paths: &Paths) {
    code.line_with(|out| {
        push_all(out, &[visibility, field.rust, ": "]);
        write_type(out, &field.ty, paths);
        out.push(',');
    });
}

/// The runtime's serde adapter for a field that holds a set of strings
/// (`[string]()` or `?[string]()`), which is a JSON object on the wire.
pub(crate) fn set_adapter<'p>(ty: &Ty<'_>, paths: &'p Paths) -> Option<&'p str> {
    match ty {
        Ty::Set => Some(&paths.set_with),
        Ty::Option(inner) if **inner == Ty::Set => Some(&paths.option_set_with),
        _ => None,
    }
}

/// `a, b, c`: the Rust names of `fields`, for patterns and struct literals.
pub(crate) fn field_list(fields: &[Field<'_>]) -> String {
    let mut out = String::with_capacity(fields.len() * 16);
    push_field_list(&mut out, fields);
    out
}

/// Appends [`field_list`] to `out`.
pub(crate) fn push_field_list(out: &mut String, fields: &[Field<'_>]) {
    for (at, field) in fields.iter().enumerate() {
        if at > 0 {
            out.push_str(", ");
        }
        out.push_str(field.rust);
    }
}

/// Whether the Rust name differs from the wire name, so that serde needs
/// a `rename`.
pub(crate) fn is_renamed(rust: &str, wire: &str) -> bool {
    names::unraw(rust) != wire
}

/// `#[serde(rename = "wire")]`. Wire names are IDL names: letters, digits
/// and `_`, nothing to escape.
pub(crate) fn rename(code: &mut Code, wire: &str) {
    code.line(&["#[serde(rename = \"", wire, "\")]"]);
}

/// Writes the Rust type for a planned type, by absolute paths.
pub(crate) fn write_type(out: &mut String, ty: &Ty<'_>, paths: &Paths) {
    let wrapped = |out: &mut String, outer: &str, inner: &Ty<'_>| {
        out.push_str(outer);
        write_type(out, inner, paths);
        out.push('>');
    };
    match ty {
        Ty::Bool => out.push_str("bool"),
        Ty::Int => out.push_str("i64"),
        Ty::Float => out.push_str("f64"),
        Ty::String => out.push_str("::std::string::String"),
        Ty::Object => {
            out.push_str(&paths.json);
            out.push_str("::Map<::std::string::String, ");
            out.push_str(&paths.json);
            out.push_str("::Value>");
        }
        Ty::Any => {
            out.push_str(&paths.json);
            out.push_str("::Value");
        }
        Ty::Named(name) => out.push_str(name),
        Ty::Vec(inner) => wrapped(out, "::std::vec::Vec<", inner),
        Ty::Map(inner) => {
            out.push_str(&paths.map);
            wrapped(out, "<::std::string::String, ", inner);
        }
        Ty::Set => {
            out.push_str(&paths.set);
            out.push_str("<::std::string::String>");
        }
        Ty::Option(inner) => wrapped(out, "::std::option::Option<", inner),
        Ty::Boxed(inner) => wrapped(out, "::std::boxed::Box<", inner),
    }
}
