//! The front end's byte scans: the length of a word and the end of a
//! comment's line, which between them read every byte of an interface but
//! the whitespace, and where a name's `_`s stand. They read 16 bytes per
//! step with SSE2 on x86_64 (part of its baseline, so always there), and
//! 8 per step or one at a time elsewhere.

use super::lexer::{CLASS, class};

/// The [`class::UNDERSCORE`], [`class::DOT`] and [`class::HYPHEN`] bits.
const MARKS: u8 = class::UNDERSCORE | class::DOT | class::HYPHEN;

/// The length of the run of word bytes at the start of `bytes`. Or-s into
/// `marks` the [`class::UNDERSCORE`], [`class::DOT`] and [`class::HYPHEN`]
/// bits of the bytes it holds.
#[inline(always)]
pub(super) fn word_len(bytes: &[u8], marks: &mut u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let mut len = 0;
        while let Some(chunk) = bytes.get(len..len + 16) {
            let chunk = sse2::Chunk::new(chunk).word_bytes();
            // Bit 16 of `!words` is set: a full chunk stops at 16.
            let run = (!chunk.words).trailing_zeros();
            let inside = (1u32 << run) - 1;
            // Without branches: whether a word holds `_` is as good as
            // random, and a branch on it mispredicted.
            *marks |= (u8::from(chunk.underscores & inside != 0) * class::UNDERSCORE)
                | (u8::from(chunk.dots & inside != 0) * class::DOT)
                | (u8::from(chunk.hyphens & inside != 0) * class::HYPHEN);
            len += run as usize;
            if run < 16 {
                return len;
            }
        }
        len + word_len_portable(&bytes[len..], marks)
    }
    #[cfg(not(target_arch = "x86_64"))]
    word_len_portable(bytes, marks)
}

/// [`word_len`] eight bytes at a time: their classes are looked up into one
/// `u64`, and the first byte of class 0 ends the word. (A byte-at-a-time
/// loop mispredicted its exit on almost every word, as word lengths vary.)
#[inline]
fn word_len_portable(bytes: &[u8], marks: &mut u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
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

/// Bit `i` set where byte `i` of a name of `len` bytes, `1 <= len <= 16`,
/// is `_`. `text` is the source from the name's start on: where 16 bytes
/// of it remain, they are compared at once (the bits past the name are
/// masked off).
#[inline(always)]
pub(super) fn underscores(text: &[u8], len: usize) -> u32 {
    debug_assert!((1..=16).contains(&len) && len <= text.len());
    let inside = u32::MAX >> (32 - len);
    #[cfg(target_arch = "x86_64")]
    if let Some(chunk) = text.get(..16) {
        return sse2::Chunk::new(chunk).equal_to(b'_') & inside;
    }
    text[..len]
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &byte)| mask | u32::from(byte == b'_') << i)
        & inside
}

/// The offset of the first line end (`\n`, `\r`, U+2028, U+2029) in
/// `bytes`, or its length.
///
/// Comments are most of the text of a documented interface. Both versions
/// look for the three bytes a line end can start with (`\n`, `\r`, and
/// 0xE2, the lead byte of U+2028 and U+2029); `str::find` with a set of
/// chars decoded every char. Other characters led by 0xE2 (`…`, `→`) are
/// checked and skipped. A comment is some 70 bytes: for that, a plain
/// 16-byte loop costs a fifth of `memchr3`'s setup and dispatch.
#[inline]
pub(super) fn find_line_end(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let line_end_bytes = |chunk| {
            let chunk = sse2::Chunk::new(chunk);
            chunk.equal_to(b'\n') | chunk.equal_to(b'\r') | chunk.equal_to(0xE2)
        };
        // The first of the `hits` (bits for the bytes from `from` on) that
        // starts a line end.
        let first_end = |from: usize, mut hits: u32| {
            while hits != 0 {
                let at = from + hits.trailing_zeros() as usize;
                if is_line_end_at(bytes, at) {
                    return Some(at);
                }
                hits &= hits - 1;
            }
            None
        };
        let mut from = 0;
        // 32 bytes a step, as two 16-byte halves: a comment is about 70
        // bytes, and each step's exit test is a branch that mispredicts
        // at the end of every comment.
        while let Some(chunk) = bytes.get(from..from + 32) {
            let hits = line_end_bytes(&chunk[..16]) | line_end_bytes(&chunk[16..]) << 16;
            if let Some(at) = first_end(from, hits) {
                return at;
            }
            from += 32;
        }
        if let Some(chunk) = bytes.get(from..from + 16) {
            if let Some(at) = first_end(from, line_end_bytes(chunk)) {
                return at;
            }
            from += 16;
        }
        from + find_line_end_portable(&bytes[from..])
    }
    #[cfg(not(target_arch = "x86_64"))]
    find_line_end_portable(bytes)
}

/// [`find_line_end`] with `memchr3`, which picks the SIMD instructions of
/// the machine.
fn find_line_end_portable(bytes: &[u8]) -> usize {
    let mut from = 0;
    while let Some(offset) = memchr::memchr3(b'\n', b'\r', 0xE2, &bytes[from..]) {
        let at = from + offset;
        if is_line_end_at(bytes, at) {
            return at;
        }
        from = at + 1;
    }
    bytes.len()
}

/// Whether the `\n`, `\r` or 0xE2 byte at `at` starts a line end.
#[inline]
fn is_line_end_at(bytes: &[u8], at: usize) -> bool {
    bytes[at] != 0xE2 || matches!(bytes[at..], [_, 0x80, 0xA8 | 0xA9, ..])
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod sse2 {
    //! 16 bytes compared at once. The SSE2 intrinsics are safe to call in
    //! a function compiled with SSE2 enabled, and calling such a function
    //! is sound on every x86_64 processor: SSE2 is part of the baseline.
    //! Those calls are the only `unsafe` code of the crate.

    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set_epi64x, _mm_set1_epi8,
    };

    /// 16 bytes in a vector register.
    #[derive(Clone, Copy)]
    pub(super) struct Chunk(__m128i);

    impl Chunk {
        /// The first 16 bytes of `bytes`, which holds at least 16.
        #[inline(always)]
        pub(super) fn new(bytes: &[u8]) -> Self {
            let mut low = [0; 8];
            let mut high = [0; 8];
            low.copy_from_slice(&bytes[..8]);
            high.copy_from_slice(&bytes[8..16]);
            // SAFETY: SSE2 is present on every x86_64 processor.
            Chunk(unsafe { load(i64::from_le_bytes(low), i64::from_le_bytes(high)) })
        }

        /// Bit `i` is set where byte `i` is `byte`.
        #[inline(always)]
        pub(super) fn equal_to(self, byte: u8) -> u32 {
            // SAFETY: SSE2 is present on every x86_64 processor.
            unsafe { equal_to(self.0, byte) }
        }

        /// Where the bytes continue a word, and where they are `_`, `.`
        /// and `-`.
        #[inline(always)]
        pub(super) fn word_bytes(self) -> WordBytes {
            // SAFETY: SSE2 is present on every x86_64 processor.
            unsafe { word_bytes(self.0) }
        }
    }

    /// Bit `i` of each mask is about byte `i` of a chunk.
    pub(super) struct WordBytes {
        /// An ASCII letter or digit, `_`, `.` or `-`.
        pub(super) words: u32,
        pub(super) underscores: u32,
        pub(super) dots: u32,
        pub(super) hyphens: u32,
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn load(low: i64, high: i64) -> __m128i {
        _mm_set_epi64x(high, low)
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn equal_to(v: __m128i, byte: u8) -> u32 {
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8))) as u32
    }

    /// Bytes from 0x80 are negative to the signed comparisons, so they fall
    /// outside every range.
    #[target_feature(enable = "sse2")]
    #[inline]
    fn word_bytes(v: __m128i) -> WordBytes {
        // Setting bit 5 folds upper case onto lower case; no other byte
        // lands on a lower-case letter that way.
        let letters = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
        let digits = within(v, b'0', b'9');
        let underscores = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
        let dots = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8));
        let hyphens = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
        let marks = _mm_or_si128(underscores, _mm_or_si128(dots, hyphens));
        let words = _mm_or_si128(_mm_or_si128(letters, digits), marks);
        let mask = |v| _mm_movemask_epi8(v) as u32;
        WordBytes {
            words: mask(words),
            underscores: mask(underscores),
            dots: mask(dots),
            hyphens: mask(hyphens),
        }
    }

    /// All ones in the bytes of `v` from `low` to `high`, both ASCII.
    #[target_feature(enable = "sse2")]
    #[inline]
    fn within(v: __m128i, low: u8, high: u8) -> __m128i {
        _mm_and_si128(
            _mm_cmpgt_epi8(v, _mm_set1_epi8(low as i8 - 1)),
            _mm_cmpgt_epi8(_mm_set1_epi8(high as i8 + 1), v),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word length and marks byte by byte, from the class table.
    fn word_len_reference(bytes: &[u8]) -> (usize, u8) {
        let mut len = 0;
        let mut marks = 0;
        while let Some(&byte) = bytes.get(len) {
            let class = CLASS[usize::from(byte)];
            if class == 0 {
                break;
            }
            marks |= class & MARKS;
            len += 1;
        }
        (len, marks)
    }

    #[test]
    fn word_scans_agree_with_the_byte_table() {
        // Every byte as the first after a run of every length, so that the
        // run ends at every offset of the 8- and 16-byte chunks; marks early
        // and late in the run.
        for stop in 0..=255u8 {
            for pad in 0..40 {
                for run in ["bC1_".repeat(10), "xY.z9-ab".repeat(5), "a".repeat(40)] {
                    let mut text = run.as_bytes()[..pad].to_vec();
                    text.push(stop);
                    text.extend_from_slice(b"xyz_.-");
                    let want = word_len_reference(&text);
                    let mut marks = 0;
                    let len = word_len(&text, &mut marks);
                    assert_eq!((len, marks), want, "{text:?}");
                    let mut marks = 0;
                    let len = word_len_portable(&text, &mut marks);
                    assert_eq!((len, marks), want, "portable: {text:?}");
                }
            }
        }
    }

    #[test]
    fn underscore_masks_cover_the_name_only() {
        for len in 1..=16 {
            for text in ["a_b__c_d_e_f_g_h_i_j_k", "________________x", "abc"] {
                let mut padded = text.repeat(2).into_bytes();
                padded.truncate(len.max(padded.len().min(len + 3)));
                if padded.len() < len {
                    continue;
                }
                let want = (0..len).fold(0u32, |mask, i| mask | u32::from(padded[i] == b'_') << i);
                assert_eq!(underscores(&padded, len), want, "{padded:?} {len}");
                assert_eq!(underscores(&padded[..len], len), want, "{padded:?} {len}");
            }
        }
    }

    #[test]
    fn line_ends_are_found_past_false_hits_at_every_offset() {
        // Other characters led by 0xE2 (U+2027, `…`, `→`) stop the search
        // without a line end; the end must still be found wherever it
        // falls, also beyond the first 16 or 32 bytes and between several
        // false hits.
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
                assert_eq!(
                    find_line_end_portable(text.as_bytes()),
                    expected,
                    "portable: {text:?}"
                );
            }
        }
    }

    #[test]
    fn a_false_hit_at_the_end_of_a_chunk_is_checked_past_it() {
        // 0xE2 as the last byte of a 16-byte chunk, its continuation in the
        // next: a line separator split across chunks is still found.
        for pad in 10..40 {
            let text = format!("{}\u{2028}rest", "a".repeat(pad));
            assert_eq!(find_line_end(text.as_bytes()), pad, "{text:?}");
        }
    }
}
