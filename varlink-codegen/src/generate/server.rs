//! The server side: a trait with one async method per IDL method, and an
//! adapter that registers an implementation with the runtime's service.

use super::Paths;
use super::client::ALLOW_IDL;
use super::code::{Code, push_all};
use super::docs;
use super::plan::{Field, Method, Plan};
use super::types::{ALLOW_UNUSED, write_type};

pub(crate) fn server(code: &mut Code, plan: &Plan<'_>, paths: &Paths, default_bodies: bool) {
    let rt = paths.private.as_str();
    let interface = plan.interface.name().text;
    let service_trait = &plan.names.service_trait;
    let adapter = &plan.names.server_adapter;
    docs::write(
        code,
        crate::idl::ast::doc_block(plan.interface.comments()),
        &[
            &[
                "The service side of `",
                interface,
                "`: implement it, then serve it with [`",
                adapter,
                "`].",
            ],
            &[],
            &[
                "Each method receives the call context (flags, peer credentials, `continues` replies) and the typed input parameters.",
            ],
        ],
    );
    code.line(&[ALLOW_UNUSED]);
    code.line(&[ALLOW_IDL]);
    code.open(&[
        "pub trait ",
        service_trait,
        ": ::std::marker::Send + ::std::marker::Sync + 'static",
    ]);
    let mut text = MethodText::default();
    for (at, method) in plan.methods.iter().enumerate() {
        if at > 0 {
            code.blank();
        }
        trait_method(code, plan, paths, method, default_bodies, &mut text);
    }
    code.close("");
    code.blank();

    let mut arms = String::with_capacity(plan.methods.len() * 512);
    for method in &plan.methods {
        dispatch_arm(&mut arms, plan, rt, method);
    }
    docs::write(
        code,
        &[],
        &[&[
            "Serves an implementation of [`",
            service_trait,
            "`] as the interface `",
            interface,
            "`: register it with `Service::add_interface`.",
        ]],
    );
    code.template(
        r#"#[derive(Debug)]
$allow
pub struct $adapter<T> {
    implementation: T,
}

$allow
impl<T: $service_trait> $adapter<T> {
    /// Wraps an implementation.
    pub fn new(implementation: T) -> Self {
        Self { implementation }
    }

    /// The implementation.
    pub fn get_ref(&self) -> &T {
        &self.implementation
    }
}

impl<T: $service_trait> $rt::Interface for $adapter<T> {
    fn name(&self) -> &str {
        INTERFACE_NAME
    }

    fn description(&self) -> &str {
        INTERFACE_DESCRIPTION
    }

    fn dispatch<'a>(&'a self, call: &'a $rt::MethodCall, context: &'a mut $rt::CallContext) -> $rt::DispatchFuture<'a> {
        ::std::boxed::Box::pin(async move {
            match call.member() {
                $arms
                _ => ::std::result::Result::Err($rt::MethodError::method_not_found(call)),
            }
        })
    }
}"#,
        &[
            ("allow", ALLOW_UNUSED),
            ("adapter", adapter),
            ("service_trait", service_trait),
            ("rt", rt),
            ("arms", arms.trim_end()),
        ],
    );
}

/// The name of the context parameter in a trait method: `context`, unless a
/// parameter of the method is called so.
fn context_name(fields: &[Field<'_>]) -> &'static str {
    let taken = |name: &str| fields.iter().any(|field| field.rust == name);
    ["context", "call_context", "varlink_context"]
        .into_iter()
        .find(|name| !taken(name))
        .unwrap_or("__context")
}

/// Text a trait method builds before it goes into its template, kept
/// from one method to the next so that its room is reused.
#[derive(Default)]
struct MethodText {
    /// `, a: ::std::string::String, b: i64`
    args: String,
    /// What a default body leaves unused: `context`, or `(context, a, b)`.
    unused: String,
}

fn trait_method(
    code: &mut Code,
    plan: &Plan<'_>,
    paths: &Paths,
    method: &Method<'_>,
    default_bodies: bool,
    text: &mut MethodText,
) {
    let rt = paths.private.as_str();
    let full = method.full;
    let reply = &plan.types[method.reply].rust;
    let fields = plan.fields(method.params);
    let context = context_name(fields);
    let MethodText { args, unused } = text;
    args.clear();
    unused.clear();
    if !fields.is_empty() {
        unused.push('(');
    }
    unused.push_str(context);
    for field in fields {
        push_all(args, &[", ", field.rust, ": "]);
        write_type(args, &field.ty, paths);
        push_all(unused, &[", ", field.rust]);
    }
    if !fields.is_empty() {
        unused.push(')');
    }
    docs::write(code, method.doc, &[&["Answers `", full, "`."]]);
    let vars = [
        ("rt", rt),
        ("name", method.rust),
        ("context", context),
        ("args", args),
        ("reply", reply),
        ("full", full),
        ("unused", unused),
    ];
    if default_bodies {
        code.template(
            r#"///
/// Not implemented unless overridden: answers `org.varlink.service.MethodNotImplemented`.
fn $name(&self, $context: &mut $rt::CallContext$args) -> impl ::std::future::Future<Output = ::std::result::Result<$reply, Error>> + ::std::marker::Send {
    let _ = $unused;
    async move {
        ::std::result::Result::Err(Error::MethodNotImplemented { method: ::std::string::String::from("$full") })
    }
}"#,
            &vars,
        );
    } else {
        code.template(
            r#"fn $name(&self, $context: &mut $rt::CallContext$args) -> impl ::std::future::Future<Output = ::std::result::Result<$reply, Error>> + ::std::marker::Send;"#,
            &vars,
        );
    }
}

/// One arm of `dispatch`'s `match`, for `method`.
fn dispatch_arm(out: &mut String, plan: &Plan<'_>, rt: &str, method: &Method<'_>) {
    let params = &plan.types[method.params].rust;
    let fields = plan.fields(method.params);
    // Fields are moved out of the parsed struct; no local is named after a
    // parameter, so none can shadow `call` or `context`.
    let binding = if fields.is_empty() { "_" } else { "parameters" };
    push_all(
        out,
        &[
            "\"",
            method.wire,
            "\" => {\n",
            "    let ",
            binding,
            " = call.parse_parameters::<",
            params,
            ">()?;\n",
            "    let reply = self.implementation.",
            method.rust,
            "(context",
        ],
    );
    for field in fields {
        push_all(out, &[", parameters.", field.rust]);
    }
    push_all(
        out,
        &[").await?;\n    ", rt, "::reply(context, &reply)\n}\n"],
    );
}
