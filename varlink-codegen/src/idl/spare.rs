//! Node vectors that a dropped tree leaves, emptied, to the next parse on
//! the same thread; also the validator's name keys and member table
//! (`members.rs`).
//!
//! Why: the tree of a large text is a few large vectors (about 1.3 MB for a
//! 1 MB interface). When they were freed, glibc handed the top of its heap
//! back to the kernel, so the next parse faulted every page in again:
//! measured on a 1 MiB interface, 265 page faults and 1.4 ms of kernel time
//! per parse, a third of the parse. Parsing several interfaces in one
//! process is common (a proc macro expanding several `varlink_interface!`
//! calls inside one rustc, a build script, `varlink-codegen check` on many
//! files), so each node vector of the last tree is kept for the next one.
//!
//! Bounds: one vector per node kind per thread, only up to
//! [`MAX_KEPT_BYTES`] each, and a kept vector far larger than a parse needs
//! is freed rather than handed to it, so that a small tree never holds on
//! to the memory of a large one.
//!
//! The comments of a tree are not kept: they borrow from the source, and a
//! vector that outlived the tree would need the tree to implement `Drop`,
//! which would make the borrow checker insist that every source outlive
//! its tree (code such as `let tree; let text = ..; tree = parse(&text);`
//! would stop compiling).

use std::cell::Cell;
use std::mem;
use std::ops::{Deref, DerefMut};
use std::thread::LocalKey;

use super::ast::{ItemNode, ListNode, MemberNode, TypeNode};
use super::members::{NameKey, Reference, Slot};

/// The most memory one kept vector may hold (capacity, in bytes): enough
/// for an interface of a few megabytes.
const MAX_KEPT_BYTES: usize = 4 << 20;

/// A kept vector is handed to a parse only if its capacity is at most this
/// many times what the parse expects to need (or within [`SMALL`]).
const MAX_OVERSIZE: usize = 4;

/// Capacities up to this many elements are never too large to hand out.
const SMALL: usize = 1024;

/// A kind of node whose vectors are kept, with its thread's slot.
pub(super) trait Node: Sized + 'static {
    fn slot() -> &'static LocalKey<Cell<Vec<Self>>>;
}

macro_rules! kept_nodes {
    ($($node:ty => $slot:ident),* $(,)?) => {
        thread_local! {
            $(static $slot: Cell<Vec<$node>> = const { Cell::new(Vec::new()) };)*
        }
        $(impl Node for $node {
            fn slot() -> &'static LocalKey<Cell<Vec<Self>>> {
                &$slot
            }
        })*
    };
}

kept_nodes! {
    MemberNode => MEMBERS,
    ListNode => LISTS,
    ItemNode => ITEMS,
    TypeNode => TYPES,
    NameKey => MEMBER_KEYS,
    Reference => REFERENCES,
    Slot => MEMBER_TABLE,
}

/// A vector of nodes that, when dropped, is emptied and kept for the next
/// parse on this thread. It derefs to the `Vec`.
#[derive(Debug, Clone)]
pub(super) struct Kept<T: Node>(Vec<T>);

impl<T: Node> Kept<T> {
    /// An empty vector with room for `needed` nodes: this thread's kept
    /// vector if there is one and it is not far larger, else a new one.
    pub(super) fn with_capacity(needed: usize) -> Self {
        // `try_with`: during thread teardown the slot may be gone already.
        let mut vector = T::slot().try_with(Cell::take).unwrap_or_default();
        if vector.capacity() > SMALL.max(needed.saturating_mul(MAX_OVERSIZE)) {
            vector = Vec::new();
        }
        vector.reserve(needed);
        Kept(vector)
    }
}

impl<T: Node> Drop for Kept<T> {
    fn drop(&mut self) {
        let mut vector = mem::take(&mut self.0);
        if vector.capacity().saturating_mul(mem::size_of::<T>()) > MAX_KEPT_BYTES {
            return;
        }
        vector.clear();
        let _ = T::slot().try_with(|slot| {
            // Of two vectors, the larger is kept.
            let kept = slot.take();
            slot.set(if kept.capacity() >= vector.capacity() {
                kept
            } else {
                vector
            });
        });
    }
}

impl<T: Node> Deref for Kept<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Node> DerefMut for Kept<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idl;

    /// Runs `test` on a thread of its own, with no vectors kept yet.
    fn on_fresh_thread(test: impl FnOnce() + Send + 'static) {
        std::thread::spawn(test).join().expect("the test thread");
    }

    #[test]
    fn a_parse_reuses_the_last_trees_vectors_and_starts_empty() {
        on_fresh_thread(|| {
            let first = "# doc\ninterface a.b\ntype T (x: int, y: ?[]string) # t\n\
                         method M(a: T) -> (b: (c: int, d: (e, f)))\n";
            let tree = idl::parse(first).expect("valid");
            let items = tree.items.as_ptr() as usize;
            drop(tree);
            let second = "interface c.d\n\nerror E ()\n";
            let tree = idl::parse(second).expect("valid");
            assert_eq!(tree.items.as_ptr() as usize, items);
            assert_eq!((tree.members.len(), tree.lists.len()), (1, 1));
            assert!(tree.items.is_empty() && tree.types.is_empty());
            assert_eq!(idl::format(&tree), second);
        });
    }

    #[test]
    fn a_failed_parse_leaves_nothing_behind() {
        on_fresh_thread(|| {
            let broken = "interface a.b\ntype T (x: int, y: (z: bool, w: [string]int\n";
            assert!(idl::parse(broken).is_err());
            let text = "interface a.b\n\ntype T (x: int)\n";
            let tree = idl::parse(text).expect("valid");
            assert_eq!(tree.types.len(), 1);
            assert_eq!(idl::format(&tree), text);
        });
    }

    #[test]
    fn the_larger_vector_is_kept_and_nothing_too_large() {
        on_fresh_thread(|| {
            let capacity = |vector: Kept<ItemNode>| vector.capacity();
            drop(Kept::<ItemNode>(Vec::with_capacity(10)));
            drop(Kept::<ItemNode>(Vec::with_capacity(1000)));
            drop(Kept::<ItemNode>(Vec::with_capacity(100)));
            assert_eq!(capacity(Kept::with_capacity(500)), 1000);
            // Taken and given back: still there.
            assert_eq!(capacity(Kept::with_capacity(0)), 1000);
            let huge = MAX_KEPT_BYTES / mem::size_of::<ItemNode>() + 1;
            drop(Kept::<ItemNode>(Vec::with_capacity(huge)));
            assert_eq!(capacity(Kept::with_capacity(0)), 1000);
        });
    }

    #[test]
    fn a_small_parse_does_not_take_a_far_larger_vector() {
        on_fresh_thread(|| {
            drop(Kept::<TypeNode>(Vec::with_capacity(100_000)));
            let small = Kept::<TypeNode>::with_capacity(100);
            assert!(small.capacity() < 100_000, "{}", small.capacity());
            // The large one was freed, not kept for later.
            drop(small);
            assert!(Kept::<TypeNode>::with_capacity(20_000).capacity() < 100_000);
        });
    }
}
