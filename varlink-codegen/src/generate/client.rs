//! The typed clients: one method per IDL method, with its `more`, `oneway`
//! and `upgrade` forms, async on the runtime's `Connection` and blocking on
//! its blocking connection.

use super::Paths;
use super::code::{Code, push_all};
use super::docs;
use super::plan::{Method, Plan, Shape, Ty};
use super::types::{ALLOW_UNUSED, is_renamed, push_field_list, rename, set_adapter, write_type};
use crate::fxhash::FxHashSet;

/// Which client to emit.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Flavor {
    Async,
    Blocking,
}

pub(crate) fn client(code: &mut Code, plan: &Plan<'_>, paths: &Paths, flavor: Flavor) {
    let rt = paths.private.as_str();
    let interface = plan.interface.name().text;
    let (name, connection, connect_fn, dot_await, flavor_doc) = match flavor {
        Flavor::Async => (&plan.names.client, "Connection", "async fn", ".await", ""),
        Flavor::Blocking => (
            &plan.names.blocking_client,
            "BlockingConnection",
            "fn",
            "",
            " It blocks the calling thread and needs no async runtime.",
        ),
    };
    docs::write(
        code,
        &[],
        &[&[
            "A client of `",
            interface,
            "`: one method per varlink method.",
            flavor_doc,
        ]],
    );
    code.template(
        r#"#[derive(Debug)]
$allow
pub struct $client {
    connection: $rt::$connection,
}

$allow
$allow_idl"#,
        &[
            ("allow", ALLOW_UNUSED),
            ("allow_idl", ALLOW_IDL),
            ("client", name),
            ("rt", rt),
            ("connection", connection),
        ],
    );
    code.open(&["impl ", name]);
    code.template(
        r#"/// Connects to the service at `address` (`unix:/path`, `unix:@abstract`,
/// `tcp:host:port` or `exec:/path/to/program`).
pub $connect_fn connect(address: impl $rt::ToAddress) -> ::std::result::Result<Self, Error> {
    ::std::result::Result::Ok(Self::new($rt::$connection::connect(address)$dot_await?))
}

/// Wraps an open connection.
pub fn new(connection: $rt::$connection) -> Self {
    Self { connection }
}

/// The underlying connection, for settings such as the call timeout.
pub fn connection(&mut self) -> &mut $rt::$connection {
    &mut self.connection
}

/// Gives back the underlying connection.
pub fn into_inner(self) -> $rt::$connection {
    self.connection
}"#,
        &[
            ("rt", rt),
            ("connection", connection),
            ("connect_fn", connect_fn),
            ("dot_await", dot_await),
        ],
    );
    let enums = enum_names(plan);
    let mut text = MethodText::default();
    for method in &plan.methods {
        code.blank();
        client_method(code, plan, &enums, paths, method, flavor, &mut text);
    }
    code.close("");
    code.blank();
}

/// On items the IDL shapes past Clippy's taste through no fault of the
/// user: names like `foo` bound as parameters, methods with many
/// parameters, an `Error` as large as the IDL's error fields.
pub(crate) const ALLOW_IDL: &str =
    "#[allow(clippy::disallowed_names, clippy::too_many_arguments, clippy::result_large_err)]";

/// Text a client method builds before it goes into its template, kept
/// from one method to the next so that its room is reused.
#[derive(Default)]
struct MethodText {
    /// `, a: &'c str, b: i64`
    args: String,
    /// `__FooCall { a, b }`
    parameters: String,
}

fn client_method(
    code: &mut Code,
    plan: &Plan<'_>,
    enums: &FxHashSet<&str>,
    paths: &Paths,
    method: &Method<'_>,
    flavor: Flavor,
    text: &mut MethodText,
) {
    let rt = paths.private.as_str();
    let full = method.full;
    let reply = &plan.types[method.reply].rust;
    let [_, more, oneway, upgrade] = method.client_fns;
    let fields = plan.fields(method.params);

    // Arguments in IDL order, borrowed where natural; the method's private
    // struct of references serializes them without copying. The async
    // methods return a future that holds the borrows: all of them (self
    // and the arguments) get its lifetime `'c`.
    let lifetime = match flavor {
        Flavor::Async => "'c ",
        Flavor::Blocking => "",
    };
    let MethodText { args, parameters } = text;
    args.clear();
    for field in fields {
        push_all(args, &[", ", field.rust, ": "]);
        write_argument_type(args, enums, &field.ty, paths, lifetime);
    }
    parameters.clear();
    parameters.push_str(method.call_struct);
    if fields.is_empty() {
        parameters.push_str(" {}");
    } else {
        parameters.push_str(" { ");
        push_field_list(parameters, fields);
        parameters.push_str(" }");
    }
    docs::write(code, method.doc, &[&["Calls `", full, "`."]]);
    let vars = [
        ("rt", rt),
        ("name", method.rust),
        ("more", more),
        ("oneway", oneway),
        ("upgrade", upgrade),
        ("args", args),
        ("reply", reply),
        ("full", full),
        ("parameters", parameters),
    ];
    match flavor {
        // Plain functions returning the runtime's call futures, not
        // `async fn`s: see `client_call` in the runtime.
        Flavor::Async => code.template(
            r#"pub fn $name<'c>(&'c mut self$args) -> impl ::std::future::Future<Output = ::std::result::Result<$reply, Error>> + 'c {
    $rt::client_call::call(&mut self.connection, "$full", $parameters)
}

/// Calls `$full` with `more`: the service may answer many times; the stream ends after the reply without `continues`.
pub fn $more<'c>(&'c mut self$args) -> impl ::std::future::Future<Output = ::std::result::Result<$rt::ReplyStream<'c, $reply, Error>, Error>> + 'c {
    $rt::client_call::more(&mut self.connection, "$full", $parameters)
}

/// Calls `$full` with `oneway`: the service sends no reply, not even an error.
pub fn $oneway<'c>(&'c mut self$args) -> impl ::std::future::Future<Output = ::std::result::Result<(), Error>> + 'c {
    $rt::client_call::oneway(&mut self.connection, "$full", $parameters)
}

/// Calls `$full` with `upgrade`: after the reply the connection leaves varlink, and the raw stream is returned with the reply.
pub fn $upgrade<'c>(&'c mut self$args) -> impl ::std::future::Future<Output = ::std::result::Result<($reply, $rt::Upgraded), Error>> + 'c {
    $rt::client_call::upgrade(&mut self.connection, "$full", $parameters)
}
"#,
            &vars,
        ),
        Flavor::Blocking => code.template(
            r#"pub fn $name(&mut self$args) -> ::std::result::Result<$reply, Error> {
    let parameters = $parameters;
    ::std::result::Result::Ok(self.connection.call("$full", &parameters)?)
}

/// Calls `$full` with `more`: the service may answer many times; the stream ends after the reply without `continues`.
pub fn $more(&mut self$args) -> ::std::result::Result<$rt::BlockingReplies<'_, $reply, Error>, Error> {
    let parameters = $parameters;
    ::std::result::Result::Ok(self.connection.call_more("$full", &parameters)?.err_into())
}

/// Calls `$full` with `oneway`: the service sends no reply, not even an error.
pub fn $oneway(&mut self$args) -> ::std::result::Result<(), Error> {
    let parameters = $parameters;
    ::std::result::Result::Ok(self.connection.call_oneway("$full", &parameters)?)
}

/// Calls `$full` with `upgrade`: after the reply the connection leaves varlink, and the raw stream is returned with the reply.
pub fn $upgrade(&mut self$args) -> ::std::result::Result<($reply, $rt::BlockingUpgraded), Error> {
    let parameters = $parameters;
    ::std::result::Result::Ok(self.connection.call_upgrade("$full", &parameters)?)
}
"#,
            &vars,
        ),
    }
}

/// One private struct per method, shared by the async and the blocking
/// client and by the `more`, `oneway` and `upgrade` forms: the arguments by
/// reference, serialized as the method's input parameters.
pub(crate) fn call_structs(code: &mut Code, plan: &Plan<'_>, paths: &Paths) {
    let enums = enum_names(plan);
    // Whether a struct borrows is known from its types, before they are
    // written: they are written here first to find out.
    let mut scratch = String::new();
    for method in &plan.methods {
        let fields = plan.fields(method.params);
        let borrows = fields.iter().any(|field| {
            scratch.clear();
            write_argument_type(&mut scratch, &enums, &field.ty, paths, "'p ")
        });
        code.line(&["#[derive(", &paths.serde, "::Serialize)]"]);
        code.line(&["#[serde(crate = \"", &paths.serde, "\")]"]);
        code.line(&[ALLOW_UNUSED]);
        let lifetime = if borrows { "<'p>" } else { "" };
        let name = &method.call_struct;
        if fields.is_empty() {
            code.line(&["struct ", name, lifetime, " {}"]);
            code.blank();
            continue;
        }
        code.open(&["struct ", name, lifetime]);
        for field in fields {
            if is_renamed(field.rust, field.wire) {
                rename(code, field.wire);
            }
            if matches!(field.ty, Ty::Option(_)) {
                code.line(&["#[serde(skip_serializing_if = \"::std::option::Option::is_none\")]"]);
            }
            if let Some(adapter) = set_adapter(&field.ty, paths) {
                code.line(&[
                    "#[serde(serialize_with = \"",
                    adapter,
                    "::serialize_ref\")]",
                ]);
            }
            code.line_with(|out| {
                push_all(out, &[field.rust, ": "]);
                write_argument_type(out, &enums, &field.ty, paths, "'p ");
                out.push(',');
            });
        }
        code.close("");
        code.blank();
    }
}

/// Writes the argument type for a parameter, with `lifetime` (`'c ` or
/// empty) on its references; returns whether it borrows. Enums are
/// `Copy`: by value.
fn write_argument_type(
    out: &mut String,
    enums: &FxHashSet<&str>,
    ty: &Ty<'_>,
    paths: &Paths,
    lifetime: &str,
) -> bool {
    match ty {
        Ty::Bool | Ty::Int | Ty::Float => {
            write_type(out, ty, paths);
            false
        }
        Ty::Named(name) if enums.contains(&**name) => {
            write_type(out, ty, paths);
            false
        }
        Ty::String => {
            push_all(out, &["&", lifetime, "str"]);
            true
        }
        Ty::Vec(inner) => {
            push_all(out, &["&", lifetime, "["]);
            write_type(out, inner, paths);
            out.push(']');
            true
        }
        Ty::Option(inner) => {
            out.push_str("::std::option::Option<");
            let borrowed = write_argument_type(out, enums, inner, paths, lifetime);
            out.push('>');
            borrowed
        }
        _ => {
            push_all(out, &["&", lifetime]);
            write_type(out, ty, paths);
            true
        }
    }
}

/// The Rust names of the enums among the planned types.
fn enum_names<'p>(plan: &'p Plan<'_>) -> FxHashSet<&'p str> {
    plan.types
        .iter()
        .filter(|item| matches!(item.shape, Shape::Enum(_)))
        .map(|item| item.rust)
        .collect()
}
