//! The proc-macro front end, as a library function: `varlink-macros` only
//! forwards its input here, which keeps the macro crate trivial and lets
//! tests compare the macro's tokens with the build script's.
//!
//! Accepted input:
//!
//! ```text
//! varlink_interface!("src/org.example.ping.varlink");
//! varlink_interface!(inline = r#"interface org.example.ping ..."#);
//! varlink_interface!("src/x.varlink", server = false, map_type = "::std::collections::BTreeMap");
//! ```
//!
//! Settings keys: `client`, `blocking_client`, `server`,
//! `default_method_bodies` (booleans); `map_type`, `set_type`,
//! `runtime_path`, `derive` (strings; `derive` may repeat).

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Token};

use crate::generate::{self, Settings};

enum Source {
    Path(LitStr),
    Inline(LitStr),
}

struct Input {
    source: Source,
    settings: Settings,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected the path of a .varlink file, relative to CARGO_MANIFEST_DIR, or `inline = \"...\"`",
            ));
        }
        let source = if input.peek(LitStr) {
            Source::Path(input.parse()?)
        } else {
            let key: Ident = input.parse()?;
            if key != "inline" {
                return Err(syn::Error::new(
                    key.span(),
                    "expected a path string or `inline = \"...\"` first",
                ));
            }
            input.parse::<Token![=]>()?;
            Source::Inline(input.parse()?)
        };
        let mut settings = Settings::default();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "client" => settings.client(input.parse::<LitBool>()?.value),
                "blocking_client" => settings.blocking_client(input.parse::<LitBool>()?.value),
                "server" => settings.server(input.parse::<LitBool>()?.value),
                "default_method_bodies" => {
                    settings.default_method_bodies(input.parse::<LitBool>()?.value)
                }
                "map_type" => settings.map_type(input.parse::<LitStr>()?.value()),
                "set_type" => settings.set_type(input.parse::<LitStr>()?.value()),
                "runtime_path" => settings.runtime_path(input.parse::<LitStr>()?.value()),
                "derive" => settings.derive(input.parse::<LitStr>()?.value()),
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown setting `{other}`; expected one of client, blocking_client, server, default_method_bodies, map_type, set_type, runtime_path, derive"
                        ),
                    ));
                }
            };
        }
        Ok(Input { source, settings })
    }
}

/// Expands `varlink_interface!(...)`. `manifest_dir` is the directory that
/// relative paths start from (the macro passes `CARGO_MANIFEST_DIR`).
/// Problems come back as `compile_error!` tokens pointing at the input.
pub fn expand(input: TokenStream, manifest_dir: &Path) -> TokenStream {
    match expand_inner(input, manifest_dir) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn expand_inner(input: TokenStream, manifest_dir: &Path) -> syn::Result<TokenStream> {
    let Input { source, settings } = syn::parse2(input)?;
    let (text, literal, path) = match &source {
        Source::Path(literal) => {
            let path = manifest_dir.join(literal.value());
            // The path as written, not the absolute one: the caret already
            // points at it, and the message stays the same wherever the
            // crate is built.
            let text = std::fs::read_to_string(&path).map_err(|error| {
                syn::Error::new(
                    literal.span(),
                    format!(
                        "cannot read `{}` (relative paths start at the directory of the crate's Cargo.toml): {error}",
                        literal.value()
                    ),
                )
            })?;
            (text, literal, Some(path))
        }
        Source::Inline(literal) => (literal.value(), literal, None),
    };
    let shown = match &path {
        Some(path) => path.display().to_string(),
        None => "inline interface".to_owned(),
    };
    let tokens = generate_tokens(&text, &settings).map_err(|rendered| {
        syn::Error::new(
            literal.span(),
            format!(
                "invalid varlink interface\n{}",
                rendered.replace("<source>", &shown)
            ),
        )
    })?;
    // Tracking the file makes cargo rebuild when it changes.
    let track = path.map(|path: PathBuf| {
        let path = path.display().to_string();
        quote!(
            const _: &str = ::std::include_str!(#path);
        )
    });
    Ok(quote! {
        #track
        #tokens
    })
}

/// Parses, validates and generates; on failure returns the rendered
/// diagnostics (with `<source>` as the path).
fn generate_tokens(text: &str, settings: &Settings) -> Result<TokenStream, String> {
    let render = |diagnostics: crate::Diagnostics| diagnostics.render("<source>", text, false);
    let interface = crate::idl::parse(text).map_err(render)?;
    let code = generate::generate(&interface, text, settings).map_err(render)?;
    // The generator writes text; rustc's lexer makes tokens of it (doc
    // comments become `#[doc]` attributes).
    code.parse::<TokenStream>()
        .map_err(|error| format!("internal error: the generated code does not lex: {error}"))
}
