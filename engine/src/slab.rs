//! A growable array whose items never move: it grows a fixed-size chunk at a time. The
//! requests in flight live in these. A `Vec` that grows copies its items into a bigger block and
//! frees the old one, and in a WebAssembly module's linear memory, which never shrinks, the
//! freed block is a hole the next bigger block does not fit: a rare burst of requests would
//! raise the engine's memory for good. Chunks are allocated once and kept.
//!
//! [`Runs`] does the same for the plans' steps: runs of words, each inside one chunk. [`Fifo`]
//! is a queue in chunks: a backlog that grows for as long as it runs.

use std::ops::{Index, IndexMut};

/// Items per chunk.
const CHUNK: usize = 1024;

/// A chunk of `N` copies of `value`, on the heap (built there, not on the stack).
fn filled<T: Clone, const N: usize>(value: T) -> Box<[T; N]> {
    vec![value; N]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!("the vector has N items"))
}

/// Items by index, in chunks of [`CHUNK`].
#[derive(Debug, Clone)]
pub struct Slab<T> {
    /// Each of a fixed length, so indexing into one needs no bounds check.
    chunks: Vec<Box<[T; CHUNK]>>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Slab<T> {
    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `value`; a new chunk starts filled with copies of it.
    pub fn push(&mut self, value: T) {
        if self.len == self.capacity() {
            self.chunks.push(filled(value));
        } else {
            self.chunks[self.len / CHUNK][self.len % CHUNK] = value;
        }
        self.len += 1;
    }

    /// Takes the chunks for `n` items in all now, filled with copies of `value`, so that the
    /// first `n` pushes take no more memory.
    pub fn reserve_total(&mut self, n: usize, value: T) {
        while self.chunks.len() * CHUNK < n {
            self.chunks.push(filled(value.clone()));
        }
    }

    /// Items it has room for without taking another chunk.
    pub fn capacity(&self) -> usize {
        self.chunks.len() * CHUNK
    }

    /// Item `i`, if it has one.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i < self.len {
            Some(&mut self[i])
        } else {
            None
        }
    }

    /// The items in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter()).take(self.len)
    }
}

impl<T> Index<usize> for Slab<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        // (Past `len` but within a chunk it has is a spare item, not unsafe: checked in tests.)
        debug_assert!(i < self.len, "slot {i} of {}", self.len);
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T> IndexMut<usize> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        debug_assert!(i < self.len, "slot {i} of {}", self.len);
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }
}

/// Words per chunk of [`Runs`]: 64 KB, one WebAssembly page.
const RUN_CHUNK: usize = 8_192;

/// Runs of words (each at most [`RUN_CHUNK`] long) that never move: a run that does not fit in
/// the last chunk's rest starts a new chunk, and the rest is left unused.
#[derive(Debug, Clone, Default)]
pub struct Runs {
    chunks: Vec<Box<[u64; RUN_CHUNK]>>,
    /// Where the next run goes: words handed out, the unused rests included.
    end: usize,
}

impl Runs {
    /// Words handed out so far (the unused rests of full chunks included).
    pub fn len(&self) -> usize {
        self.end
    }

    /// True when no run was added.
    pub fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// Adds a copy of `words` as a new run; returns where it starts.
    pub fn push(&mut self, words: &[u64]) -> u32 {
        assert!(words.len() <= RUN_CHUNK, "a run longer than a chunk");
        if self.end % RUN_CHUNK + words.len() > RUN_CHUNK
            || self.end == self.chunks.len() * RUN_CHUNK
        {
            self.end = self.chunks.len() * RUN_CHUNK;
            self.chunks.push(Box::new([0; RUN_CHUNK]));
        }
        let start = self.end;
        self.run_mut(start, words.len()).copy_from_slice(words);
        self.end += words.len();
        start as u32
    }

    /// The run of `len` words at `start`.
    #[inline]
    pub fn run(&self, start: usize, len: usize) -> &[u64] {
        let at = start % RUN_CHUNK;
        &self.chunks[start / RUN_CHUNK][at..at + len]
    }

    /// The run of `len` words at `start`, to overwrite.
    #[inline]
    pub fn run_mut(&mut self, start: usize, len: usize) -> &mut [u64] {
        let at = start % RUN_CHUNK;
        &mut self.chunks[start / RUN_CHUNK][at..at + len]
    }

    /// The word at `i`.
    #[inline]
    pub fn word(&self, i: usize) -> u64 {
        self.chunks[i / RUN_CHUNK][i % RUN_CHUNK]
    }
}

/// Items per chunk of a [`Fifo`].
const FIFO_CHUNK: usize = 256;

/// A first-in first-out queue in chunks of [`FIFO_CHUNK`] items. It grows a chunk at a time,
/// where a `VecDeque` would double (and hold up to twice what it needs); the chunk its front
/// empties is kept for the next one its back needs.
#[derive(Debug, Clone)]
pub struct Fifo<T> {
    /// The first holds the front item; each of a fixed length, so indexing into one needs no
    /// bounds check.
    chunks: Vec<Box<[T; FIFO_CHUNK]>>,
    /// Where the front item is in the first chunk.
    head: usize,
    len: usize,
    spare: Option<Box<[T; FIFO_CHUNK]>>,
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            head: 0,
            len: 0,
            spare: None,
        }
    }
}

impl<T: Copy> Fifo<T> {
    /// Items in it.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `value` at the back.
    #[inline]
    pub fn push_back(&mut self, value: T) {
        let end = self.head + self.len;
        if end == self.chunks.len() * FIFO_CHUNK {
            let chunk = self.spare.take().unwrap_or_else(|| filled(value));
            self.chunks.push(chunk);
        }
        self.chunks[end / FIFO_CHUNK][end % FIFO_CHUNK] = value;
        self.len += 1;
    }

    /// Takes the front item.
    #[inline]
    pub fn pop_front(&mut self) -> Option<T> {
        let value = *self.front()?;
        self.len -= 1;
        self.head += 1;
        if self.head == FIFO_CHUNK {
            // The first chunk is spent: the rest move up (a few pointers, once a chunk).
            self.spare = Some(self.chunks.remove(0));
            self.head = 0;
        } else if self.len == 0 {
            self.head = 0;
        }
        Some(value)
    }

    /// The front item.
    #[inline]
    pub fn front(&self) -> Option<&T> {
        (self.len > 0).then(|| &self.chunks[0][self.head])
    }

    /// The front item, to change.
    pub fn front_mut(&mut self) -> Option<&mut T> {
        (self.len > 0).then(|| &mut self.chunks[0][self.head])
    }

    /// The back item, to change.
    pub fn back_mut(&mut self) -> Option<&mut T> {
        let last = (self.head + self.len)
            .checked_sub(1)
            .filter(|_| self.len > 0)?;
        Some(&mut self.chunks[last / FIFO_CHUNK][last % FIFO_CHUNK])
    }

    /// Chunks it holds, the spare one included (what its memory is).
    #[cfg(test)]
    fn chunks_held(&self) -> usize {
        self.chunks.len() + usize::from(self.spare.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_stay_where_they_are_as_it_grows() {
        let mut s = Slab::default();
        s.push(0u32);
        let first: *const u32 = &s[0];
        for i in 1..3 * CHUNK as u32 + 5 {
            s.push(i);
        }
        assert_eq!(s.len(), 3 * CHUNK + 5);
        assert!(std::ptr::eq(first, &s[0]), "the first item did not move");
        assert!(s.iter().copied().eq(0..3 * CHUNK as u32 + 5));
        s[CHUNK] = 7;
        assert_eq!(s[CHUNK], 7);
        assert_eq!(s.get_mut(3 * CHUNK + 5), None);
        assert_eq!(s.get_mut(2).copied(), Some(2));
    }

    #[test]
    fn pushes_fill_the_room_reserved_before_taking_more() {
        let mut s = Slab::default();
        s.reserve_total(2 * CHUNK + 1, 0u32);
        assert_eq!((s.len(), s.capacity()), (0, 3 * CHUNK));
        let chunk: *const u32 = &s.chunks[1][0];
        for i in 0..3 * CHUNK as u32 {
            s.push(i);
        }
        assert_eq!(
            s.capacity(),
            3 * CHUNK,
            "the reserved chunks took every push"
        );
        assert!(
            std::ptr::eq(chunk, &s[CHUNK]),
            "a reserved chunk was used, not replaced"
        );
        assert!(s.iter().copied().eq(0..3 * CHUNK as u32));
        s.push(7);
        assert_eq!((s.len(), s.capacity()), (3 * CHUNK + 1, 4 * CHUNK));
        s.reserve_total(CHUNK, 0);
        assert_eq!(
            s.capacity(),
            4 * CHUNK,
            "room it has already is not taken again"
        );
    }

    #[test]
    #[should_panic(expected = "slot 1 of 1")]
    fn an_index_past_the_end_is_a_bug() {
        let mut s = Slab::default();
        s.push(1u8);
        let _ = s[1];
    }

    #[test]
    fn runs_stay_whole_and_where_they_are() {
        let mut r = Runs::default();
        let first = r.push(&[1, 2, 3]);
        let at: *const u64 = &r.run(first as usize, 3)[0];
        // Fill the first chunk to 2 words short of full: a run of 3 starts the next chunk.
        let filler = vec![9; RUN_CHUNK - 5];
        let f = r.push(&filler);
        assert_eq!((first, f), (0, 3));
        let next = r.push(&[4, 5, 6]);
        assert_eq!(next as usize, RUN_CHUNK, "a run never straddles two chunks");
        assert_eq!(r.len(), RUN_CHUNK + 3);
        assert_eq!(r.run(next as usize, 3), &[4, 5, 6]);
        assert_eq!(r.word(next as usize + 1), 5);
        assert!(
            std::ptr::eq(at, &r.run(0, 3)[0]),
            "the first run did not move"
        );
        r.run_mut(0, 3).copy_from_slice(&[7, 8, 9]);
        assert_eq!(r.run(0, 3), &[7, 8, 9]);
    }

    #[test]
    fn a_fifo_hands_items_back_in_order_across_its_chunks() {
        let mut q = Fifo::default();
        assert_eq!(q.front(), None);
        assert_eq!(q.back_mut(), None);
        assert_eq!(q.pop_front(), None);
        for i in 0..3 * FIFO_CHUNK + 10 {
            q.push_back(i);
        }
        assert_eq!(q.len(), 3 * FIFO_CHUNK + 10);
        assert_eq!(q.chunks_held(), 4);
        *q.back_mut().unwrap() += 1_000_000;
        *q.front_mut().unwrap() += 7;
        let out: Vec<usize> = std::iter::from_fn(|| q.pop_front()).collect();
        let mut want: Vec<usize> = (0..3 * FIFO_CHUNK + 10).collect();
        want[0] += 7;
        *want.last_mut().unwrap() += 1_000_000;
        assert_eq!(out, want);
        assert!(q.is_empty());
    }

    #[test]
    fn a_fifo_that_stays_short_reuses_its_chunks_however_much_passes_through() {
        let mut q = Fifo::default();
        for i in 0..100_000u32 {
            q.push_back(i);
            if i >= FIFO_CHUNK as u32 / 2 {
                assert_eq!(q.pop_front(), Some(i - FIFO_CHUNK as u32 / 2));
            }
        }
        assert_eq!(q.len(), FIFO_CHUNK / 2);
        assert!(q.chunks_held() <= 3, "{} chunks", q.chunks_held());
        // The chunk the front empties is the next one the back takes.
        let mut q = Fifo::default();
        for i in 0..=FIFO_CHUNK {
            q.push_back(i);
        }
        let first_chunk: *const usize = q.front().unwrap();
        for _ in 0..FIFO_CHUNK {
            q.pop_front();
        }
        for i in 0..FIFO_CHUNK {
            q.push_back(i);
        }
        assert!(std::ptr::eq(first_chunk, q.back_mut().unwrap()));
    }
}
