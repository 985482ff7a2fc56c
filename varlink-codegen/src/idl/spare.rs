//! The vectors of a dropped tree, kept for the next parse on the same
//! thread.
//!
//! Why: the tree of a large text is a few large vectors (about 1.3 MB for a
//! 1 MB interface). When they are freed, glibc hands the top of its heap
//! back to the kernel, so the next parse faults every page in again:
//! measured on a 1 MiB interface, 265 page faults and 1.4 ms of kernel time
//! per parse, a third of the parse. Parsing several interfaces in one
//! process is common (a proc macro expanding several `varlink_interface!`
//! calls inside one rustc, a build script, `varlink-codegen check` on many
//! files), so the vectors of the last tree are kept instead, emptied, for
//! the next one.
//!
//! At most one set is kept per thread, and only up to [`MAX_KEPT_BYTES`],
//! so that a single huge parse does not pin its memory for the life of the
//! thread.

use std::cell::Cell;
use std::mem;

use super::ast::{Comment, ItemNode, ListNode, MemberNode, TypeNode};

/// The most memory a kept set may hold (capacity, in bytes). Enough for
/// the vectors of an interface of a few megabytes.
const MAX_KEPT_BYTES: usize = 16 << 20;

/// The vectors one parse fills, empty.
#[derive(Default)]
pub(super) struct Vectors {
    pub(super) members: Vec<MemberNode>,
    pub(super) lists: Vec<ListNode>,
    pub(super) items: Vec<ItemNode>,
    pub(super) types: Vec<TypeNode>,
    /// Comments borrow from their source, which the kept vector must not
    /// outlive: it is kept empty, as `'static`, and given the lifetime of
    /// the next source by [`relabel`].
    pub(super) comments: Vec<Comment<'static>>,
}

impl Vectors {
    fn capacity_bytes(&self) -> usize {
        fn bytes<T>(vector: &Vec<T>) -> usize {
            vector.capacity() * mem::size_of::<T>()
        }
        bytes(&self.members)
            + bytes(&self.lists)
            + bytes(&self.items)
            + bytes(&self.types)
            + bytes(&self.comments)
    }
}

thread_local! {
    static KEPT: Cell<Option<Vectors>> = const { Cell::new(None) };
}

/// The kept vectors of this thread, or new empty ones.
pub(super) fn take() -> Vectors {
    KEPT.with(Cell::take).unwrap_or_default()
}

/// Keeps `vectors` (emptied here) for the next parse on this thread,
/// unless they are too large or the set kept already is larger.
pub(super) fn give_back(mut vectors: Vectors) {
    let size = vectors.capacity_bytes();
    if size > MAX_KEPT_BYTES {
        return;
    }
    vectors.members.clear();
    vectors.lists.clear();
    vectors.items.clear();
    vectors.types.clear();
    vectors.comments.clear();
    // `try_with`: during thread teardown the slot may be gone already;
    // then the vectors are simply freed.
    let _ = KEPT.try_with(|kept| {
        let current = kept.take();
        let keep = match current {
            Some(current) if current.capacity_bytes() >= size => current,
            _ => vectors,
        };
        kept.set(Some(keep));
    });
}

/// An empty vector of comments with another lifetime, in the same
/// allocation.
///
/// `Comment<'a>` and `Comment<'b>` have the same layout, and collecting a
/// `vec::IntoIter` through `map` into a vector of a type of that layout
/// reuses the allocation (std's in-place collection). The vector is emptied
/// first, so no comment ever outlives its source; the closure never runs.
/// Were std ever to allocate anew here, only the reuse would be lost.
pub(super) fn relabel<'b>(mut comments: Vec<Comment<'_>>) -> Vec<Comment<'b>> {
    comments.clear();
    comments
        .into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabelling_keeps_the_allocation() {
        let source = String::from("# a comment");
        let mut comments = Vec::with_capacity(100);
        comments.push(Comment {
            text: &source[2..],
            span: super::super::ast::Span::new(0, source.len()),
            blank_line_before: false,
        });
        let pointer = comments.as_ptr() as usize;
        let relabelled: Vec<Comment<'static>> = relabel(comments);
        assert!(relabelled.is_empty());
        assert_eq!(relabelled.capacity(), 100);
        assert_eq!(relabelled.as_ptr() as usize, pointer);
    }

    #[test]
    fn a_parse_reuses_the_last_trees_vectors_and_starts_empty() {
        std::thread::spawn(|| {
            let first = "# doc\ninterface a.b\ntype T (x: int, y: ?[]string) # t\n\
                         method M(a: T) -> (b: (c: int, d: (e, f)))\n";
            let tree = crate::idl::parse(first).expect("valid");
            let items = tree.items.as_ptr() as usize;
            let comments = tree.comment_store.as_ptr() as usize;
            drop(tree);
            let second = "interface c.d\n\nerror E ()\n";
            let tree = crate::idl::parse(second).expect("valid");
            assert_eq!(tree.items.as_ptr() as usize, items);
            assert_eq!(tree.comment_store.as_ptr() as usize, comments);
            assert_eq!((tree.members.len(), tree.lists.len()), (1, 1));
            assert!(tree.items.is_empty() && tree.types.is_empty());
            assert!(tree.comment_store.is_empty());
            assert_eq!(crate::idl::format(&tree), second);
        })
        .join()
        .expect("the test thread");
    }

    #[test]
    fn a_thread_keeps_the_larger_set_and_nothing_too_large() {
        std::thread::spawn(|| {
            let with_items = |count: usize| Vectors {
                items: Vec::with_capacity(count),
                ..Vectors::default()
            };
            give_back(with_items(10));
            give_back(with_items(1000));
            give_back(with_items(100));
            assert_eq!(take().items.capacity(), 1000);
            // Taken: nothing is kept until it is given back.
            assert_eq!(take().items.capacity(), 0);
            let huge = MAX_KEPT_BYTES / mem::size_of::<ItemNode>() + 1;
            give_back(with_items(huge));
            assert_eq!(take().items.capacity(), 0);
        })
        .join()
        .expect("the test thread");
    }
}
