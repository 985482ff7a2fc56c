//! The typed clients: one method per IDL method, with its `more`, `oneway`
//! and `upgrade` forms, async on the runtime's `Connection` and blocking on
//! its blocking connection.

use proc_macro2::TokenStream;
use quote::quote;

use super::Paths;
use super::docs;
use super::plan::{Method, Plan, Shape, Ty};
use super::types::rust_type;
use crate::names;

/// Which client to emit.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Flavor {
    Async,
    Blocking,
}

pub(crate) fn client(plan: &Plan<'_>, paths: &Paths, flavor: Flavor) -> TokenStream {
    let rt = &paths.private;
    let interface = plan.interface.name().text;
    let (name, connection, asyncness, dot_await, flavor_doc) = match flavor {
        Flavor::Async => (
            &plan.names.client,
            quote!(#rt::Connection),
            quote!(async),
            quote!(.await),
            "",
        ),
        Flavor::Blocking => (
            &plan.names.blocking_client,
            quote!(#rt::BlockingConnection),
            quote!(),
            quote!(),
            " It blocks the calling thread and needs no async runtime.",
        ),
    };
    let client = names::ident(name);
    let allow_idl = &paths.allow_idl;
    let allow = &paths.allow_unused;
    let doc = docs::attrs(
        &[],
        &[format!(
            "A client of `{interface}`: one method per varlink method.{flavor_doc}"
        )],
    );
    let methods = plan
        .methods
        .iter()
        .map(|method| client_method(plan, paths, method, flavor));
    quote! {
        #doc
        #[derive(Debug)]
        #allow
        pub struct #client {
            connection: #connection,
        }

        #allow
        #allow_idl
        impl #client {
            /// Connects to the service at `address` (`unix:/path`, `unix:@abstract`,
            /// `tcp:host:port` or `exec:/path/to/program`).
            pub #asyncness fn connect(address: impl #rt::ToAddress) -> ::std::result::Result<Self, Error> {
                ::std::result::Result::Ok(Self::new(#connection::connect(address) #dot_await?))
            }

            /// Wraps an open connection.
            pub fn new(connection: #connection) -> Self {
                Self { connection }
            }

            /// The underlying connection, for settings such as the call timeout.
            pub fn connection(&mut self) -> &mut #connection {
                &mut self.connection
            }

            /// Gives back the underlying connection.
            pub fn into_inner(self) -> #connection {
                self.connection
            }

            #(#methods)*
        }
    }
}

fn client_method(
    plan: &Plan<'_>,
    paths: &Paths,
    method: &Method<'_>,
    flavor: Flavor,
) -> TokenStream {
    let rt = &paths.private;
    let full = plan.full_name(method.wire);
    let reply = names::ident(&plan.types[method.reply].rust);
    let fn_name = names::ident(&method.rust);
    let [_, more, oneway, upgrade] =
        super::plan::client_method_names(&method.rust).map(|name| names::ident(&name));
    let Shape::Struct(fields) = &plan.types[method.params].shape else {
        return TokenStream::new();
    };

    // Arguments in IDL order, borrowed where natural; the method's private
    // struct of references serializes them without copying. The async
    // methods return a future that holds the borrows: all of them (self
    // and the arguments) get its lifetime `'c`.
    let lifetime = match flavor {
        Flavor::Async => quote!('c),
        Flavor::Blocking => quote!(),
    };
    let args = fields.iter().map(|field| {
        let ident = names::ident(&field.rust);
        let (arg_ty, _) = argument_type(plan, &field.ty, paths, &lifetime);
        quote!(#ident: #arg_ty)
    });
    let args: Vec<TokenStream> = args.collect();
    let inits = fields.iter().map(|field| names::ident(&field.rust));
    let call_struct = call_struct_ident(method);
    let parameters = quote!(#call_struct { #(#inits),* });
    let doc = docs::attrs(&method.doc, &[format!("Calls `{full}`.")]);
    let more_doc = docs::attrs(
        &[],
        &[format!(
            "Calls `{full}` with `more`: the service may answer many times; the stream ends after the reply without `continues`."
        )],
    );
    let oneway_doc = docs::attrs(
        &[],
        &[format!(
            "Calls `{full}` with `oneway`: the service sends no reply, not even an error."
        )],
    );
    let upgrade_doc = docs::attrs(
        &[],
        &[format!(
            "Calls `{full}` with `upgrade`: after the reply the connection leaves varlink, and the raw stream is returned with the reply."
        )],
    );
    match flavor {
        Flavor::Async => {
            // Plain functions returning the runtime's call futures, not
            // `async fn`s: see `client_call` in the runtime.
            let future = |output: TokenStream| quote!(impl ::std::future::Future<Output = ::std::result::Result<#output, Error>> + 'c);
            let plain = future(quote!(#reply));
            let streamed = future(quote!(#rt::ReplyStream<'c, #reply, Error>));
            let nothing = future(quote!(()));
            let upgraded = future(quote!((#reply, #rt::Upgraded)));
            quote! {
                #doc
                pub fn #fn_name<'c>(&'c mut self, #(#args),*) -> #plain {
                    #rt::client_call::call(&mut self.connection, #full, #parameters)
                }

                #more_doc
                pub fn #more<'c>(&'c mut self, #(#args),*) -> #streamed {
                    #rt::client_call::more(&mut self.connection, #full, #parameters)
                }

                #oneway_doc
                pub fn #oneway<'c>(&'c mut self, #(#args),*) -> #nothing {
                    #rt::client_call::oneway(&mut self.connection, #full, #parameters)
                }

                #upgrade_doc
                pub fn #upgrade<'c>(&'c mut self, #(#args),*) -> #upgraded {
                    #rt::client_call::upgrade(&mut self.connection, #full, #parameters)
                }
            }
        }
        Flavor::Blocking => quote! {
            #doc
            pub fn #fn_name (&mut self, #(#args),*) -> ::std::result::Result<#reply, Error> {
                let parameters = #parameters;
                ::std::result::Result::Ok(self.connection.call(#full, &parameters)?)
            }

            #more_doc
            pub fn #more (&mut self, #(#args),*) -> ::std::result::Result<#rt::BlockingReplies<'_, #reply, Error>, Error> {
                let parameters = #parameters;
                ::std::result::Result::Ok(self.connection.call_more(#full, &parameters)?.err_into())
            }

            #oneway_doc
            pub fn #oneway (&mut self, #(#args),*) -> ::std::result::Result<(), Error> {
                let parameters = #parameters;
                ::std::result::Result::Ok(self.connection.call_oneway(#full, &parameters)?)
            }

            #upgrade_doc
            pub fn #upgrade (&mut self, #(#args),*) -> ::std::result::Result<(#reply, #rt::BlockingUpgraded), Error> {
                let parameters = #parameters;
                ::std::result::Result::Ok(self.connection.call_upgrade(#full, &parameters)?)
            }
        },
    }
}

/// `__{Method}Call`: the private struct a client method serializes its
/// arguments with. The leading underscores keep it apart from every name
/// the IDL can produce (IDL names start with a letter).
fn call_struct_ident(method: &Method<'_>) -> proc_macro2::Ident {
    names::ident(&format!(
        "__{}Call",
        names::unraw(&names::type_name(method.wire))
    ))
}

/// One private struct per method, shared by the async and the blocking
/// client and by the `more`, `oneway` and `upgrade` forms: the arguments by
/// reference, serialized as the method's input parameters.
pub(crate) fn call_structs(plan: &Plan<'_>, paths: &Paths) -> TokenStream {
    let serde = &paths.serde;
    let serde_crate = &paths.serde_crate;
    let allow = &paths.allow_unused;
    plan.methods
        .iter()
        .filter_map(|method| {
            let Shape::Struct(fields) = &plan.types[method.params].shape else {
                return None;
            };
            let mut borrows = false;
            let struct_fields = fields.iter().map(|field| {
                let ident = names::ident(&field.rust);
                let (field_ty, borrowed) = argument_type(plan, &field.ty, paths, &quote!('p));
                borrows |= borrowed;
                let skip = matches!(field.ty, Ty::Option(_)).then(
                    || quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")]),
                );
                let with = match &field.ty {
                    Ty::Set => Some(format!("{}::serialize_ref", paths.set_with)),
                    Ty::Option(inner) if **inner == Ty::Set => {
                        Some(format!("{}::serialize_ref", paths.option_set_with))
                    }
                    _ => None,
                }
                .map(|path| quote!(#[serde(serialize_with = #path)]));
                let rename = super::types::renamed(&field.rust, field.wire);
                quote!(#rename #skip #with #ident: #field_ty,)
            });
            let struct_fields: Vec<TokenStream> = struct_fields.collect();
            let lifetime = borrows.then(|| quote!(<'p>));
            let name = call_struct_ident(method);
            Some(quote! {
                #[derive(#serde::Serialize)]
                #[serde(crate = #serde_crate)]
                #allow
                struct #name #lifetime {
                    #(#struct_fields)*
                }
            })
        })
        .collect()
}

/// The argument type for a parameter, with `lifetime` on its references,
/// and whether it borrows.
fn argument_type(
    plan: &Plan<'_>,
    ty: &Ty,
    paths: &Paths,
    lifetime: &TokenStream,
) -> (TokenStream, bool) {
    match ty {
        Ty::Bool | Ty::Int | Ty::Float => (rust_type(ty, paths), false),
        Ty::String => (quote!(&#lifetime str), true),
        Ty::Vec(inner) => {
            let inner = rust_type(inner, paths);
            (quote!(&#lifetime [#inner]), true)
        }
        Ty::Named(name) if is_enum(plan, name) => (rust_type(ty, paths), false),
        Ty::Option(inner) => {
            let (inner, borrowed) = argument_type(plan, inner, paths, lifetime);
            (quote!(::std::option::Option<#inner>), borrowed)
        }
        _ => {
            let owned = rust_type(ty, paths);
            (quote!(&#lifetime #owned), true)
        }
    }
}

fn is_enum(plan: &Plan<'_>, name: &str) -> bool {
    plan.types
        .iter()
        .any(|item| item.rust == name && matches!(item.shape, Shape::Enum(_)))
}
