//! The `Error` enum of an interface: one variant per IDL error with its
//! typed fields, the `org.varlink.service` errors, an unknown remote error
//! and transport failures; with the conversions the client (from the
//! runtime's error) and the server (to an error reply) need.

use super::Paths;
use super::code::{Code, push_all};
use super::docs;
use super::plan::{ErrorItem, Field, Plan};
use super::types::{ALLOW_UNUSED, field_line, field_list};

pub(crate) fn error_enum(code: &mut Code, plan: &Plan<'_>, paths: &Paths) {
    let rt = paths.private.as_str();
    let interface = plan.interface.name().text;
    // The org.varlink.service interface declares the built-in errors
    // itself; they are not repeated.
    let idl_errors: Vec<(&ErrorItem<'_>, &[Field<'_>])> = plan
        .errors
        .iter()
        .filter(|error| {
            !(interface == "org.varlink.service"
                && super::plan::BUILTIN_ERROR_VARIANTS.contains(&error.rust))
        })
        .map(|error| (error, plan.fields(error.params)))
        .collect();

    docs::write(
        code,
        &[],
        &[&[
            "The errors of `",
            interface,
            "`, and the ways a call can fail besides.",
        ]],
    );
    code.line(&["#[derive(Debug)]"]);
    code.line(&["#[non_exhaustive]"]);
    code.line(&[ALLOW_UNUSED]);
    code.line(&["#[allow(clippy::enum_variant_names, clippy::large_enum_variant)]"]);
    code.open(&["pub enum Error"]);
    for (error, fields) in &idl_errors {
        docs::write(
            code,
            error.doc,
            &[&["The error `", interface, ".", error.wire, "`."]],
        );
        if fields.is_empty() {
            code.line(&[error.rust, ","]);
            continue;
        }
        code.open(&[error.rust]);
        for field in *fields {
            docs::write(code, field.doc, &[]);
            field_line(code, "", field, paths);
        }
        code.close(",");
    }
    code.template(
        r#"/// `org.varlink.service.InterfaceNotFound`: the service does not implement the interface.
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
    parameters: ::std::option::Option<::std::boxed::Box<$json::value::RawValue>>,
},
/// The call failed before a reply arrived: I/O, protocol, timeout, encoding.
Transport($rt::RuntimeError),"#,
        &[("rt", rt), ("json", &paths.json)],
    );
    code.close("");
    code.blank();

    // Display: `name { field: value, ... }` with the wire names of the
    // fields. The formatter is `__f`: an IDL field may be called `f`, and
    // no IDL name starts with an underscore.
    let mut display_arms = String::new();
    for (error, fields) in &idl_errors {
        let full = error.full;
        if fields.is_empty() {
            push_all(
                &mut display_arms,
                &[
                    "Error::",
                    error.rust,
                    " => __f.write_str(\"",
                    full,
                    "\"),\n",
                ],
            );
            continue;
        }
        let shown: Vec<String> = fields
            .iter()
            .map(|field| format!("{}: {{:?}}", field.wire))
            .collect();
        let idents = field_list(fields);
        push_all(
            &mut display_arms,
            &[
                "Error::",
                error.rust,
                " { ",
                &idents,
                " } => ::std::write!(__f, \"",
                full,
                " {{ ",
                &shown.join(", "),
                " }}\", ",
                &idents,
                "),\n",
            ],
        );
    }
    code.template(
        r#"#[allow(clippy::disallowed_names)]
impl ::std::fmt::Display for Error {
    fn fmt(&self, __f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        match self {
            $arms
            Error::InterfaceNotFound { interface } => ::std::write!(__f, "org.varlink.service.InterfaceNotFound: {}", interface),
            Error::MethodNotFound { method } => ::std::write!(__f, "org.varlink.service.MethodNotFound: {}", method),
            Error::MethodNotImplemented { method } => ::std::write!(__f, "org.varlink.service.MethodNotImplemented: {}", method),
            Error::InvalidParameter { parameter } => ::std::write!(__f, "org.varlink.service.InvalidParameter: {}", parameter),
            Error::PermissionDenied => __f.write_str("org.varlink.service.PermissionDenied"),
            Error::ExpectedMore => __f.write_str("org.varlink.service.ExpectedMore"),
            Error::ExpectedUpgrade => __f.write_str("org.varlink.service.ExpectedUpgrade"),
            Error::Remote { name, parameters: ::std::option::Option::Some(parameters) } => ::std::write!(__f, "{}: {}", name, parameters.get()),
            Error::Remote { name, parameters: ::std::option::Option::None } => __f.write_str(name),
            Error::Transport(error) => ::std::fmt::Display::fmt(error, __f),
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
"#,
        &[("arms", display_arms.trim_end())],
    );
    code.blank();

    // Client side: an error reply becomes its typed variant; parameters
    // that do not match the IDL keep the reply as `Remote`, losing nothing.
    let mut from_remote = String::new();
    if idl_errors.is_empty() {
        from_remote.push_str("Error::Remote { name: remote.name, parameters: remote.parameters },");
    } else {
        from_remote.push_str("match remote.name.as_str() {\n");
        for (error, fields) in &idl_errors {
            let full = error.full;
            if fields.is_empty() {
                push_all(
                    &mut from_remote,
                    &["    \"", full, "\" => Error::", error.rust, ",\n"],
                );
                continue;
            }
            let params = &plan.types[error.params].rust;
            let idents = field_list(fields);
            push_all(
                &mut from_remote,
                &[
                    "    \"",
                    full,
                    "\" => match remote.parameters_as::<",
                    params,
                    ">() {\n",
                    "        ::std::result::Result::Ok(",
                    params,
                    " { ",
                    &idents,
                    " }) => Error::",
                    error.rust,
                    " { ",
                    &idents,
                    " },\n",
                    "        ::std::result::Result::Err(_) => Error::Remote { name: remote.name, parameters: remote.parameters },\n",
                    "    },\n",
                ],
            );
        }
        from_remote.push_str(
            "    _ => Error::Remote { name: remote.name, parameters: remote.parameters },\n},",
        );
    }
    code.template(
        r#"#[allow(clippy::disallowed_names)]
impl ::std::convert::From<$rt::RuntimeError> for Error {
    fn from(error: $rt::RuntimeError) -> Self {
        match error {
            $rt::RuntimeError::Service(service) => match service {
                $rt::ServiceError::InterfaceNotFound { interface } => Error::InterfaceNotFound { interface },
                $rt::ServiceError::MethodNotFound { method } => Error::MethodNotFound { method },
                $rt::ServiceError::MethodNotImplemented { method } => Error::MethodNotImplemented { method },
                $rt::ServiceError::InvalidParameter { parameter } => Error::InvalidParameter { parameter },
                $rt::ServiceError::PermissionDenied => Error::PermissionDenied,
                $rt::ServiceError::ExpectedMore => Error::ExpectedMore,
                $rt::ServiceError::ExpectedUpgrade => Error::ExpectedUpgrade,
                other => Error::Transport($rt::RuntimeError::Service(other)),
            },
            $rt::RuntimeError::Remote(remote) => $from_remote
            other => Error::Transport(other),
        }
    }
}
"#,
        &[("rt", rt), ("from_remote", &from_remote)],
    );
    code.blank();

    // Server side: every variant becomes an error reply.
    let mut to_reply_arms = String::new();
    for (error, fields) in &idl_errors {
        let full = error.full;
        if fields.is_empty() {
            push_all(
                &mut to_reply_arms,
                &[
                    "Error::",
                    error.rust,
                    " => ",
                    rt,
                    "::MethodError::without_parameters(\"",
                    full,
                    "\"),\n",
                ],
            );
            continue;
        }
        let params = &plan.types[error.params].rust;
        let idents = field_list(fields);
        push_all(
            &mut to_reply_arms,
            &[
                "Error::",
                error.rust,
                " { ",
                &idents,
                " } => ",
                rt,
                "::MethodError::new(\"",
                full,
                "\", &",
                params,
                " { ",
                &idents,
                " }),\n",
            ],
        );
    }
    code.template(
        r#"#[allow(clippy::disallowed_names)]
impl ::std::convert::From<Error> for $rt::MethodError {
    fn from(error: Error) -> Self {
        match error {
            $arms
            Error::InterfaceNotFound { interface } => $rt::ServiceError::InterfaceNotFound { interface }.into(),
            Error::MethodNotFound { method } => $rt::ServiceError::MethodNotFound { method }.into(),
            Error::MethodNotImplemented { method } => $rt::ServiceError::MethodNotImplemented { method }.into(),
            Error::InvalidParameter { parameter } => $rt::ServiceError::InvalidParameter { parameter }.into(),
            Error::PermissionDenied => $rt::ServiceError::PermissionDenied.into(),
            Error::ExpectedMore => $rt::ServiceError::ExpectedMore.into(),
            Error::ExpectedUpgrade => $rt::ServiceError::ExpectedUpgrade.into(),
            Error::Remote { name, parameters: ::std::option::Option::Some(parameters) } => $rt::MethodError::new(name, &parameters),
            Error::Remote { name, parameters: ::std::option::Option::None } => $rt::MethodError::without_parameters(name),
            Error::Transport(error) => $rt::MethodError::internal(::std::string::ToString::to_string(&error)),
        }
    }
}
"#,
        &[("rt", rt), ("arms", to_reply_arms.trim_end())],
    );
    code.blank();
}
