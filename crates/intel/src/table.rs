//! Hash tables from a distinct value to the head of its entry chain.
//!
//! Keys live in dense vectors (strings in one byte arena) and the hash table itself
//! holds only `u32` slot numbers, so a distinct value costs its key plus about 5-10
//! bytes of table; there is no per-key allocation. The hasher is seeded per table, so
//! a feed cannot pre-compute colliding values.

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::hash::{BuildHasher, Hash};
use std::mem::size_of;

/// "No entry" in chains, heads and parents.
pub(crate) const NONE: u32 = u32::MAX;

/// The index ran out of 32-bit slot numbers or arena offsets.
#[derive(Debug)]
pub(crate) struct Full;

/// Fixed-size keys: addresses, (network, length) pairs, hash digests, AS numbers.
pub(crate) struct KeyTable<K> {
    pub keys: Vec<K>,
    pub heads: Vec<u32>,
    table: HashTable<u32>,
    hasher: RandomState,
}

impl<K: Hash + Eq + Copy> KeyTable<K> {
    pub fn new() -> Self {
        Self {
            keys: Vec::new(),
            heads: Vec::new(),
            table: HashTable::new(),
            hasher: RandomState::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn find(&self, key: &K) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        self.table
            .find(hash, |&i| self.keys[i as usize] == *key)
            .copied()
    }

    /// The slot of `key`, created (with an empty chain) when new.
    pub fn slot(&mut self, key: K) -> Result<u32, Full> {
        let hash = self.hasher.hash_one(key);
        let Self {
            keys,
            heads,
            table,
            hasher,
        } = self;
        if let Some(&i) = table.find(hash, |&i| keys[i as usize] == key) {
            return Ok(i);
        }
        let i = u32::try_from(keys.len())
            .ok()
            .filter(|&i| i != NONE)
            .ok_or(Full)?;
        keys.push(key);
        heads.push(NONE);
        table.insert_unique(hash, i, |&j| hasher.hash_one(keys[j as usize]));
        Ok(i)
    }

    /// Drops the hash table, keeping keys and heads (for indexes that are searched
    /// another way once built).
    pub fn into_parts(self) -> (Vec<K>, Vec<u32>) {
        (self.keys, self.heads)
    }

    pub fn shrink(&mut self) {
        self.keys.shrink_to_fit();
        self.heads.shrink_to_fit();
        let Self {
            keys,
            table,
            hasher,
            ..
        } = self;
        table.shrink_to_fit(|&j| hasher.hash_one(keys[j as usize]));
    }

    pub fn bytes(&self) -> usize {
        self.keys.capacity() * size_of::<K>()
            + self.heads.capacity() * size_of::<u32>()
            + self.table.allocation_size()
    }
}

/// Byte-string keys in one arena. The stored string may carry more than the key (a
/// URL keeps its scheme for display; the key skips `http(s)://`): `key` projects it.
pub(crate) struct StrTable {
    arena: Vec<u8>,
    /// End offset of each string; it starts where the previous one ends.
    ends: Vec<u32>,
    pub heads: Vec<u32>,
    table: HashTable<u32>,
    hasher: RandomState,
    key: fn(&[u8]) -> &[u8],
}

impl StrTable {
    pub fn new(key: fn(&[u8]) -> &[u8]) -> Self {
        Self {
            arena: Vec::new(),
            ends: Vec::new(),
            heads: Vec::new(),
            table: HashTable::new(),
            hasher: RandomState::default(),
            key,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The stored string of slot `i`.
    pub fn get(&self, i: u32) -> &[u8] {
        stored(&self.arena, &self.ends, i)
    }

    /// Looks up by key (already projected and normalised).
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        self.table
            .find(hash, |&i| (self.key)(self.get(i)) == key)
            .copied()
    }

    /// The slot of the string `s` (normalised), created when new.
    pub fn slot(&mut self, s: &[u8]) -> Result<u32, Full> {
        let project = self.key;
        let hash = self.hasher.hash_one(project(s));
        let Self {
            arena,
            ends,
            heads,
            table,
            hasher,
            ..
        } = self;
        if let Some(&i) = table.find(hash, |&i| project(stored(arena, ends, i)) == project(s)) {
            return Ok(i);
        }
        let end = u32::try_from(arena.len() + s.len()).map_err(|_| Full)?;
        let i = u32::try_from(ends.len())
            .ok()
            .filter(|&i| i != NONE)
            .ok_or(Full)?;
        arena.extend_from_slice(s);
        ends.push(end);
        heads.push(NONE);
        table.insert_unique(hash, i, |&j| {
            hasher.hash_one(project(stored(arena, ends, j)))
        });
        Ok(i)
    }

    pub fn shrink(&mut self) {
        self.arena.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.heads.shrink_to_fit();
        let project = self.key;
        let Self {
            arena,
            ends,
            table,
            hasher,
            ..
        } = self;
        table.shrink_to_fit(|&j| hasher.hash_one(project(stored(arena, ends, j))));
    }

    pub fn bytes(&self) -> usize {
        self.arena.capacity()
            + (self.ends.capacity() + self.heads.capacity()) * size_of::<u32>()
            + self.table.allocation_size()
    }
}

fn stored<'a>(arena: &'a [u8], ends: &[u32], i: u32) -> &'a [u8] {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &arena[start..ends[i] as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_table_dedupes_and_finds() {
        let mut t = KeyTable::<u32>::new();
        let a = t.slot(7).unwrap();
        let b = t.slot(9).unwrap();
        assert_ne!(a, b);
        assert_eq!(t.slot(7).unwrap(), a);
        assert_eq!(t.find(&9), Some(b));
        assert_eq!(t.find(&8), None);
        for k in 0..10_000 {
            t.slot(k).unwrap();
        }
        t.shrink();
        assert_eq!(t.find(&9_999), Some(t.find(&9_999).unwrap()));
        assert_eq!(t.keys.len(), 10_000);
    }

    #[test]
    fn str_table_projects_keys() {
        let mut t = StrTable::new(crate::value::url_key);
        let a = t.slot(b"http://x.org/a").unwrap();
        assert_eq!(t.slot(b"https://x.org/a").unwrap(), a);
        assert_eq!(t.get(a), b"http://x.org/a");
        assert_eq!(t.find(b"x.org/a"), Some(a));
        assert_eq!(t.find(b"x.org/b"), None);
        let b = t.slot(b"ftp://x.org/a").unwrap();
        assert_ne!(a, b);
        assert_eq!(t.get(b), b"ftp://x.org/a");
    }
}
