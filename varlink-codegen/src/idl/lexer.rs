//! Reads interface text for the parser, token by token.
//!
//! Whitespace is skipped and comments are set aside in `comments`, with
//! enough context (own line or end of line, blank line before) for the
//! parser to attach them to the node they belong to. The lexer works on
//! bytes and decodes UTF-8 only where non-ASCII text may stand outside a
//! comment (UAPI.20 allows Unicode spaces and line separators there).

use super::ast::{Comment, Span};
use super::scan::{find_line_end, word_len};

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

/// The lookahead token, described for messages (the parser's hot path
/// reads the text through [`Lexer::peek`] and [`Lexer::scan_word`]
/// instead). Offsets are `u32`: the parser refuses longer texts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) kind: TokenKind,
    /// Whether a line break stands between the previous token and this one.
    pub(crate) newline_before: bool,
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

/// The classes of the bytes a word can start with.
const WORD_START: u8 = class::UPPER | class::LOWER | class::DIGIT | class::UNDERSCORE;

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

/// What a byte is when it stands between tokens: [`trivia::NONE`] for the
/// first byte of a token, so that the common case, a token right after the
/// last one, is one load and one branch.
mod trivia {
    pub(super) const NONE: u8 = 0;
    pub(super) const SPACE: u8 = 1;
    /// `\n`; `SPACE` and `NEWLINE` are the two lowest after `NONE`.
    pub(super) const NEWLINE: u8 = 2;
    pub(super) const COMMENT: u8 = 3;
    pub(super) const RETURN: u8 = 4;
    /// A non-ASCII byte: a Unicode space or line separator, or the start
    /// of an invalid token.
    pub(super) const UNICODE: u8 = 5;
}

static TRIVIA: [u8; 256] = {
    let mut table = [trivia::NONE; 256];
    table[b' ' as usize] = trivia::SPACE;
    table[b'\t' as usize] = trivia::SPACE;
    table[b'\n' as usize] = trivia::NEWLINE;
    table[b'\r' as usize] = trivia::RETURN;
    table[b'#' as usize] = trivia::COMMENT;
    let mut byte = 0x80;
    while byte < 256 {
        table[byte] = trivia::UNICODE;
        byte += 1;
    }
    table
};

/// A cursor over interface text for the parser, which asks for the token
/// it expects where it stands (`scan_word`, `peek`) instead of reading a
/// stream of tokens: no token is built and no kind dispatched on the hot
/// path. [`Lexer::advance`] consumes a token and steps over the whitespace
/// and comments after it, collecting the comments; [`Lexer::token`]
/// describes the lookahead as a [`Token`] where a message needs it.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// The start of the lookahead token (the length at the end).
    pub(crate) pos: usize,
    /// Where the last consumed token ended.
    pub(crate) prev_end: usize,
    /// Whether a line break stands between the last consumed token and the
    /// lookahead.
    pub(crate) newline_before: bool,
    /// Every comment seen so far, in source order. The parser takes them in
    /// order, as leading or trailing comments of the nodes it builds, and
    /// the vector becomes the tree's comment store.
    pub(crate) comments: Vec<Comment<'a>>,
    /// For each comment, whether it starts its own line (else it trails
    /// code).
    pub(crate) own_line: Vec<bool>,
}

impl<'a> Lexer<'a> {
    /// A lexer for `src`, which must be shorter than `u32::MAX` bytes,
    /// standing on the first token.
    pub(crate) fn new(src: &'a str) -> Self {
        let mut lexer = Lexer {
            src,
            pos: 0,
            prev_end: 0,
            newline_before: false,
            // About one comment per 60 to 100 bytes in documented interfaces
            // (io.podman: 79); growing the vector copies it, an estimate too
            // high costs only address space.
            comments: Vec::with_capacity(src.len() / 56),
            own_line: Vec::with_capacity(src.len() / 56),
        };
        // Comments before the first token start their own line.
        lexer.skip_trivia_from(0, false);
        lexer
    }

    /// The first byte of the lookahead token, or 0 at the end (a NUL byte
    /// in the text is an invalid token either way).
    #[inline(always)]
    pub(crate) fn peek(&self) -> u8 {
        self.src.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    #[inline(always)]
    pub(crate) fn at_eof(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// How many comments stand before the lookahead token.
    #[inline(always)]
    pub(crate) fn comments_before(&self) -> usize {
        self.comments.len()
    }

    /// Where the word at the lookahead ends, and its class bits: the
    /// [`CLASS`] bits of its first byte, and the [`class::UNDERSCORE`],
    /// [`class::DOT`] and [`class::HYPHEN`] bits of the bytes it holds,
    /// enough for the validator to accept most names without reading them
    /// again. (A word cut short before `->` keeps the `-`'s bit; that only
    /// sends the validator to its full check.) `None` if the lookahead is
    /// not a word.
    #[inline(always)]
    pub(crate) fn scan_word(&self) -> Option<(usize, u8)> {
        let bytes = self.src.as_bytes();
        let pos = self.pos;
        let first = CLASS[usize::from(*bytes.get(pos)?)];
        if first & WORD_START == 0 {
            return None;
        }
        let mut bits = first;
        let mut end = pos + 1 + word_len(&bytes[pos + 1..], &mut bits);
        // A word does not take the `-` of an arrow: `a->` is `a`, `->`.
        // Checking once here beats a look-ahead per `-`.
        if bits & class::HYPHEN != 0 && bytes[end - 1] == b'-' && bytes.get(end) == Some(&b'>') {
            end -= 1;
        }
        Some((end, bits))
    }

    /// Whether the lookahead is `->`.
    #[inline(always)]
    pub(crate) fn at_arrow(&self) -> bool {
        self.src.as_bytes().get(self.pos..self.pos + 2) == Some(b"->")
    }

    /// Consumes the lookahead token, which ends at `end`, and the trivia
    /// after it.
    #[inline(always)]
    pub(crate) fn advance(&mut self, end: usize) {
        self.prev_end = end;
        self.newline_before = false;
        let bytes = self.src.as_bytes();
        let starts_token = |at: usize| {
            bytes
                .get(at)
                .is_none_or(|&byte| TRIVIA[usize::from(byte)] == trivia::NONE)
        };
        // The usual gaps, a token right after this one, one space (after
        // `:`), and a line break and an indent (after `,` and `(`), are
        // stepped over here; the rest (comments, blank lines, `\r`, tabs,
        // Unicode spaces) takes the loop.
        if starts_token(end) {
            self.pos = end;
        } else if bytes[end] == b' ' && starts_token(end + 1) {
            self.pos = end + 1;
        } else {
            // A line break and an indent: most gaps after `,` and `(`.
            if bytes[end] == b'\n' {
                let mut at = end + 1;
                while bytes.get(at) == Some(&b' ') {
                    at += 1;
                }
                if starts_token(at) {
                    self.newline_before = true;
                    self.pos = at;
                    return;
                }
            }
            self.skip_trivia_from(end, true);
        }
    }

    /// Steps over whitespace and comments from `pos` to the next token,
    /// recording the comments and whether a line break was crossed.
    /// `started` is false before the first token: comments there start
    /// their own line.
    fn skip_trivia_from(&mut self, mut pos: usize, started: bool) {
        let src = self.src;
        let bytes = src.as_bytes();
        // Line breaks since the last token or comment, for the comment
        // context.
        let mut newlines = 0usize;
        // Two-way tests on the byte's trivia class, most common first: a
        // `match` (or a chain of `==` tests, which the compiler turns into
        // one) became a jump table, an indirect branch per byte that
        // mispredicted on most gaps.
        while let Some(&byte) = bytes.get(pos) {
            let class = TRIVIA[usize::from(byte)];
            if class == trivia::NONE {
                break;
            }
            if class <= trivia::NEWLINE {
                // A space or tab, or a line feed.
                newlines += usize::from(class == trivia::NEWLINE);
                pos += 1;
            } else if class == trivia::COMMENT {
                let end = pos + find_line_end(&bytes[pos..]);
                self.newline_before |= newlines > 0;
                self.comments.push(Comment {
                    text: comment_text(&src[pos + 1..end]),
                    span: Span::new(pos, end),
                    blank_line_before: newlines >= 2,
                });
                self.own_line.push(newlines > 0 || !started);
                newlines = 0;
                pos = end;
            } else if class == trivia::RETURN {
                newlines += 1;
                pos += if bytes.get(pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            } else {
                // Non-ASCII: a Unicode space or line separator, or the
                // start of an invalid token.
                let Some(ch) = src[pos..].chars().next() else {
                    unreachable!("`pos` is on a char boundary below the length");
                };
                if is_line_separator(ch) {
                    newlines += 1;
                } else if !is_unicode_space(ch) {
                    break;
                }
                pos += ch.len_utf8();
            }
        }
        self.newline_before |= newlines > 0;
        self.pos = pos;
    }

    /// The lookahead as a token, for messages and checks off the hot path.
    pub(crate) fn token(&self) -> Token {
        let pos = self.pos;
        let bytes = self.src.as_bytes();
        let (kind, end) = match bytes.get(pos) {
            None => (TokenKind::Eof, pos),
            Some(&byte) => {
                if let Some((end, _)) = self.scan_word() {
                    (TokenKind::Word, end)
                } else if self.at_arrow() {
                    (TokenKind::Arrow, pos + 2)
                } else if byte >= 0x80 {
                    let len = self.src[pos..].chars().next().map_or(1, char::len_utf8);
                    (TokenKind::Invalid, pos + len)
                } else {
                    (PUNCTUATION[usize::from(byte)], pos + 1)
                }
            }
        };
        Token {
            start: pos as u32,
            end: end as u32,
            kind,
            newline_before: self.newline_before,
        }
    }
}

/// All tokens of `src`, each with the number of comments before it, and
/// the lexer with its comments.
#[cfg(test)]
pub(crate) fn tokenize(src: &str) -> (Vec<(Token, usize)>, Lexer<'_>) {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.token();
        tokens.push((token, lexer.comments_before()));
        if token.kind == TokenKind::Eof {
            return (tokens, lexer);
        }
        lexer.advance(token.end as usize);
    }
}

/// The class bits of the word at the start of `src`.
#[cfg(test)]
pub(crate) fn word_class(src: &str) -> u8 {
    Lexer::new(src).scan_word().map_or(0, |(_, class)| class)
}

/// The token kind of each single-byte token; `Invalid` for the rest.
static PUNCTUATION: [TokenKind; 256] = {
    let mut table = [TokenKind::Invalid; 256];
    table[b'(' as usize] = TokenKind::LParen;
    table[b')' as usize] = TokenKind::RParen;
    table[b',' as usize] = TokenKind::Comma;
    table[b':' as usize] = TokenKind::Colon;
    table[b'?' as usize] = TokenKind::Question;
    table[b'[' as usize] = TokenKind::LBracket;
    table[b']' as usize] = TokenKind::RBracket;
    table
};

/// A comment's text from what follows its `#`: without the one
/// conventional space and without trailing whitespace.
#[inline]
fn comment_text(body: &str) -> &str {
    let text = body.strip_prefix(' ').unwrap_or(body);
    // Most comments end in a visible ASCII character; `trim_end` calls out
    // to decode chars from the end, looking for Unicode spaces.
    match text.as_bytes().last() {
        Some(byte) if byte.is_ascii_graphic() => text,
        _ => text.trim_end(),
    }
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
            .0
            .iter()
            .map(|(token, _)| token.kind)
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
            let token = tokenize(source).0[0].0;
            assert_eq!(&source[token.span().range()], word, "{source}");
        }
    }

    #[test]
    fn words_carry_the_class_of_their_first_byte_and_their_marks() {
        assert_eq!(
            word_class("ab_1 x"),
            class::WORD | class::LOWER | class::UNDERSCORE
        );
        assert_eq!(
            word_class("Z.z-x"),
            class::WORD | class::UPPER | class::DOT | class::HYPHEN
        );
        assert_eq!(
            word_class("9abcdefghijk_lm"),
            class::WORD | class::DIGIT | class::UNDERSCORE
        );
    }

    #[test]
    fn unicode_spaces_separate_and_line_separators_break_lines() {
        let newline_before: Vec<bool> = tokenize("a\u{00A0}b\u{2028}c")
            .0
            .iter()
            .map(|(token, _)| token.newline_before)
            .collect();
        assert_eq!(newline_before, [false, false, true, false]);
    }

    #[test]
    fn comments_record_their_context() {
        let (tokens, lexer) = tokenize("# doc\r\na # trailing\n\n# after blank\nb");
        let seen: Vec<_> = lexer
            .comments
            .iter()
            .zip(&lexer.own_line)
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
        let before: Vec<usize> = tokens.iter().map(|(_, before)| *before).collect();
        assert_eq!(before, [1, 3, 3]);
    }

    #[test]
    fn comment_texts_lose_one_leading_space_and_all_trailing_whitespace() {
        for body in [
            "",
            " ",
            "a",
            " a",
            "  a",
            " a.",
            " a  ",
            " a\t",
            " a\u{3000}",
            " é",
            " a é\u{a0}",
            "\t",
            " ~",
        ] {
            let want = body.strip_prefix(' ').unwrap_or(body).trim_end();
            assert_eq!(comment_text(body), want, "{body:?}");
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
