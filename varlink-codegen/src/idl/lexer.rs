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

/// A token. Offsets are `u32` (the parser refuses longer texts), which
/// keeps a token at 16 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// How many comments stand before this token: the ones the parser may
    /// attach when this token is its lookahead.
    pub(crate) comments_before: u32,
    pub(crate) kind: TokenKind,
    /// Whether a line break stands between the previous token and this one.
    pub(crate) newline_before: bool,
    /// For a word, the [`CLASS`] bits of all its bytes, or-ed: enough for
    /// the validator to accept most names without reading them again.
    pub(crate) class: u8,
}

impl Token {
    pub(crate) fn span(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

/// Byte classes: the bits of [`CLASS`].
pub(crate) mod class {
    /// The byte continues a word.
    pub(crate) const WORD: u8 = 1;
    pub(crate) const UPPER: u8 = 2;
    pub(crate) const LOWER: u8 = 4;
    pub(crate) const DIGIT: u8 = 8;
    pub(crate) const UNDERSCORE: u8 = 16;
    pub(crate) const DOT: u8 = 32;
    pub(crate) const HYPHEN: u8 = 64;
}

/// The class bits of every byte. A table lookup is one load where a chain
/// of comparisons was several branches per byte.
pub(crate) static CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = if b.is_ascii_uppercase() {
            class::WORD | class::UPPER
        } else if b.is_ascii_lowercase() {
            class::WORD | class::LOWER
        } else if b.is_ascii_digit() {
            class::WORD | class::DIGIT
        } else if b == b'_' {
            class::WORD | class::UNDERSCORE
        } else if b == b'.' {
            class::WORD | class::DOT
        } else if b == b'-' {
            class::WORD | class::HYPHEN
        } else {
            0
        };
        byte += 1;
    }
    table
};

/// The tokens of a whole text, and its comments.
pub(crate) struct Tokens<'a> {
    /// Ends with a [`TokenKind::Eof`] token.
    pub(crate) tokens: Vec<Token>,
    /// Every comment, in source order. The parser takes them in order, as
    /// leading or trailing comments of the nodes it builds, and the vector
    /// becomes the tree's comment store.
    pub(crate) comments: Vec<Comment<'a>>,
    /// For each comment, whether it starts its own line (else it trails
    /// code).
    pub(crate) own_line: Vec<bool>,
}

/// Splits `src` into tokens, in one pass. The parser then reads an array
/// instead of calling back into the lexer for each token, and this loop
/// keeps its state in registers.
///
/// `src` must be shorter than `u32::MAX` bytes.
pub(crate) fn tokenize(src: &str) -> Tokens<'_> {
    let bytes = src.as_bytes();
    let mut out = Tokens {
        // About one token per eight bytes in documented interfaces.
        tokens: Vec::with_capacity(bytes.len() / 8 + 16),
        comments: Vec::new(),
        own_line: Vec::new(),
    };
    let mut pos = 0;
    // Line breaks since the last token or comment, for the comment context,
    // and whether any was seen since the last token.
    let mut newlines = 0usize;
    let mut newline_before = false;
    loop {
        let Some(&byte) = bytes.get(pos) else {
            out.push(TokenKind::Eof, pos, pos, newline_before, 0);
            return out;
        };
        let start = pos;
        let (kind, class) = match byte {
            b' ' | b'\t' => {
                pos += 1;
                continue;
            }
            b'\n' => {
                newlines += 1;
                newline_before = true;
                pos += 1;
                continue;
            }
            b'\r' => {
                newlines += 1;
                newline_before = true;
                pos += 1;
                if bytes.get(pos) == Some(&b'\n') {
                    pos += 1;
                }
                continue;
            }
            b'#' => {
                pos = out.comment(src, pos, newlines);
                newlines = 0;
                continue;
            }
            b'(' => (TokenKind::LParen, 0),
            b')' => (TokenKind::RParen, 0),
            b',' => (TokenKind::Comma, 0),
            b':' => (TokenKind::Colon, 0),
            b'?' => (TokenKind::Question, 0),
            b'[' => (TokenKind::LBracket, 0),
            b']' => (TokenKind::RBracket, 0),
            b'-' if bytes.get(pos + 1) == Some(&b'>') => {
                pos += 1;
                (TokenKind::Arrow, 0)
            }
            b'0'..=b'9' | b'A'..=b'Z' | b'_' | b'a'..=b'z' => {
                let mut seen = CLASS[usize::from(byte)];
                while let Some(&byte) = bytes.get(pos + 1) {
                    let class = CLASS[usize::from(byte)];
                    if class == 0 {
                        break;
                    }
                    seen |= class;
                    pos += 1;
                }
                // A word does not take the `-` of an arrow: `a->` is `a`,
                // `->`. Checking once here beats a look-ahead per `-`.
                if bytes[pos] == b'-' && bytes.get(pos + 1) == Some(&b'>') {
                    pos -= 1;
                }
                (TokenKind::Word, seen)
            }
            0x80.. => {
                let Some(ch) = src[pos..].chars().next() else {
                    unreachable!("`pos` is on a char boundary below the length");
                };
                if is_line_separator(ch) || is_unicode_space(ch) {
                    if is_line_separator(ch) {
                        newlines += 1;
                        newline_before = true;
                    }
                    pos += ch.len_utf8();
                    continue;
                }
                pos += ch.len_utf8() - 1;
                (TokenKind::Invalid, 0)
            }
            _ => (TokenKind::Invalid, 0),
        };
        // `pos` is on the token's last byte.
        pos += 1;
        out.push(kind, start, pos, newline_before, class);
        newline_before = false;
        newlines = 0;
    }
}

impl<'a> Tokens<'a> {
    #[inline]
    fn push(&mut self, kind: TokenKind, start: usize, end: usize, newline_before: bool, class: u8) {
        self.tokens.push(Token {
            start: start as u32,
            end: end as u32,
            comments_before: self.comments.len() as u32,
            kind,
            newline_before,
            class,
        });
    }

    /// Reads a comment that starts at `start` up to (not including) the
    /// line end, and returns where it ends.
    fn comment(&mut self, src: &'a str, start: usize, newlines: usize) -> usize {
        let end = start + find_line_end(&src.as_bytes()[start..]);
        let body = &src[start + 1..end];
        let text = body.strip_prefix(' ').unwrap_or(body).trim_end();
        self.comments.push(Comment {
            text,
            span: Span::new(start, end),
            blank_line_before: newlines >= 2,
        });
        // Before the first token every comment starts its own line.
        self.own_line.push(newlines > 0 || self.tokens.is_empty());
        end
    }
}

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
        tokenize(src)
            .tokens
            .iter()
            .map(|token| token.kind)
            .collect()
    }

    #[test]
    fn words_keep_dots_and_inner_hyphens_but_stop_at_arrows() {
        use TokenKind::*;
        assert_eq!(
            kinds("org.a-b.c M()->()"),
            [Word, Word, LParen, RParen, Arrow, LParen, RParen, Eof]
        );
        for (source, word) in [
            ("a-b->", "a-b"),
            ("a--b->", "a--b"),
            ("a-->", "a-"),
            ("a-", "a-"),
        ] {
            let token = tokenize(source).tokens[0];
            assert_eq!(&source[token.span().range()], word, "{source}");
        }
    }

    #[test]
    fn words_carry_the_classes_of_their_bytes() {
        let tokens = tokenize("ab_1 Z.z-x").tokens;
        assert_eq!(
            tokens[0].class,
            class::WORD | class::LOWER | class::UNDERSCORE | class::DIGIT
        );
        assert_eq!(
            tokens[1].class,
            class::WORD | class::UPPER | class::DOT | class::LOWER | class::HYPHEN
        );
    }

    #[test]
    fn unicode_spaces_separate_and_line_separators_break_lines() {
        let newline_before: Vec<bool> = tokenize("a\u{00A0}b\u{2028}c")
            .tokens
            .iter()
            .map(|token| token.newline_before)
            .collect();
        assert_eq!(newline_before, [false, false, true, false]);
    }

    #[test]
    fn comments_record_their_context() {
        let tokens = tokenize("# doc\r\na # trailing\n\n# after blank\nb");
        let seen: Vec<_> = tokens
            .comments
            .iter()
            .zip(&tokens.own_line)
            .map(|(c, own_line)| (c.text, *own_line, c.blank_line_before))
            .collect();
        assert_eq!(
            seen,
            [
                ("doc", true, false),
                ("trailing", false, false),
                ("after blank", true, true)
            ]
        );
        let before: Vec<u32> = tokens.tokens.iter().map(|t| t.comments_before).collect();
        assert_eq!(before, [1, 3, 3]);
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
