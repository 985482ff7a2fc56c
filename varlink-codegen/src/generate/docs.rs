//! IDL comments as rustdoc.
//!
//! IDL documentation is free text, but rustdoc reads Markdown and runs code
//! blocks as doctests of the user's crate. The text is escaped so that it
//! shows as written and never breaks `cargo doc` or `cargo test`: brackets
//! and angle brackets outside code spans are escaped (no intra-doc links,
//! no HTML tags), bare URLs become autolinks, fenced blocks are marked
//! `text`, and lines indented like a Markdown code block lose that
//! indentation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// A string literal for `text`, raw (`r#"..."#`) where Rust allows it.
///
/// `Literal::string` escapes char by char (`escape_debug`, a push per
/// char); for documentation and the embedded interface text that was about
/// a sixth of generation. A raw literal is the text as it is, between
/// enough `#`s. A carriage return cannot stand in a raw literal, so text
/// with one is escaped as before.
pub(crate) fn string_literal(text: &str) -> Literal {
    if text.contains('\r') {
        return Literal::string(text);
    }
    // One `#` more than the longest run of them after a `"`.
    let mut hashes = 0;
    for (at, _) in text.match_indices('"') {
        let run = text[at + 1..].bytes().take_while(|&b| b == b'#').count();
        hashes = hashes.max(run + 1);
    }
    let fence = "#".repeat(hashes);
    match format!("r{fence}\"{text}\"{fence}").parse() {
        Ok(literal) => literal,
        Err(_) => Literal::string(text),
    }
}

/// `#[doc = "..."]` attributes for IDL documentation lines, followed by
/// `extra` lines that the generator writes itself (already Markdown).
pub(crate) fn attrs(lines: &[&str], extra: &[String]) -> TokenStream {
    let mut out = TokenStream::new();
    for line in lines {
        let text = string_literal(&format!(" {}", escape_line(line)));
        out.extend(quote!(#[doc = #text]));
    }
    if !lines.is_empty() && !extra.is_empty() {
        out.extend(quote!(#[doc = ""]));
    }
    for line in extra {
        let text = string_literal(&format!(" {line}"));
        out.extend(quote!(#[doc = #text]));
    }
    out
}

fn escape_line(line: &str) -> String {
    let trimmed = line.trim_start();
    if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
        // A fence: make sure the block is not taken for Rust.
        let fence = &trimmed[..3];
        let info = trimmed[3..].trim();
        return if info.is_empty() || info == "rust" {
            format!("{fence}text")
        } else {
            trimmed.to_owned()
        };
    }
    // Four spaces or a tab would start an indented code block.
    let line = if line.starts_with("    ") || line.starts_with('\t') {
        trimmed
    } else {
        line
    };
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while let Some(ch) = rest.chars().next() {
        let at_word_start = !out.ends_with(|c: char| c.is_alphanumeric() || c == '/');
        if !in_code
            && at_word_start
            && (rest.starts_with("https://") || rest.starts_with("http://"))
        {
            // A bare URL would be a rustdoc warning: make it an autolink.
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        match ch {
            '`' => in_code = !in_code,
            '[' | ']' | '<' | '>' | '*' | '_' | '\\' if !in_code => out.push('\\'),
            _ => {}
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape_line("a [string]T map <b>"),
            r"a \[string\]T map \<b\>"
        );
        assert_eq!(escape_line("use `[string]T` here"), "use `[string]T` here");
        assert_eq!(escape_line("snake_case *x*"), r"snake\_case \*x\*");
        assert_eq!(escape_line("```"), "```text");
        assert_eq!(escape_line("```json"), "```json");
        assert_eq!(escape_line("    let x = 1;"), "let x = 1;");
        assert_eq!(escape_line("  two spaces"), "  two spaces");
        assert_eq!(
            escape_line("see https://github.com/varlink/, or `http://x`"),
            "see <https://github.com/varlink/>, or `http://x`"
        );
        assert_eq!(escape_line("http://a.b/c_d."), "<http://a.b/c_d>.");
        assert_eq!(
            escape_line("the [A](https://x.y/A.md) file"),
            r"the \[A\](<https://x.y/A.md>) file"
        );
    }

    #[test]
    fn string_literals_keep_every_text_and_are_raw_where_they_can_be() {
        for (text, raw) in [
            ("plain", true),
            ("a \"quote\" and a \\ backslash", true),
            ("\"# closes a one-hash literal, \"## a two-hash one", true),
            ("ends in a quote\"", true),
            ("lines\nand\ttabs, é, \u{2028}, \0", true),
            ("a carriage\r\nreturn", false),
            ("", true),
        ] {
            let literal = string_literal(text);
            let tokens = literal.to_string();
            assert_eq!(tokens.starts_with('r'), raw, "{tokens}");
            let parsed: syn::LitStr = syn::parse_str(&tokens).expect("a valid literal");
            assert_eq!(parsed.value(), text, "{tokens}");
        }
    }
}
