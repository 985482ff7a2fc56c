//! A fast hash for maps keyed by names.
//!
//! The multiply-rotate hash of rustc (`FxHasher`). The keys are short names
//! from the one interface being checked or generated; SipHash's resistance
//! to chosen collisions buys nothing here, and cost a tenth of the
//! validation time and a sixth of planning. Not worth a dependency for the
//! few lines it takes.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` hashed with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A `HashSet` hashed with [`FxHasher`].
pub(crate) type FxHashSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

/// The hasher; see the module.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        // The last one to seven bytes as one word (a word per byte was most
        // of the cost of hashing a short name). The bytes read cover every
        // byte of the rest, and the slice's length is hashed before it, so
        // different texts of one length still give different words.
        let rest = chunks.remainder();
        let len = rest.len();
        if len >= 4 {
            let word = |at: usize| {
                let mut word = [0; 4];
                word.copy_from_slice(&rest[at..at + 4]);
                u64::from(u32::from_le_bytes(word))
            };
            self.add(word(0) | word(len - 4) << 32);
        } else if len > 0 {
            let byte = |at: usize| u64::from(rest[at]);
            self.add(byte(0) | byte(len / 2) << 8 | byte(len - 1) << 16);
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    /// A slice's length, hashed before its bytes: one word.
    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
