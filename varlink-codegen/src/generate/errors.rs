//! The `Error` enum of an interface: one variant per IDL error with its
//! typed fields, the `org.varlink.service` errors, an unknown remote error
//! and transport failures; with the conversions the client (from the
//! runtime's error) and the server (to an error reply) need.

use proc_macro2::TokenStream;
use quote::quote;

use super::Paths;
use super::docs;
use super::plan::{ErrorItem, Plan, Shape};
use crate::names;

pub(crate) fn error_enum(plan: &Plan<'_>, paths: &Paths) -> TokenStream {
    let rt = &paths.private;
    let json = &paths.json;
    let interface = plan.interface.name().text;
    // The org.varlink.service interface declares the built-in errors
    // itself; they are not repeated.
    let idl_errors: Vec<&ErrorItem<'_>> = plan
        .errors
        .iter()
        .filter(|error| {
            !(interface == "org.varlink.service"
                && super::plan::BUILTIN_ERROR_VARIANTS.contains(&error.rust.as_str()))
        })
        .collect();

    let variants = idl_errors.iter().map(|error| {
        let ident = names::ident(&error.rust);
        let wire = format!("`{interface}.{}`", error.wire);
        let doc = docs::attrs(&error.doc, &[format!("The error {wire}.")]);
        let fields = error_fields(plan, error, paths);
        if fields.is_empty() {
            return quote!(#doc #ident,);
        }
        let fields = fields
            .iter()
            .map(|(ident, ty, doc)| quote!(#doc #ident: #ty,));
        quote!(#doc #ident { #(#fields)* },)
    });

    let display_arms = idl_errors.iter().map(|error| {
        let ident = names::ident(&error.rust);
        let full = plan.full_name(error.wire);
        let Shape::Struct(fields) = &plan.types[error.params].shape else {
            return TokenStream::new();
        };
        if fields.is_empty() {
            return quote!(Error::#ident => f.write_str(#full),);
        }
        // `name { field: value, ... }` with the wire names of the fields.
        let shown: Vec<String> = fields
            .iter()
            .map(|field| format!("{}: {{:?}}", field.wire))
            .collect();
        let format = format!("{full} {{{{ {} }}}}", shown.join(", "));
        let idents: Vec<_> = fields
            .iter()
            .map(|field| names::ident(&field.rust))
            .collect();
        quote!(Error::#ident { #(#idents),* } => ::std::write!(f, #format, #(#idents),*),)
    });

    // Client side: an error reply becomes its typed variant; parameters
    // that do not match the IDL keep the reply as `Remote`, losing nothing.
    let from_remote_arms = idl_errors.iter().map(|error| {
        let ident = names::ident(&error.rust);
        let full = plan.full_name(error.wire);
        let params = names::ident(&plan.types[error.params].rust);
        let fields: Vec<_> = error_fields(plan, error, paths).into_iter().map(|(ident, _, _)| ident).collect();
        if fields.is_empty() {
            quote!(#full => Error::#ident,)
        } else {
            quote! {
                #full => match remote.parameters_as::<#params>() {
                    ::std::result::Result::Ok(#params { #(#fields),* }) => Error::#ident { #(#fields),* },
                    ::std::result::Result::Err(_) => Error::Remote {
                        name: remote.name,
                        parameters: remote.parameters,
                    },
                },
            }
        }
    });

    let from_remote_arms: Vec<TokenStream> = from_remote_arms.collect();
    let from_remote = if from_remote_arms.is_empty() {
        quote!(Error::Remote {
            name: remote.name,
            parameters: remote.parameters
        })
    } else {
        quote! {
            match remote.name.as_str() {
                #(#from_remote_arms)*
                _ => Error::Remote { name: remote.name, parameters: remote.parameters },
            }
        }
    };

    // Server side: every variant becomes an error reply.
    let to_reply_arms = idl_errors.iter().map(|error| {
        let ident = names::ident(&error.rust);
        let full = plan.full_name(error.wire);
        let params = names::ident(&plan.types[error.params].rust);
        let fields: Vec<_> = error_fields(plan, error, paths).into_iter().map(|(ident, _, _)| ident).collect();
        if fields.is_empty() {
            quote!(Error::#ident => #rt::MethodError::without_parameters(#full),)
        } else {
            quote!(Error::#ident { #(#fields),* } => #rt::MethodError::new(#full, &#params { #(#fields),* }),)
        }
    });

    let doc = docs::attrs(
        &[],
        &[format!(
            "The errors of `{interface}`, and the ways a call can fail besides."
        )],
    );
    let allow = &paths.allow_unused;
    quote! {
        #doc
        #[derive(Debug)]
        #[non_exhaustive]
        #allow
        #[allow(clippy::enum_variant_names, clippy::large_enum_variant)]
        pub enum Error {
            #(#variants)*
            /// `org.varlink.service.InterfaceNotFound`: the service does not implement the interface.
            InterfaceNotFound {
                /// The interface that was asked for.
                interface: ::std::string::String,
            },
            /// `org.varlink.service.MethodNotFound`: the interface has no such method.
            MethodNotFound {
                /// The method that was called.
                method: ::std::string::String,
            },
            /// `org.varlink.service.MethodNotImplemented`: the service does not implement the method.
            MethodNotImplemented {
                /// The method that was called.
                method: ::std::string::String,
            },
            /// `org.varlink.service.InvalidParameter`: a parameter is missing, unknown or of the wrong type.
            InvalidParameter {
                /// The parameter, a dotted path for nested fields.
                parameter: ::std::string::String,
            },
            /// `org.varlink.service.PermissionDenied`.
            PermissionDenied,
            /// `org.varlink.service.ExpectedMore`: the method must be called with `more`.
            ExpectedMore,
            /// `org.varlink.service.ExpectedUpgrade`: the method must be called with `upgrade`.
            ExpectedUpgrade,
            /// An error reply this interface does not declare (or whose
            /// parameters do not match the declaration), kept as received.
            Remote {
                /// The fully-qualified error name.
                name: ::std::string::String,
                /// The raw parameters, if any.
                parameters: ::std::option::Option<::std::boxed::Box<#json::value::RawValue>>,
            },
            /// The call failed before a reply arrived: I/O, protocol, timeout, encoding.
            Transport(#rt::RuntimeError),
        }

        #[allow(clippy::disallowed_names)]
        impl ::std::fmt::Display for Error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #(#display_arms)*
                    Error::InterfaceNotFound { interface } => ::std::write!(f, "org.varlink.service.InterfaceNotFound: {}", interface),
                    Error::MethodNotFound { method } => ::std::write!(f, "org.varlink.service.MethodNotFound: {}", method),
                    Error::MethodNotImplemented { method } => ::std::write!(f, "org.varlink.service.MethodNotImplemented: {}", method),
                    Error::InvalidParameter { parameter } => ::std::write!(f, "org.varlink.service.InvalidParameter: {}", parameter),
                    Error::PermissionDenied => f.write_str("org.varlink.service.PermissionDenied"),
                    Error::ExpectedMore => f.write_str("org.varlink.service.ExpectedMore"),
                    Error::ExpectedUpgrade => f.write_str("org.varlink.service.ExpectedUpgrade"),
                    Error::Remote { name, parameters: ::std::option::Option::Some(parameters) } => ::std::write!(f, "{}: {}", name, parameters.get()),
                    Error::Remote { name, parameters: ::std::option::Option::None } => f.write_str(name),
                    Error::Transport(error) => ::std::fmt::Display::fmt(error, f),
                }
            }
        }

        impl ::std::error::Error for Error {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    Error::Transport(error) => ::std::option::Option::Some(error),
                    _ => ::std::option::Option::None,
                }
            }
        }

        #[allow(clippy::disallowed_names)]
        impl ::std::convert::From<#rt::RuntimeError> for Error {
            fn from(error: #rt::RuntimeError) -> Self {
                match error {
                    #rt::RuntimeError::Service(service) => match service {
                        #rt::ServiceError::InterfaceNotFound { interface } => Error::InterfaceNotFound { interface },
                        #rt::ServiceError::MethodNotFound { method } => Error::MethodNotFound { method },
                        #rt::ServiceError::MethodNotImplemented { method } => Error::MethodNotImplemented { method },
                        #rt::ServiceError::InvalidParameter { parameter } => Error::InvalidParameter { parameter },
                        #rt::ServiceError::PermissionDenied => Error::PermissionDenied,
                        #rt::ServiceError::ExpectedMore => Error::ExpectedMore,
                        #rt::ServiceError::ExpectedUpgrade => Error::ExpectedUpgrade,
                        other => Error::Transport(#rt::RuntimeError::Service(other)),
                    },
                    #rt::RuntimeError::Remote(remote) => #from_remote,
                    other => Error::Transport(other),
                }
            }
        }

        #[allow(clippy::disallowed_names)]
        impl ::std::convert::From<Error> for #rt::MethodError {
            fn from(error: Error) -> Self {
                match error {
                    #(#to_reply_arms)*
                    Error::InterfaceNotFound { interface } => #rt::ServiceError::InterfaceNotFound { interface }.into(),
                    Error::MethodNotFound { method } => #rt::ServiceError::MethodNotFound { method }.into(),
                    Error::MethodNotImplemented { method } => #rt::ServiceError::MethodNotImplemented { method }.into(),
                    Error::InvalidParameter { parameter } => #rt::ServiceError::InvalidParameter { parameter }.into(),
                    Error::PermissionDenied => #rt::ServiceError::PermissionDenied.into(),
                    Error::ExpectedMore => #rt::ServiceError::ExpectedMore.into(),
                    Error::ExpectedUpgrade => #rt::ServiceError::ExpectedUpgrade.into(),
                    Error::Remote { name, parameters: ::std::option::Option::Some(parameters) } => #rt::MethodError::new(name, &parameters),
                    Error::Remote { name, parameters: ::std::option::Option::None } => #rt::MethodError::without_parameters(name),
                    Error::Transport(error) => #rt::MethodError::internal(::std::string::ToString::to_string(&error)),
                }
            }
        }
    }
}

/// The fields of an error: identifier, type and doc, from its parameter
/// struct in the plan.
fn error_fields(
    plan: &Plan<'_>,
    error: &ErrorItem<'_>,
    paths: &Paths,
) -> Vec<(proc_macro2::Ident, TokenStream, TokenStream)> {
    let Shape::Struct(fields) = &plan.types[error.params].shape else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|field| {
            let ty = super::types::rust_type(&field.ty, paths);
            (names::ident(&field.rust), ty, docs::attrs(&field.doc, &[]))
        })
        .collect()
}
