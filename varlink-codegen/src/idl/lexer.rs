//! Splits interface text into tokens.
//!
//! Whitespace is skipped and comments are set aside in `comments`, with
//! enough context (own line or end of line, blank line before) for the
//! parser to attach them to the node they belong to. The lexer works on
//! bytes and decodes UTF-8 only where non-ASCII text may stand outside a
//! comment (UAPI.20 allows Unicode spaces and line separators there).

use super::ast::{Comment, Span};

/// The kinds of token in the interface grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    LParen,
    RParen,
    Comma,
    Colon,
    Question,
    LBracket,
    RBracket,
    Arrow,
    /// A run of letters, digits, `_`, `-` and `.`: a keyword, a name or an
    /// interface name. Which of those it may be is the parser's and the
    /// validator's decision, so that a bad name gets a precise message.
    Word,
    /// A character that cannot start any token.
    Invalid,
    Eof,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
    /// Whether a line break stands between the previous token and this one.
    pub(crate) newline_before: bool,
}

/// A comment as the lexer saw it, before the parser attaches it to a node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingComment<'a> {
    pub(crate) comment: Comment<'a>,
    /// Whether the comment starts its own line (else it trails code).
    pub(crate) own_line: bool,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Comments skipped since the parser last took them.
    pub(crate) comments: Vec<PendingComment<'a>>,
    /// Set until the first token: comments there start their own line.
    at_start: bool,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            comments: Vec::new(),
            at_start: true,
        }
    }

    pub(crate) fn text(&self, span: Span) -> &'a str {
        &self.src[span.range()]
    }

    pub(crate) fn next_token(&mut self) -> Token {
        let bytes = self.src.as_bytes();
        // Line breaks seen since the last token or comment, for the comment
        // context, and whether any was seen since the last token.
        let mut newlines = 0usize;
        let mut newline_before = false;
        loop {
            let Some(&byte) = bytes.get(self.pos) else {
                return self.token(TokenKind::Eof, self.pos, self.pos, newline_before);
            };
            match byte {
                b' ' | b'\t' => self.pos += 1,
                b'\n' => {
                    newlines += 1;
                    newline_before = true;
                    self.pos += 1;
                }
                b'\r' => {
                    newlines += 1;
                    newline_before = true;
                    self.pos += 1;
                    if bytes.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                }
                b'#' => {
                    self.comment(newlines);
                    newlines = 0;
                }
                0x80.. => {
                    let Some(ch) = self.src[self.pos..].chars().next() else {
                        return self.token(TokenKind::Eof, self.pos, self.pos, newline_before);
                    };
                    if is_line_separator(ch) {
                        newlines += 1;
                        newline_before = true;
                    } else if !is_unicode_space(ch) {
                        let start = self.pos;
                        self.pos += ch.len_utf8();
                        return self.token(TokenKind::Invalid, start, self.pos, newline_before);
                    }
                    self.pos += ch.len_utf8();
                }
                _ => return self.lex_token(newline_before),
            }
        }
    }

    fn token(&mut self, kind: TokenKind, start: usize, end: usize, newline_before: bool) -> Token {
        self.at_start = false;
        Token {
            kind,
            span: Span::new(start, end),
            newline_before,
        }
    }

    fn lex_token(&mut self, newline_before: bool) -> Token {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let kind = match bytes[start] {
            b'(' => TokenKind::LParen,
            b')' => TokenKind::RParen,
            b',' => TokenKind::Comma,
            b':' => TokenKind::Colon,
            b'?' => TokenKind::Question,
            b'[' => TokenKind::LBracket,
            b']' => TokenKind::RBracket,
            b'-' if bytes.get(start + 1) == Some(&b'>') => {
                self.pos += 2;
                return self.token(TokenKind::Arrow, start, self.pos, newline_before);
            }
            byte if byte.is_ascii_alphanumeric() || byte == b'_' => {
                let mut end = start + 1;
                while let Some(&byte) = bytes.get(end) {
                    let continues = WORD_BYTE[usize::from(byte)]
                        || (byte == b'-' && bytes.get(end + 1) != Some(&b'>'));
                    if !continues {
                        break;
                    }
                    end += 1;
                }
                self.pos = end;
                return self.token(TokenKind::Word, start, end, newline_before);
            }
            _ => TokenKind::Invalid,
        };
        self.pos += 1;
        self.token(kind, start, self.pos, newline_before)
    }

    /// Reads a comment that starts at `self.pos` up to (not including) the
    /// line end.
    fn comment(&mut self, newlines: usize) {
        let start = self.pos;
        let rest = &self.src[start..];
        let len = find_line_end(rest.as_bytes());
        self.pos = start + len;
        let body = &rest[1..len];
        let text = body.strip_prefix(' ').unwrap_or(body).trim_end();
        self.comments.push(PendingComment {
            comment: Comment {
                text,
                span: Span::new(start, self.pos),
                blank_line_before: newlines >= 2,
            },
            own_line: newlines > 0 || self.at_start,
        });
    }
}

/// Bytes that continue a word; `-` is handled apart (it does, except
/// before `>`). A table lookup is one load where the chain of comparisons
/// was several branches per byte.
static WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
        byte += 1;
    }
    table
};

/// The offset of the first line end (`\n`, `\r`, U+2028, U+2029) in
/// `bytes`, or its length.
///
/// Comments are most of the text of a documented interface, so this is the
/// lexer's hottest loop. It looks at eight bytes at a time for the three
/// bytes a line end can start with (`\n`, `\r`, and 0xE2, the lead byte of
/// U+2028 and U+2029); `str::find` with a set of chars decodes every char.
fn find_line_end(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        if may_hold_line_end(u64::from_le_bytes(word)) {
            if let Some(i) = line_end_at(bytes, offset, offset + 8) {
                return i;
            }
        }
        offset += 8;
    }
    line_end_at(bytes, offset, bytes.len()).unwrap_or(bytes.len())
}

/// Whether one of the eight bytes of `word` is below 0x0E (which covers
/// `\n` and `\r`) or not ASCII (which covers the lead byte of U+2028 and
/// U+2029). One subtraction and two masks per eight bytes; a hit is then
/// checked byte by byte. Tabs and non-ASCII text in comments give false
/// hits, which only cost that check.
#[inline]
fn may_hold_line_end(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte below 0x0E borrows and sets its high bit in the difference; no
    // byte does otherwise, unless it is at least 0x8E, which `| word`
    // flags anyway.
    (word.wrapping_sub(ONES * 0x0E) | word) & HIGHS != 0
}

/// The first line end in `bytes[from..to]`, as an offset into `bytes`.
fn line_end_at(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    (from..to).find(|&i| match bytes[i] {
        b'\n' | b'\r' => true,
        0xE2 => matches!(bytes[i..], [_, 0x80, 0xA8 | 0xA9, ..]),
        _ => false,
    })
}

fn is_line_separator(ch: char) -> bool {
    matches!(ch, '\u{2028}' | '\u{2029}')
}

/// The non-ASCII whitespace of the UAPI.20 grammar (ECMA-262 `WhiteSpace`
/// without `\v` and `\f`).
fn is_unicode_space(ch: char) -> bool {
    matches!(
        ch,
        '\u{00A0}' | '\u{FEFF}' | '\u{1680}' | '\u{180E}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let mut lexer = Lexer::new(src);
        let mut kinds = Vec::new();
        loop {
            let token = lexer.next_token();
            kinds.push(token.kind);
            if token.kind == TokenKind::Eof {
                return kinds;
            }
        }
    }

    #[test]
    fn words_keep_dots_and_inner_hyphens_but_stop_at_arrows() {
        use TokenKind::*;
        assert_eq!(
            kinds("org.a-b.c M()->()"),
            [Word, Word, LParen, RParen, Arrow, LParen, RParen, Eof]
        );
        let mut lexer = Lexer::new("a-b->");
        let token = lexer.next_token();
        assert_eq!(lexer.text(token.span), "a-b");
    }

    #[test]
    fn unicode_spaces_separate_and_line_separators_break_lines() {
        let mut lexer = Lexer::new("a\u{00A0}b\u{2028}c");
        assert!(!lexer.next_token().newline_before);
        assert!(!lexer.next_token().newline_before);
        assert!(lexer.next_token().newline_before);
    }

    #[test]
    fn comments_record_their_context() {
        let mut lexer = Lexer::new("# doc\r\na # trailing\n\n# after blank\nb");
        lexer.next_token();
        lexer.next_token();
        let seen: Vec<_> = lexer
            .comments
            .iter()
            .map(|c| (c.comment.text, c.own_line, c.comment.blank_line_before))
            .collect();
        assert_eq!(
            seen,
            [
                ("doc", true, false),
                ("trailing", false, false),
                ("after blank", true, true)
            ]
        );
    }

    #[test]
    fn line_ends_are_found_past_false_hits_at_every_offset() {
        // Tabs and non-ASCII text make the eight-byte test hit without a
        // line end; the end must still be found wherever it falls.
        for pad in 0..20 {
            for end in ["\n", "\r", "\u{2028}", "\u{2029}", ""] {
                let body = format!("{}\té\u{2027}x{}", "a".repeat(pad), "b".repeat(pad % 9));
                let text = format!("{body}{end}rest");
                let expected = if end.is_empty() {
                    text.len()
                } else {
                    body.len()
                };
                assert_eq!(find_line_end(text.as_bytes()), expected, "{text:?}");
            }
        }
    }

    #[test]
    fn stray_characters_are_invalid_tokens() {
        assert_eq!(
            kinds(";é"),
            [TokenKind::Invalid, TokenKind::Invalid, TokenKind::Eof]
        );
    }
}
