//! The server side: a trait with one async method per IDL method, and an
//! adapter that registers an implementation with the runtime's service.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::Paths;
use super::docs;
use super::plan::{Method, Plan, Shape};
use super::types::rust_type;
use crate::names;

pub(crate) fn server(plan: &Plan<'_>, paths: &Paths, default_bodies: bool) -> TokenStream {
    let rt = &paths.private;
    let interface = plan.interface.name().text;
    let service_trait = names::ident(&plan.names.service_trait);
    let adapter = names::ident(&plan.names.server_adapter);
    let allow = &paths.allow_unused;
    let allow_idl = &paths.allow_idl;
    let trait_methods = plan
        .methods
        .iter()
        .map(|method| trait_method(plan, paths, method, default_bodies));
    let arms = plan
        .methods
        .iter()
        .map(|method| dispatch_arm(plan, paths, method));
    let trait_doc = docs::attrs(
        &plan.interface.doc().collect::<Vec<_>>(),
        &[
            format!("The service side of `{interface}`: implement it, then serve it with [`{}`].", plan.names.server_adapter),
            String::new(),
            "Each method receives the call context (flags, peer credentials, `continues` replies) and the typed input parameters.".to_owned(),
        ],
    );
    let adapter_doc = docs::attrs(
        &[],
        &[format!(
            "Serves an implementation of [`{}`] as the interface `{interface}`: register it with `Service::add_interface`.",
            plan.names.service_trait
        )],
    );
    quote! {
        #trait_doc
        #allow
        #allow_idl
        pub trait #service_trait: ::std::marker::Send + ::std::marker::Sync + 'static {
            #(#trait_methods)*
        }

        #adapter_doc
        #[derive(Debug)]
        #allow
        pub struct #adapter<T> {
            implementation: T,
        }

        #allow
        impl<T: #service_trait> #adapter<T> {
            /// Wraps an implementation.
            pub fn new(implementation: T) -> Self {
                Self { implementation }
            }

            /// The implementation.
            pub fn get_ref(&self) -> &T {
                &self.implementation
            }
        }

        impl<T: #service_trait> #rt::Interface for #adapter<T> {
            fn name(&self) -> &str {
                INTERFACE_NAME
            }

            fn description(&self) -> &str {
                INTERFACE_DESCRIPTION
            }

            fn dispatch<'a>(&'a self, call: &'a #rt::MethodCall, context: &'a mut #rt::CallContext) -> #rt::DispatchFuture<'a> {
                ::std::boxed::Box::pin(async move {
                    match call.member() {
                        #(#arms)*
                        _ => ::std::result::Result::Err(#rt::MethodError::method_not_found(call)),
                    }
                })
            }
        }
    }
}

/// The name of the context parameter in a trait method: `context`, unless a
/// parameter of the method is called so.
fn context_name(fields: &[super::plan::Field<'_>]) -> Ident {
    let taken = |name: &str| fields.iter().any(|field| field.rust == name);
    let name = ["context", "call_context", "varlink_context"]
        .into_iter()
        .find(|name| !taken(name))
        .unwrap_or("__context");
    names::ident(name)
}

fn trait_method(
    plan: &Plan<'_>,
    paths: &Paths,
    method: &Method<'_>,
    default_bodies: bool,
) -> TokenStream {
    let rt = &paths.private;
    let full = plan.full_name(method.wire);
    let fn_name = names::ident(&method.rust);
    let reply = names::ident(&plan.types[method.reply].rust);
    let Shape::Struct(fields) = &plan.types[method.params].shape else {
        return TokenStream::new();
    };
    let context = context_name(fields);
    let args: Vec<_> = fields
        .iter()
        .map(|field| {
            let ident = names::ident(&field.rust);
            let ty = rust_type(&field.ty, paths);
            quote!(#ident: #ty)
        })
        .collect();
    let doc = docs::attrs(&method.doc, &[format!("Answers `{full}`.")]);
    let signature = quote! {
        fn #fn_name(&self, #context: &mut #rt::CallContext, #(#args),*)
            -> impl ::std::future::Future<Output = ::std::result::Result<#reply, Error>> + ::std::marker::Send
    };
    if default_bodies {
        let idents = fields.iter().map(|field| names::ident(&field.rust));
        quote! {
            #doc
            #[doc = ""]
            #[doc = " Not implemented unless overridden: answers `org.varlink.service.MethodNotImplemented`."]
            #signature {
                let _ = (#context, #(#idents),*);
                async move {
                    ::std::result::Result::Err(Error::MethodNotImplemented { method: ::std::string::String::from(#full) })
                }
            }
        }
    } else {
        quote!(#doc #signature;)
    }
}

fn dispatch_arm(plan: &Plan<'_>, paths: &Paths, method: &Method<'_>) -> TokenStream {
    let rt = &paths.private;
    let wire = method.wire;
    let fn_name = names::ident(&method.rust);
    let params = names::ident(&plan.types[method.params].rust);
    let Shape::Struct(fields) = &plan.types[method.params].shape else {
        return TokenStream::new();
    };
    // Fields are moved out of the parsed struct; no local is named after a
    // parameter, so none can shadow `call` or `context`.
    let moves = fields.iter().map(|field| {
        let ident = names::ident(&field.rust);
        quote!(parameters.#ident)
    });
    let parse = if fields.is_empty() {
        quote!(let _ = call.parse_parameters::<#params>()?;)
    } else {
        quote!(let parameters = call.parse_parameters::<#params>()?;)
    };
    quote! {
        #wire => {
            #parse
            let reply = self.implementation.#fn_name(context, #(#moves),*).await?;
            #rt::reply(context, &reply)
        }
    }
}
