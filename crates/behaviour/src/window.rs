//! Small sliding-window counters kept inside one key's state.
//!
//! Both are bounded by the threshold they serve: a burst of N events only needs the N
//! newest times, and "N distinct things" only needs N things. Events may arrive out of
//! order, so times are kept sorted (burst) or compared per item (distinct).

use std::collections::VecDeque;

/// "N events within T": the newest N event times, sorted.
#[derive(Debug, Default)]
pub(crate) struct Burst {
    times: VecDeque<i64>,
}

impl Burst {
    /// Adds an event at `t`; true when the newest `n` events span at most `window`.
    pub(crate) fn push(&mut self, t: i64, n: usize, window: i64) -> bool {
        let n = n.max(1);
        if self.times.len() >= n && self.times.front().is_some_and(|&f| t < f) {
            // Older than everything kept: it cannot be among the newest n.
            return self.complete(n, window);
        }
        let at = self.times.partition_point(|&x| x <= t);
        self.times.insert(at, t);
        while self.times.len() > n {
            self.times.pop_front();
        }
        self.complete(n, window)
    }

    fn complete(&self, n: usize, window: i64) -> bool {
        match (self.times.front(), self.times.back()) {
            (Some(&first), Some(&last)) => self.times.len() >= n && last - first <= window,
            _ => false,
        }
    }

    /// Events kept with a time in `[t - window, t]`.
    pub(crate) fn count_within(&self, t: i64, window: i64) -> usize {
        let from = self
            .times
            .partition_point(|&x| x < t.saturating_sub(window));
        let to = self.times.partition_point(|&x| x <= t);
        to.saturating_sub(from)
    }

    /// Events kept with a time in `[t - window, t + window]`: those that share a window
    /// with `t`, whichever order they arrived in.
    pub(crate) fn count_near(&self, t: i64, window: i64) -> usize {
        let from = self
            .times
            .partition_point(|&x| x < t.saturating_sub(window));
        let to = self
            .times
            .partition_point(|&x| x <= t.saturating_add(window));
        to.saturating_sub(from)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.times.len()
    }

    pub(crate) fn clear(&mut self) {
        self.times.clear();
    }
}

/// "N distinct items within T": each item (a hash) with its latest time and a payload
/// (a name kept for the evidence, or nothing).
#[derive(Debug)]
pub(crate) struct Distinct<P> {
    items: Vec<(u64, i64, P)>,
}

impl<P> Default for Distinct<P> {
    fn default() -> Self {
        Self { items: Vec::new() }
    }
}

impl<P> Distinct<P> {
    /// Records `item` at `t` and returns how many distinct items were seen within
    /// `window` before `t` (later ones, from out-of-order arrival, count too). At most
    /// `cap` items are kept: stale ones go first, then the oldest.
    pub(crate) fn insert(
        &mut self,
        item: u64,
        t: i64,
        window: i64,
        cap: usize,
        payload: impl FnOnce() -> P,
    ) -> usize {
        let horizon = t.saturating_sub(window);
        if let Some(entry) = self.items.iter_mut().find(|e| e.0 == item) {
            entry.1 = entry.1.max(t);
        } else {
            if self.items.len() >= cap.max(1) {
                self.items.retain(|e| e.1 >= horizon);
            }
            if self.items.len() >= cap.max(1) {
                if let Some(oldest) = self
                    .items
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.1)
                    .map(|(i, _)| i)
                {
                    self.items.swap_remove(oldest);
                }
            }
            self.items.push((item, t, payload()));
        }
        self.items.iter().filter(|e| e.1 >= horizon).count()
    }

    pub(crate) fn contains(&self, item: u64) -> bool {
        self.items.iter().any(|e| e.0 == item)
    }

    /// Payloads of the items seen within `window` before `t`, oldest first.
    pub(crate) fn live(&self, t: i64, window: i64) -> Vec<&P> {
        let horizon = t.saturating_sub(window);
        let mut live: Vec<&(u64, i64, P)> = self.items.iter().filter(|e| e.1 >= horizon).collect();
        live.sort_by_key(|e| e.1);
        live.into_iter().map(|e| &e.2).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_needs_n_within_window() {
        let mut b = Burst::default();
        assert!(!b.push(0, 3, 10));
        assert!(!b.push(20, 3, 10));
        assert!(!b.push(25, 3, 10));
        assert!(b.push(28, 3, 10)); // 20, 25, 28
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn burst_accepts_out_of_order_times() {
        let mut b = Burst::default();
        assert!(!b.push(100, 3, 10));
        assert!(!b.push(95, 3, 10));
        assert!(b.push(98, 3, 10));
        // Much older than everything kept: ignored, still complete.
        assert!(b.push(1, 3, 10));
        assert_eq!(b.count_within(100, 4), 2);
        assert_eq!(b.count_within(96, 10), 1);
        assert_eq!(b.count_near(96, 4), 3);
    }

    #[test]
    fn distinct_counts_live_items_only() {
        let mut d: Distinct<&str> = Distinct::default();
        assert_eq!(d.insert(1, 0, 10, 3, || "a"), 1);
        assert_eq!(d.insert(2, 5, 10, 3, || "b"), 2);
        assert_eq!(d.insert(1, 6, 10, 3, || "a"), 2);
        assert_eq!(d.insert(3, 20, 10, 3, || "c"), 1); // 1 (6) and 2 (5) are stale at 20
        assert_eq!(d.insert(4, 21, 10, 3, || "d"), 2);
        assert_eq!(d.insert(5, 22, 10, 3, || "e"), 3);
        assert_eq!(d.live(22, 10), vec![&"c", &"d", &"e"]);
        assert!(d.items.len() <= 3);
        assert!(d.contains(5) && !d.contains(1));
    }
}
