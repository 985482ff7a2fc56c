//! Structs and enums for every type the plan holds.

use proc_macro2::TokenStream;
use quote::quote;

use super::Paths;
use super::docs;
use super::plan::{Field, Plan, Role, Shape, Ty, TypeItem};
use crate::names;

/// All types of the interface.
pub(crate) fn types(plan: &Plan<'_>, paths: &Paths) -> TokenStream {
    plan.types
        .iter()
        .map(|item| type_item(plan, item, paths))
        .collect()
}

fn type_item(plan: &Plan<'_>, item: &TypeItem<'_>, paths: &Paths) -> TokenStream {
    let interface = plan.interface.name().text;
    let what = match &item.role {
        Role::Named(name) => format!("The varlink type `{name}` of `{interface}`."),
        Role::Anonymous(path) => format!("The anonymous type at `{path}` in `{interface}`."),
        Role::Params(method) => format!("The input parameters of `{interface}.{method}`."),
        Role::Reply(method) => format!("The output parameters of `{interface}.{method}`."),
        Role::ErrorParams(error) => format!("The parameters of the error `{interface}.{error}`."),
    };
    let doc = docs::attrs(&item.doc, &[what]);
    let name = names::ident(&item.rust);
    let serde = &paths.serde;
    let serde_crate = &paths.serde_crate;
    let extra_derives = &paths.derives;
    let extra_attrs = &paths.attributes;
    let allow = &paths.allow_unused;
    match &item.shape {
        Shape::Struct(fields) => {
            let mut derives = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
            if item.eq {
                derives.push(quote!(Eq));
            }
            if item.default {
                derives.push(quote!(Default));
            }
            // No `deny_unknown_fields`: a server refuses unknown fields at
            // every depth when it parses a call (`MethodCall::parse_parameters`,
            // UAPI.20 "Unknown Fields"), while the same types decoded by a
            // client ignore them, so that services can grow.
            let fields = fields.iter().map(|field| struct_field(field, paths));
            quote! {
                #doc
                #[derive(#(#derives),*)]
                #[derive(#serde::Serialize, #serde::Deserialize #(, #extra_derives)*)]
                #[serde(crate = #serde_crate)]
                #allow
                #(#[#extra_attrs])*
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        Shape::Enum(variants) => {
            let variants = variants.iter().map(|variant| {
                let ident = names::ident(&variant.rust);
                let rename = renamed(&variant.rust, variant.wire);
                let extra: Vec<String> = rename
                    .is_some()
                    .then(|| format!("Wire name: `{}`.", variant.wire))
                    .into_iter()
                    .collect();
                let doc = docs::attrs(&variant.doc, &extra);
                quote! {
                    #doc
                    #rename
                    #ident,
                }
            });
            quote! {
                #doc
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                #[derive(#serde::Serialize, #serde::Deserialize #(, #extra_derives)*)]
                #[serde(crate = #serde_crate)]
                #allow
                #(#[#extra_attrs])*
                pub enum #name {
                    #(#variants)*
                }
            }
        }
    }
}

fn struct_field(field: &Field<'_>, paths: &Paths) -> TokenStream {
    let ident = names::ident(&field.rust);
    let rename = renamed(&field.rust, field.wire);
    let extra: Vec<String> = rename
        .is_some()
        .then(|| format!("Wire name: `{}`.", field.wire))
        .into_iter()
        .collect();
    let doc = docs::attrs(&field.doc, &extra);
    let ty = rust_type(&field.ty, paths);
    let optional = matches!(field.ty, Ty::Option(_))
        .then(|| quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]));
    let with = match &field.ty {
        Ty::Set => Some(&paths.set_with),
        Ty::Option(inner) if **inner == Ty::Set => Some(&paths.option_set_with),
        _ => None,
    }
    .map(|with| quote!(#[serde(with = #with)]));
    quote! {
        #doc
        #rename
        #optional
        #with
        pub #ident: #ty,
    }
}

/// `#[serde(rename = "wire")]` when the Rust name differs from the wire name.
pub(crate) fn renamed(rust: &str, wire: &str) -> Option<TokenStream> {
    (names::unraw(rust) != wire).then(|| quote!(#[serde(rename = #wire)]))
}

/// The Rust type for a planned type, by absolute paths.
pub(crate) fn rust_type(ty: &Ty, paths: &Paths) -> TokenStream {
    let json = &paths.json;
    match ty {
        Ty::Bool => quote!(bool),
        Ty::Int => quote!(i64),
        Ty::Float => quote!(f64),
        Ty::String => quote!(::std::string::String),
        Ty::Object => quote!(#json::Map<::std::string::String, #json::Value>),
        Ty::Any => quote!(#json::Value),
        Ty::Named(name) => {
            let ident = names::ident(name);
            quote!(#ident)
        }
        Ty::Vec(inner) => {
            let inner = rust_type(inner, paths);
            quote!(::std::vec::Vec<#inner>)
        }
        Ty::Map(inner) => {
            let inner = rust_type(inner, paths);
            let map = &paths.map;
            quote!(#map<::std::string::String, #inner>)
        }
        Ty::Set => {
            let set = &paths.set;
            quote!(#set<::std::string::String>)
        }
        Ty::Option(inner) => {
            let inner = rust_type(inner, paths);
            quote!(::std::option::Option<#inner>)
        }
        Ty::Boxed(inner) => {
            let inner = rust_type(inner, paths);
            quote!(::std::boxed::Box<#inner>)
        }
    }
}
