//! IDL comments as rustdoc.
//!
//! IDL documentation is free text, but rustdoc reads Markdown and runs code
//! blocks as doctests of the user's crate. The text is escaped so that it
//! shows as written and never breaks `cargo doc` or `cargo test`: brackets
//! and angle brackets outside code spans are escaped (no intra-doc links,
//! no HTML tags), bare URLs become autolinks, fenced blocks that rustdoc
//! would take for Rust are marked `text` (and their lines kept as they
//! are), and lines indented like a Markdown code block lose that
//! indentation.

use super::code::{Code, push_all};
use crate::idl::ast::Comment;

/// Whether `text` has a character that Rust source may not hold as it is
/// in a comment or a raw string: a carriage return (not allowed), or a
/// character that changes the direction of text (denied by rustc's
/// `text_direction_codepoint_in_comment` and `..._in_literal` lints,
/// because it can make code read differently from what it does).
fn must_escape(text: &str) -> bool {
    // By bytes: every such character but `\r` starts with 0xE2 in UTF-8
    // (U+202A-E is E2 80 AA-AE, U+2066-9 is E2 81 A6-A9), and `memchr2`
    // skips the rest of the text much faster than decoding its chars.
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'\r', 0xE2, bytes).any(|at| {
        bytes[at] == b'\r'
            || matches!(
                bytes.get(at + 1..at + 3),
                Some([0x80, 0xAA..=0xAE] | [0x81, 0xA6..=0xA9])
            )
    })
}

/// A string literal for `text`, raw (`r#"..."#`) where Rust allows it:
/// the text as it is, between enough `#`s. Text with a character that
/// cannot stand in a raw literal ([`must_escape`]) is escaped.
pub(crate) fn string_literal(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 8);
    push_string_literal(&mut literal, text);
    literal
}

/// Appends [`string_literal`] of `text` to `out`: the interface text goes
/// into the generated file this way, without a copy of its own.
pub(crate) fn push_string_literal(out: &mut String, text: &str) {
    if must_escape(text) {
        // `Debug` writes a valid Rust string literal, with `\r` and
        // `\u{202e}` escapes.
        use std::fmt::Write as _;
        let _ = write!(out, "{text:?}");
        return;
    }
    // One `#` more than the longest run of them after a `"`.
    let mut hashes = 0;
    let bytes = text.as_bytes();
    for at in memchr::memchr_iter(b'"', bytes) {
        let run = bytes[at + 1..].iter().take_while(|&&b| b == b'#').count();
        hashes = hashes.max(run + 1);
    }
    out.reserve(text.len() + 2 * hashes + 3);
    out.push('r');
    out.extend(std::iter::repeat_n('#', hashes));
    out.push('"');
    out.push_str(text);
    out.push('"');
    out.extend(std::iter::repeat_n('#', hashes));
}

/// Doc comments for IDL documentation lines, followed by `extra` lines
/// that the generator writes itself (Markdown, given in parts that are
/// written one after the other).
pub(crate) fn write(code: &mut Code, lines: &[Comment<'_>], extra: &[&[&str]]) {
    let mut fence = None;
    for line in lines {
        idl_doc_line(code, line.text, &mut fence);
    }
    if !lines.is_empty() && !extra.is_empty() {
        code.line(&["///"]);
    }
    for parts in extra {
        if parts.iter().all(|part| part.is_empty()) {
            code.line(&["///"]);
            continue;
        }
        code.line_with(|out| {
            out.push_str("/// ");
            push_all(out, parts);
        });
    }
}

/// One `///` line of IDL text, escaped; `fence` is the fence of the code
/// block the line is in, if any. A line with a character Rust does not
/// allow in a comment ([`must_escape`]) becomes a `#[doc]` attribute with
/// an escaped string.
fn idl_doc_line(code: &mut Code, line: &str, fence: &mut Option<Fence>) {
    if must_escape(line) {
        let mut escaped = String::from(" ");
        escape_into(&mut escaped, line, fence);
        code.line(&["#[doc = ", &string_literal(&escaped), "]"]);
    } else if line.is_empty() {
        code.line(&["///"]);
    } else {
        code.line_with(|out| {
            out.push_str("/// ");
            escape_into(out, line, fence);
        });
    }
}

/// An open fenced code block: its fence character and length.
#[derive(Clone, Copy)]
struct Fence {
    mark: char,
    len: usize,
}

/// A fence line (three or more backticks or tildes, indented less than a
/// code block): the fence and the info string after it.
fn fence_of(line: &str) -> Option<(Fence, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let mark = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.len() - trimmed.trim_start_matches(mark).len();
    (len >= 3).then(|| (Fence { mark, len }, trimmed[len..].trim()))
}

/// Whether rustdoc takes a code block with this info string for Rust and
/// runs it as a doctest: no language, `rust`, or only its own attributes.
fn is_rust_block(info: &str) -> bool {
    info.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .all(|word| {
            matches!(
                word,
                "rust"
                    | "ignore"
                    | "should_panic"
                    | "no_run"
                    | "compile_fail"
                    | "test_harness"
                    | "standalone_crate"
                    | "allow_fail"
            ) || word.starts_with("edition")
                || word.starts_with("ignore-")
        })
}

/// The bytes [`escape_into`] stops at, as a table: one load per byte of
/// documentation instead of nine comparisons. URLs are found at their
/// `:`, which is rarer in text than the `h` they start with.
static NEEDS_CARE: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"`[]<>*_\\:";
    let mut at = 0;
    while at < bytes.len() {
        table[bytes[at] as usize] = true;
        at += 1;
    }
    table
};

/// Writes `line` to `out`, escaped for rustdoc as the module says;
/// `fence` follows the fenced code blocks from line to line.
fn escape_into(out: &mut String, line: &str, fence: &mut Option<Fence>) {
    if let Some(open) = *fence {
        // Inside a code block the text shows as it is: no escapes. A
        // fence as long as the opening one, or longer, closes it.
        if let Some((close, "")) = fence_of(line)
            && close.mark == open.mark
            && close.len >= open.len
        {
            *fence = None;
        }
        out.push_str(line);
        return;
    }
    if let Some((open, info)) = fence_of(line) {
        *fence = Some(open);
        let marks = &line.trim_start()[..open.len];
        out.push_str(marks);
        if is_rust_block(info) {
            // rustdoc would run it as a doctest of the user's crate: it
            // is IDL documentation, so mark it plain text.
            out.push_str("text");
        } else {
            out.push_str(info);
        }
        return;
    }
    let trimmed = line.trim_start();
    // Four spaces or a tab would start an indented code block.
    let line = if line.starts_with("    ") || line.starts_with('\t') {
        trimmed
    } else {
        line
    };
    // Copied a run at a time, up to the next byte that may need care (all
    // of them ASCII, so every cut is at a char boundary).
    let mut in_code = false;
    let mut rest = line;
    while let Some(at) = find_care(rest.as_bytes()) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match rest.as_bytes()[0] {
            // Not escaped; only the start of a URL.
            b':' => {
                if let Some(start) = url_start(out, rest, in_code) {
                    // A bare URL would be a rustdoc warning: make it an
                    // autolink. Its scheme is already written, as it was
                    // (it holds nothing to escape).
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
                    out.insert(start, '<');
                    out.push_str(url);
                    out.push('>');
                    rest = &rest[url.len()..];
                    continue;
                }
            }
            b'`' => in_code = !in_code,
            _ if !in_code => out.push('\\'),
            _ => {}
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
}

/// The first byte of `bytes` that may need care ([`NEEDS_CARE`]). Most
/// text needs none: eight bytes are looked up at a time, their flags or-ed
/// together, with one branch per eight bytes instead of one per byte.
fn find_care(bytes: &[u8]) -> Option<usize> {
    let mut skipped = 0;
    for chunk in bytes.chunks_exact(8) {
        if chunk
            .iter()
            .fold(false, |any, &b| any | NEEDS_CARE[usize::from(b)])
        {
            break;
        }
        skipped += 8;
    }
    bytes[skipped..]
        .iter()
        .position(|&b| NEEDS_CARE[usize::from(b)])
        .map(|at| skipped + at)
}

/// Where the URL starts in `out` when `rest`, the text still to write,
/// starts with the `://` of a bare `http` or `https` URL, outside a code
/// span.
fn url_start(out: &str, rest: &str, in_code: bool) -> Option<usize> {
    if in_code || !rest.starts_with("://") {
        return None;
    }
    let scheme = ["https", "http"]
        .into_iter()
        .find(|scheme| out.ends_with(scheme))?;
    let start = out.len() - scheme.len();
    let at_word_start = !out[..start].ends_with(|c: char| c.is_alphanumeric() || c == '/');
    at_word_start.then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idl::ast::Span;

    /// Doc comments with these texts.
    fn comments<'a>(lines: &[&'a str]) -> Vec<Comment<'a>> {
        lines
            .iter()
            .map(|&text| Comment {
                text,
                span: Span::new(0, 0),
                blank_line_before: false,
            })
            .collect()
    }

    fn escape_line(line: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, line, &mut None);
        out
    }

    #[test]
    fn find_care_agrees_with_a_byte_loop() {
        let text = "plain words, then `code` and a_b; more plain text: [x] <y> *z* \\ end";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let bytes = &text.as_bytes()[start..end];
                let expected = bytes.iter().position(|&b| NEEDS_CARE[usize::from(b)]);
                assert_eq!(find_care(bytes), expected, "{start}..{end}");
            }
        }
    }

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
        assert_eq!(escape_line("key: value, a::b"), "key: value, a::b");
        assert_eq!(escape_line("xhttp://a ftp://b"), "xhttp://a ftp://b");
        assert_eq!(escape_line("(https://a/b_c)"), r"(<https://a/b_c>)");
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
            assert_eq!(literal.starts_with('r'), raw, "{literal}");
            let parsed: syn::LitStr = syn::parse_str(&literal).expect("a valid literal");
            assert_eq!(parsed.value(), text, "{literal}");
        }
    }

    #[test]
    fn fenced_blocks_are_followed_across_lines() {
        let lines = [
            "```",
            "let [a] = b_c;",
            "```",
            "after [x]",
            "````no_run",
            "```",
            "````",
            "~~~ json",
            "{\"a\": [1]}",
            "~~~",
            "```rust,ignore",
            "```",
        ];
        let mut code = Code::with_capacity(0);
        write(&mut code, &comments(&lines), &[]);
        assert_eq!(
            code.into_string(),
            [
                "/// ```text",
                "/// let [a] = b_c;",
                "/// ```",
                "/// after \\[x\\]",
                "/// ````text",
                "/// ```",
                "/// ````",
                "/// ~~~json",
                "/// {\"a\": [1]}",
                "/// ~~~",
                "/// ```text",
                "/// ```",
                "",
            ]
            .join("\n")
        );
    }

    #[test]
    fn characters_that_must_be_escaped_are_found() {
        // Every char of the block around the ones that count, alone and
        // inside other text.
        for c in ('\u{2000}'..='\u{20FF}').chain(['\r', '\n', '\u{E2}', 'é']) {
            let expected = matches!(c, '\r' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            assert_eq!(must_escape(&c.to_string()), expected, "{c:?}");
            assert_eq!(must_escape(&format!("a\u{2028}b{c}d")), expected, "{c:?}");
        }
    }

    #[test]
    fn text_direction_characters_are_escaped() {
        let text = "a \u{202E}b";
        assert_eq!(string_literal(text), "\"a \\u{202e}b\"");
        let mut code = Code::with_capacity(0);
        write(&mut code, &comments(&[text]), &[]);
        assert_eq!(code.into_string(), "#[doc = \" a \\u{202e}b\"]\n");
    }

    #[test]
    fn doc_lines_keep_their_text() {
        let mut code = Code::with_capacity(0);
        write(
            &mut code,
            &comments(&["first [x]", "", "/ not a fourth slash", "a\rb"]),
            &[&["Extra", "."], &[""], &["More."]],
        );
        assert_eq!(
            code.into_string(),
            "/// first \\[x\\]\n///\n/// / not a fourth slash\n#[doc = \" a\\rb\"]\n///\n/// Extra.\n///\n/// More.\n"
        );
    }
}
