//! The front end: from interface text to a validated syntax tree, and back
//! to canonical text.
//!
//! Each stage is public on its own: [`parse_syntax`] (lexer and parser),
//! [`validate`], and [`format()`]. [`parse`] runs the first two, which is what
//! almost every caller wants.
//!
//! ```
//! let source = "interface org.example.ping\n\nmethod Ping(ping: string) -> (pong: string)\n";
//! let interface = varlink_codegen::idl::parse(source)?;
//! assert_eq!(interface.name().text, "org.example.ping");
//! assert_eq!(varlink_codegen::idl::format(&interface), source);
//! # Ok::<(), varlink_codegen::Diagnostics>(())
//! ```
//!
//! A dropped tree leaves its node vectors to the next parse on the same
//! thread (one per kind of node, each kept only up to 4 MiB and not handed
//! to a parse that needs far less), and so does the validator's table of
//! member names, so that parsing many interfaces in one process does not
//! fault fresh memory in for each.
//!
//! The tree is stored flat and read through small `Copy` views
//! ([`ast::Member`], [`ast::Struct`], [`ast::Field`], [`ast::Type`], ...):
//!
//! ```
//! use varlink_codegen::idl::ast::{MemberKind, TypeKind};
//!
//! let source = "interface org.example.x\nmethod Get(id: ?int) -> (name: string)\n";
//! let interface = varlink_codegen::idl::parse(source)?;
//! let mut optional = Vec::new();
//! for member in interface.members() {
//!     if let MemberKind::Method { input, .. } = member.kind() {
//!         for field in input.fields() {
//!             if matches!(field.ty().kind(), TypeKind::Optional(_)) {
//!                 optional.push(format!("{}.{}", member.name().text, field.name().text));
//!             }
//!         }
//!     }
//! }
//! assert_eq!(optional, ["Get.id"]);
//! # Ok::<(), varlink_codegen::Diagnostics>(())
//! ```

pub mod ast;
mod format;
mod lexer;
mod members;
mod parser;
mod scan;
mod spare;
mod validate;

pub use ast::Interface;
pub use format::{MAX_WIDTH, format};
pub use parser::{MAX_NESTING, parse_syntax};
pub use validate::{field_name_problem, interface_name_problem, member_name_problem, validate};

use crate::diagnostic::Diagnostics;

/// Parses and validates an interface definition. On failure, returns every
/// problem found, sorted by position (a syntax error stops parsing, so it
/// comes alone).
pub fn parse(source: &str) -> Result<Interface<'_>, Diagnostics> {
    let interface = parse_syntax(source)?;
    validate(&interface)?;
    Ok(interface)
}
