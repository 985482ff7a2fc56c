//! The validator's index of member names: keys made by the parser, and a
//! hash table of member indices that looks them up.
//!
//! Why not a `HashMap<&str, _>`: neither the keys nor the table hold a
//! reference into the source, so their vectors can be kept for the next
//! parse on the thread like the tree's nodes (`spare.rs`). A fresh map and
//! key vectors per parse were 0.85 MB for a 1 MB interface, and glibc gave
//! that memory back to the kernel after each parse, so the next one
//! faulted it in again (page faults were a quarter of the parse's time).

use super::ast::Range32;
use super::spare::Kept;
use crate::fxhash::FxHasher;
use std::hash::Hasher;

/// A name as the member table's key, made by the parser while the name is
/// in the cache: its first 16 bytes, its place and a hash. Names of up to
/// 16 bytes, almost all, compare without reading the source again: the
/// validator's lookups read names scattered over the whole text, and those
/// reads missed the cache.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameKey {
    hash: u64,
    head: u128,
    start: u32,
    len: u32,
}

impl NameKey {
    #[inline]
    pub(super) fn new(source: &[u8], name: Range32) -> Self {
        let (start, end) = (name.start as usize, name.end as usize);
        let len = end - start;
        let head = match source.get(start..start + 16) {
            Some(bytes) => {
                let mut word = [0; 16];
                word.copy_from_slice(bytes);
                let head = u128::from_le_bytes(word);
                if len >= 16 {
                    head
                } else {
                    head & ((1u128 << (8 * len)) - 1)
                }
            }
            None => source[start..end]
                .iter()
                .take(16)
                .rev()
                .fold(0, |word, &byte| word << 8 | u128::from(byte)),
        };
        let mut hasher = FxHasher::default();
        hasher.write_u64(head as u64);
        hasher.write_u64((head >> 64) as u64);
        hasher.write_usize(len);
        if len > 16 {
            hasher.write(&source[start + 16..end]);
        }
        NameKey {
            hash: hasher.finish(),
            head,
            start: name.start,
            len: len as u32,
        }
    }

    /// Where the name stands in the source.
    pub(super) fn range(self) -> Range32 {
        Range32 {
            start: self.start,
            end: self.start + self.len,
        }
    }

    /// Whether the two keys are of the same name; `source` is read only
    /// for names longer than 16 bytes.
    #[inline]
    fn same_name(self, other: NameKey, source: &[u8]) -> bool {
        let bytes = |key: NameKey| &source[key.start as usize..(key.start + key.len) as usize];
        self.head == other.head
            && self.len == other.len
            && self.hash == other.hash
            && (self.len <= 16 || bytes(self) == bytes(other))
    }
}

/// A type written as a name, with the key to look it up.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reference(pub(super) NameKey);

/// A slot of the [`MemberTable`]: a member index plus one, or 0 when empty.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot(u32);

/// Member indices by name: an open-addressing table with linear probing,
/// at most half full, its slots kept from one parse to the next.
pub(super) struct MemberTable<'k> {
    slots: Kept<Slot>,
    /// The key of each member, by member index.
    keys: &'k [NameKey],
    source: &'k [u8],
    /// How far a hash is shifted right to give a slot index: its top bits
    /// are the well-mixed ones.
    shift: u32,
}

impl<'k> MemberTable<'k> {
    /// An empty table for the members whose keys are `keys`.
    pub(super) fn new(keys: &'k [NameKey], source: &'k [u8]) -> Self {
        let len = (keys.len() * 2).next_power_of_two().max(16);
        let mut slots = Kept::with_capacity(len);
        slots.resize(len, Slot(0));
        MemberTable {
            slots,
            keys,
            source,
            shift: 64 - len.trailing_zeros(),
        }
    }

    /// The slot of `key`'s name: the one holding it, or the empty one
    /// where it belongs.
    #[inline]
    fn find(&self, key: NameKey) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = (key.hash >> self.shift) as usize;
        loop {
            match self.slots[at].0 {
                0 => return at,
                slot if self.keys[slot as usize - 1].same_name(key, self.source) => return at,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Adds member `index` under its name unless a member of that name is
    /// there already; returns that earlier member's index.
    pub(super) fn insert(&mut self, index: usize) -> Option<usize> {
        let at = self.find(self.keys[index]);
        match self.slots[at].0 {
            0 => {
                self.slots[at] = Slot(index as u32 + 1);
                None
            }
            first => Some(first as usize - 1),
        }
    }

    /// The index of the member named as `key`.
    pub(super) fn get(&self, key: NameKey) -> Option<usize> {
        match self.slots[self.find(key)].0 {
            0 => None,
            slot => Some(slot as usize - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of the words of `text`, separated by single spaces.
    fn keys(text: &str) -> Vec<NameKey> {
        let mut start = 0;
        text.split(' ')
            .map(|word| {
                let key = NameKey::new(text.as_bytes(), Range32::new(start, start + word.len()));
                start += word.len() + 1;
                key
            })
            .collect()
    }

    #[test]
    fn the_table_finds_each_name_and_reports_the_first_of_a_repeated_one() {
        let long = "AVeryLongMemberNameIndeed";
        let mut names: Vec<String> = (0..100).map(|i| format!("Name{i}")).collect();
        // Long names that differ only after their first 16 bytes.
        names.extend((0..20).map(|i| format!("{long}{i}")));
        names.extend(["Name7".to_owned(), format!("{long}3"), "A".to_owned()]);
        // Not inserted: a long name whose head and length match inserted
        // ones, and a short one.
        names.extend([format!("{long}X"), "Name100".to_owned()]);
        let text = names.join(" ");
        let keys = keys(&text);
        let mut table = MemberTable::new(&keys[..123], text.as_bytes());
        let firsts: Vec<_> = (0..123).map(|i| table.insert(i)).collect();
        assert!(firsts[..120].iter().all(Option::is_none));
        assert_eq!(&firsts[120..], [Some(7), Some(103), None]);
        for (index, &key) in keys.iter().enumerate().take(123) {
            let first = firsts[index].unwrap_or(index);
            assert_eq!(table.get(key), Some(first), "{}", names[index]);
        }
        assert_eq!(table.get(keys[123]), None);
        assert_eq!(table.get(keys[124]), None);
    }

    #[test]
    fn keys_are_equal_for_equal_names_wherever_they_stand() {
        let text = "Abc Abd AbcdefghijklmnopQ xx AbcdefghijklmnopQ Abc";
        let keys = keys(text);
        let same = |a: usize, b: usize| keys[a].same_name(keys[b], text.as_bytes());
        assert!(same(0, 5) && same(2, 4));
        assert!(!same(0, 1) && !same(0, 2) && !same(3, 0));
        assert_eq!(keys[4].range(), Range32::new(29, 46));
    }
}
