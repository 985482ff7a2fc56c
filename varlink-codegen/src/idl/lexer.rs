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
    /// For a word, the [`CLASS`] bits of its first byte, and the
    /// [`class::UNDERSCORE`], [`class::DOT`] and [`class::HYPHEN`] bits of
    /// the bytes it holds: enough for the validator to accept most names
    /// without reading them again. (A word cut short before `->` keeps the
    /// `-`'s bit; that only sends the validator to its full check.)
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

/// Tokens per batch. The lexer runs its loop over a batch with its state
/// in registers; the parser reads the batch as an array. A batch of 16-byte
/// tokens stays in the L1 cache, where tokens for the whole text (over a
/// megabyte for a 1 MB interface) cost page faults on every parse.
const BATCH: usize = 256;

/// Room for one batch of tokens.
pub(crate) type Batch = [Token; BATCH];

/// A batch to fill, boxed: 4 KiB is too much to move around on the stack.
pub(crate) fn empty_batch() -> Box<Batch> {
    let blank = Token {
        start: 0,
        end: 0,
        comments_before: 0,
        kind: TokenKind::Eof,
        newline_before: false,
        class: 0,
    };
    Box::new([blank; BATCH])
}

/// Splits interface text into tokens, a batch at a time, and collects its
/// comments.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Line breaks since the last token or comment, for the comment context.
    newlines: usize,
    /// Whether a line break was seen since the last token.
    newline_before: bool,
    /// Whether a token was made yet: comments before the first token start
    /// their own line.
    started: bool,
    /// Every comment seen so far, in source order. The parser takes them in
    /// order, as leading or trailing comments of the nodes it builds, and
    /// the vector becomes the tree's comment store.
    pub(crate) comments: Vec<Comment<'a>>,
    /// For each comment, whether it starts its own line (else it trails
    /// code).
    pub(crate) own_line: Vec<bool>,
}

impl<'a> Lexer<'a> {
    /// A lexer for `src`, which must be shorter than `u32::MAX` bytes.
    pub(crate) fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            newlines: 0,
            newline_before: false,
            started: false,
            // About one comment per 60 to 100 bytes in documented interfaces
            // (io.podman: 79); growing the vector copies it, an estimate too
            // high costs only address space.
            comments: Vec::with_capacity(src.len() / 56),
            own_line: Vec::with_capacity(src.len() / 56),
        }
    }

    /// Writes the next tokens to the start of `out` and returns how many:
    /// up to [`BATCH`], the last one [`TokenKind::Eof`] when the text ends.
    /// After the end, every batch is one `Eof`. (A fixed array and a count
    /// rather than a `Vec`: a push checked the capacity and stored the
    /// length on every token.)
    pub(crate) fn fill(&mut self, out: &mut Batch) -> usize {
        let mut count = 0;
        let src = self.src;
        let bytes = src.as_bytes();
        let len = bytes.len();
        let mut pos = self.pos;
        let mut newlines = self.newlines;
        let mut newline_before = self.newline_before;
        loop {
            let Some(&byte) = bytes.get(pos) else {
                out[count] = Token {
                    start: len as u32,
                    end: len as u32,
                    comments_before: self.comments.len() as u32,
                    kind: TokenKind::Eof,
                    newline_before,
                    class: 0,
                };
                count += 1;
                break;
            };
            let start = pos;
            // Each arm that makes a token sets `pos` past it. Words and
            // single spaces, the most common starts, are tested first with
            // plain branches: the jump table of a `match` over every start
            // was an indirect jump per round, which mispredicted more.
            let first = CLASS[usize::from(byte)];
            let (kind, class) = if first & WORD_START != 0 {
                let mut bits = first;
                pos += 1 + word_len(&bytes[pos + 1..], &mut bits);
                // A word does not take the `-` of an arrow: `a->` is `a`,
                // `->`. Checking once here beats a look-ahead per `-`.
                if bits & class::HYPHEN != 0
                    && bytes[pos - 1] == b'-'
                    && bytes.get(pos) == Some(&b'>')
                {
                    pos -= 1;
                }
                (TokenKind::Word, bits)
            } else if byte == b' ' {
                pos += 1;
                continue;
            } else {
                match byte {
                    b'\t' => {
                        pos += 1;
                        continue;
                    }
                    b'\n' | b'\r' => {
                        newlines += 1;
                        newline_before = true;
                        pos += if byte == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                            2
                        } else {
                            1
                        };
                        continue;
                    }
                    b'#' => {
                        let end = pos + find_line_end(&bytes[pos..]);
                        let body = &src[pos + 1..end];
                        self.comments.push(Comment {
                            text: comment_text(body),
                            span: Span::new(pos, end),
                            blank_line_before: newlines >= 2,
                        });
                        self.own_line.push(newlines > 0 || !self.started);
                        newlines = 0;
                        pos = end;
                        continue;
                    }
                    b'-' if bytes.get(pos + 1) == Some(&b'>') => {
                        pos += 2;
                        (TokenKind::Arrow, 0)
                    }
                    0x80.. => {
                        let Some(ch) = src[pos..].chars().next() else {
                            unreachable!("`pos` is on a char boundary below the length");
                        };
                        pos += ch.len_utf8();
                        if is_line_separator(ch) {
                            newlines += 1;
                            newline_before = true;
                            continue;
                        }
                        if is_unicode_space(ch) {
                            continue;
                        }
                        (TokenKind::Invalid, 0)
                    }
                    _ => {
                        pos += 1;
                        (PUNCTUATION[usize::from(byte)], 0)
                    }
                }
            };
            out[count] = Token {
                start: start as u32,
                end: pos as u32,
                comments_before: self.comments.len() as u32,
                kind,
                newline_before,
                class,
            };
            count += 1;
            self.started = true;
            newline_before = false;
            newlines = 0;
            if count == BATCH {
                break;
            }
        }
        self.pos = pos;
        self.newlines = newlines;
        self.newline_before = newline_before;
        count
    }
}

/// All tokens of `src`, and the lexer with its comments.
#[cfg(test)]
pub(crate) fn tokenize(src: &str) -> (Vec<Token>, Lexer<'_>) {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    let mut batch = empty_batch();
    loop {
        let count = lexer.fill(&mut batch);
        tokens.extend_from_slice(&batch[..count]);
        if batch[count - 1].kind == TokenKind::Eof {
            return (tokens, lexer);
        }
    }
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

/// The length of the run of word bytes at the start of `bytes`. Or-s into
/// `marks` the [`class::UNDERSCORE`], [`class::DOT`] and [`class::HYPHEN`]
/// bits of the bytes it holds.
///
/// Eight bytes at a time: their classes are looked up into one `u64`, and
/// the first byte of class 0 ends the word. A byte-at-a-time loop
/// mispredicted its exit on almost every word, as word lengths vary.
#[inline]
fn word_len(bytes: &[u8], marks: &mut u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const MARKS: u8 = class::UNDERSCORE | class::DOT | class::HYPHEN;
    let mut len = 0;
    let mut seen = 0u64;
    while let Some(chunk) = bytes.get(len..len + 8) {
        let classes = chunk.iter().enumerate().fold(0u64, |classes, (i, &byte)| {
            classes | u64::from(CLASS[usize::from(byte)]) << (8 * i)
        });
        // The lowest high bit marks the first zero byte exactly (class
        // bytes are below 0x80); higher ones may be false.
        let zeros = classes.wrapping_sub(ONES) & !classes & HIGHS;
        if zeros != 0 {
            let word_bytes = zeros.trailing_zeros() as usize / 8;
            // The classes of the word's bytes only: the mask keeps the
            // bytes below the first zero one.
            seen |= classes & ((zeros & zeros.wrapping_neg()) - 1);
            len += word_bytes;
            *marks |= fold_bytes(seen) & MARKS;
            return len;
        }
        seen |= classes;
        len += 8;
    }
    // Fewer than eight bytes are left: one at a time.
    let mut tail_seen = 0;
    let tail = bytes[len..]
        .iter()
        .position(|&byte| {
            let class = CLASS[usize::from(byte)];
            tail_seen |= class;
            class == 0
        })
        .unwrap_or(bytes.len() - len);
    *marks |= (fold_bytes(seen) | tail_seen) & MARKS;
    len + tail
}

/// The bitwise or of the eight bytes of `word`.
#[inline]
fn fold_bytes(mut word: u64) -> u8 {
    word |= word >> 32;
    word |= word >> 16;
    word |= word >> 8;
    word as u8
}

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

/// The offset of the first line end (`\n`, `\r`, U+2028, U+2029) in
/// `bytes`, or its length.
///
/// Comments are most of the text of a documented interface, so this is the
/// lexer's hottest loop. `memchr3` looks for the three bytes a line end can
/// start with (`\n`, `\r`, and 0xE2, the lead byte of U+2028 and U+2029)
/// with the SIMD instructions of the machine; `str::find` with a set of
/// chars decodes every char. Other characters led by 0xE2 (`…`, `→`) are
/// checked and skipped.
fn find_line_end(bytes: &[u8]) -> usize {
    let mut from = 0;
    while let Some(offset) = memchr::memchr3(b'\n', b'\r', 0xE2, &bytes[from..]) {
        let at = from + offset;
        if bytes[at] != 0xE2 || matches!(bytes[at..], [_, 0x80, 0xA8 | 0xA9, ..]) {
            return at;
        }
        from = at + 1;
    }
    bytes.len()
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
        tokenize(src).0.iter().map(|token| token.kind).collect()
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
            let token = tokenize(source).0[0];
            assert_eq!(&source[token.span().range()], word, "{source}");
        }
    }

    #[test]
    fn words_carry_the_class_of_their_first_byte_and_their_marks() {
        let tokens = tokenize("ab_1 Z.z-x 9abcdefghijk_lm").0;
        assert_eq!(
            tokens[0].class,
            class::WORD | class::LOWER | class::UNDERSCORE
        );
        assert_eq!(
            tokens[1].class,
            class::WORD | class::UPPER | class::DOT | class::HYPHEN
        );
        assert_eq!(
            tokens[2].class,
            class::WORD | class::DIGIT | class::UNDERSCORE
        );
    }

    #[test]
    fn word_scans_agree_with_the_byte_table() {
        // Every kind of byte as the first after a run of every length, so
        // that the run ends at every offset of the eight-byte chunks.
        let marks = class::UNDERSCORE | class::DOT | class::HYPHEN;
        let alphabet = [
            "a", "Z", "0", "_", ".", "-", " ", ",", "é", "\u{7f}", "\u{10}", "`", "{", "@", "[",
            "/", ":", "\u{1}",
        ];
        for stop in alphabet {
            for pad in 0..20 {
                let text = format!("{}{stop}xyz", "bC1_".repeat(5)[..pad].to_owned());
                let bytes = text.as_bytes();
                let mut want_len = 0;
                let mut want_marks = 0;
                while let Some(&byte) = bytes.get(want_len) {
                    let class = CLASS[usize::from(byte)];
                    if class == 0 {
                        break;
                    }
                    want_marks |= class & marks;
                    want_len += 1;
                }
                let mut got_marks = 0;
                let got_len = word_len(bytes, &mut got_marks);
                assert_eq!((got_len, got_marks), (want_len, want_marks), "{text:?}");
            }
        }
    }

    #[test]
    fn batches_join_seamlessly() {
        // More tokens than a batch holds, comments between them: the same
        // tokens whatever the batch boundaries.
        let source: String = (0..3 * BATCH)
            .map(|i| {
                if i % 7 == 0 {
                    format!("w{i} # c{i}\n")
                } else {
                    format!("w{i}\n")
                }
            })
            .collect();
        let (tokens, lexer) = tokenize(&source);
        assert_eq!(tokens.len(), 3 * BATCH + 1);
        for (i, token) in tokens[..3 * BATCH].iter().enumerate() {
            assert_eq!(&source[token.span().range()], format!("w{i}"));
            assert_eq!(token.newline_before, i > 0);
            assert_eq!(token.comments_before as usize, i.div_ceil(7));
        }
        assert_eq!(lexer.comments.len(), 3 * BATCH / 7 + 1);
        assert!(lexer.own_line.iter().all(|own_line| !own_line));
    }

    #[test]
    fn unicode_spaces_separate_and_line_separators_break_lines() {
        let newline_before: Vec<bool> = tokenize("a\u{00A0}b\u{2028}c")
            .0
            .iter()
            .map(|token| token.newline_before)
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
        let before: Vec<u32> = tokens.iter().map(|t| t.comments_before).collect();
        assert_eq!(before, [1, 3, 3]);
    }

    #[test]
    fn line_ends_are_found_past_false_hits_at_every_offset() {
        // Other characters led by 0xE2 (U+2027, `…`, `→`) make `memchr3`
        // stop without a line end; the end must still be found wherever it
        // falls, also beyond memchr's first 32-byte vector and between
        // several false hits.
        let false_hits = ["\u{2027}", "…", "→"];
        for pad in 0..100 {
            for end in ["\n", "\r", "\u{2028}", "\u{2029}", ""] {
                let hits: String = (0..pad % 7).map(|i| false_hits[i % 3]).collect();
                let body = format!("{}\té{hits}x{}", "a".repeat(pad), "b".repeat(pad % 37));
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
