//! Bounded per-key state: the memory discipline every model shares.
//!
//! Each table holds at most `cap` keys. A key untouched for `ttl` expires; when a new key
//! arrives at a full table the least recently touched key is evicted and counted. Both
//! happen through one queue ordered by touch time, so no event scans the table:
//! a touched key is not moved in the queue, it is re-queued lazily when it reaches the
//! front ("second chance"), which keeps every operation amortised O(1).
//!
//! Keys are 64-bit hashes of the model's key parts under a per-process random seed, so
//! a table never stores the (attacker-controlled, possibly huge) strings themselves and
//! crafted collisions are not practical.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// Expired entries dropped per call at most, so one event after a long silence does
/// not pay for the whole table at once; the rest go on the following events.
const EXPIRE_BATCH: usize = 256;

/// Hashes key parts into table keys.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keyer {
    seed: RandomState,
}

impl Keyer {
    pub(crate) fn key(&self, parts: impl Hash) -> u64 {
        self.seed.hash_one(parts)
    }
}

/// The keys are already uniformly distributed hashes: hash them again for nothing.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Map<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

struct Slot<V> {
    value: V,
    /// Last touch, on the engine clock (milliseconds).
    touched: i64,
    /// The touch time its live queue entry carries; other entries for the key are stale.
    queued: i64,
}

pub(crate) struct KeyedState<V> {
    slots: Map<Slot<V>>,
    order: VecDeque<(u64, i64)>,
    cap: usize,
    ttl: i64,
    evictions: u64,
    expired: u64,
}

impl<V> KeyedState<V> {
    /// `ttl` in milliseconds of the engine clock.
    pub(crate) fn new(cap: usize, ttl: i64) -> Self {
        Self {
            slots: Map::default(),
            order: VecDeque::new(),
            cap: cap.max(1),
            ttl: ttl.max(1),
            evictions: 0,
            expired: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn evictions(&self) -> u64 {
        self.evictions
    }

    pub(crate) fn expired(&self) -> u64 {
        self.expired
    }

    /// Drops keys untouched since `now - ttl` from the front of the queue.
    pub(crate) fn expire(&mut self, now: i64) {
        let horizon = now.saturating_sub(self.ttl);
        for _ in 0..EXPIRE_BATCH {
            let Some(&(key, at)) = self.order.front() else {
                return;
            };
            if at > horizon {
                return;
            }
            self.order.pop_front();
            let Some(slot) = self.slots.get_mut(&key) else {
                continue;
            };
            if slot.queued != at {
                continue;
            }
            if slot.touched <= horizon {
                self.slots.remove(&key);
                self.expired += 1;
            } else {
                slot.queued = slot.touched;
                self.order.push_back((key, slot.touched));
            }
        }
    }

    pub(crate) fn get(&self, key: u64) -> Option<&V> {
        self.slots.get(&key).map(|s| &s.value)
    }

    /// The key's state, touched at `now`.
    pub(crate) fn get_mut(&mut self, key: u64, now: i64) -> Option<&mut V> {
        self.slots.get_mut(&key).map(|s| {
            s.touched = s.touched.max(now);
            &mut s.value
        })
    }

    /// The key's state, created with `make` when absent (evicting the least recently
    /// touched key when the table is full), touched at `now`.
    pub(crate) fn entry(&mut self, key: u64, now: i64, make: impl FnOnce() -> V) -> &mut V {
        if !self.slots.contains_key(&key) {
            if self.slots.len() >= self.cap {
                self.evict_one();
            }
            self.compact_if_bloated();
            self.order.push_back((key, now));
        }
        let slot = self.slots.entry(key).or_insert_with(|| Slot {
            value: make(),
            touched: now,
            queued: now,
        });
        slot.touched = slot.touched.max(now);
        &mut slot.value
    }

    pub(crate) fn remove(&mut self, key: u64) -> Option<V> {
        self.slots.remove(&key).map(|s| s.value)
    }

    fn evict_one(&mut self) {
        while let Some((key, at)) = self.order.pop_front() {
            let Some(slot) = self.slots.get_mut(&key) else {
                continue;
            };
            if slot.queued != at {
                continue;
            }
            if slot.touched > at {
                slot.queued = slot.touched;
                self.order.push_back((key, slot.touched));
                continue;
            }
            self.slots.remove(&key);
            self.evictions += 1;
            return;
        }
    }

    /// Removed keys leave stale queue entries behind until they reach the front; if a
    /// burst of removals piles them up, rebuild the queue from the live slots.
    fn compact_if_bloated(&mut self) {
        if self.order.len() <= 2 * self.slots.len() + 1024 {
            return;
        }
        let mut live: Vec<(u64, i64)> = self.slots.iter().map(|(k, s)| (*k, s.touched)).collect();
        live.sort_unstable_by_key(|&(_, t)| t);
        for (key, t) in &live {
            if let Some(slot) = self.slots.get_mut(key) {
                slot.queued = *t;
            }
        }
        self.order = live.into();
    }
}

/// After a model fires for a key it stays quiet for that key this long.
pub(crate) struct Cooldown {
    period: i64,
    fired: KeyedState<i64>,
    suppressed: u64,
}

impl Cooldown {
    /// `period` in milliseconds; 0 disables de-duplication.
    pub(crate) fn new(cap: usize, period: i64) -> Self {
        Self {
            period,
            fired: KeyedState::new(cap, period),
            suppressed: 0,
        }
    }

    /// Whether the model may fire for `key` at event time `t`; records the firing if so.
    pub(crate) fn allow(&mut self, key: u64, t: i64, now: i64) -> bool {
        if self.period <= 0 {
            return true;
        }
        self.fired.expire(now);
        if let Some(&last) = self.fired.get(key) {
            // Out-of-order events sit on either side of the last firing.
            if t.abs_diff(last) < self.period.unsigned_abs() {
                self.suppressed += 1;
                return false;
            }
        }
        *self.fired.entry(key, now, || t) = t;
        true
    }

    pub(crate) fn len(&self) -> usize {
        self.fired.len()
    }

    pub(crate) fn evictions(&self) -> u64 {
        self.fired.evictions()
    }

    pub(crate) fn suppressed(&self) -> u64 {
        self.suppressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_table_evicts_least_recently_touched() {
        let mut s: KeyedState<u32> = KeyedState::new(3, 1_000_000);
        s.entry(1, 10, || 1);
        s.entry(2, 20, || 2);
        s.entry(3, 30, || 3);
        // Touch 1 so 2 becomes the oldest.
        assert!(s.get_mut(1, 40).is_some());
        s.entry(4, 50, || 4);
        assert_eq!(s.len(), 3);
        assert_eq!(s.evictions(), 1);
        assert!(s.get(2).is_none());
        assert!(s.get(1).is_some() && s.get(3).is_some() && s.get(4).is_some());
    }

    #[test]
    fn untouched_keys_expire_touched_ones_stay() {
        let mut s: KeyedState<()> = KeyedState::new(100, 100);
        s.entry(1, 0, || ());
        s.entry(2, 0, || ());
        s.get_mut(2, 80);
        s.expire(150);
        assert!(s.get(1).is_none());
        assert!(s.get(2).is_some());
        assert_eq!(s.expired(), 1);
        s.expire(181);
        assert!(s.get(2).is_none());
        assert_eq!(s.expired(), 2);
        assert!(s.order.is_empty());
    }

    #[test]
    fn removal_and_reinsertion_keep_one_live_entry() {
        let mut s: KeyedState<u8> = KeyedState::new(2, 100);
        s.entry(1, 0, || 0);
        s.remove(1);
        s.entry(1, 5, || 1);
        s.entry(2, 6, || 2);
        s.entry(3, 7, || 3);
        // Key 1 (touched at 5) is the oldest live one; its stale entry from 0 is skipped.
        assert!(s.get(1).is_none());
        assert_eq!(s.evictions(), 1);
    }

    #[test]
    fn queue_stays_bounded_under_churn() {
        let mut s: KeyedState<u8> = KeyedState::new(10, i64::MAX / 4);
        for i in 0..100_000u64 {
            s.entry(i % 7, i as i64, || 0);
            s.remove(i % 7);
        }
        assert!(s.order.len() <= 2 * 10 + 1025);
    }

    #[test]
    fn cooldown_suppresses_within_period() {
        let mut c = Cooldown::new(10, 1000);
        assert!(c.allow(7, 0, 0));
        assert!(!c.allow(7, 999, 999));
        assert!(!c.allow(7, -500, 999));
        assert!(c.allow(8, 999, 999));
        assert!(c.allow(7, 1000, 1000));
        assert_eq!(c.suppressed(), 2);
        let mut off = Cooldown::new(10, 0);
        assert!(off.allow(1, 0, 0) && off.allow(1, 0, 0));
    }
}
