//! Network (CIDR) look-up by sorted boundaries.
//!
//! CIDR blocks are laminar: two blocks are either disjoint or one contains the other.
//! So the address line splits into intervals, each with one innermost block, and each
//! block has one parent (the smallest block containing it). A look-up is one binary
//! search for the interval (narrowed first by a table on the top 16 address bits), then
//! a walk up the parents to list every containing block. Memory is about 30 bytes per
//! block and does not depend on how blocks nest.

use crate::table::{KeyTable, NONE};
use std::hash::Hash;
use std::mem::size_of;

/// An address as an unsigned integer: `u32` for IPv4, `u128` for IPv6.
pub(crate) trait Addr: Copy + Ord + Hash + Eq {
    const BITS: u8;
    fn to_u128(self) -> u128;
    fn from_u128(v: u128) -> Self;
    fn top16(self) -> usize;
}

impl Addr for u32 {
    const BITS: u8 = 32;
    fn to_u128(self) -> u128 {
        u128::from(self)
    }
    fn from_u128(v: u128) -> Self {
        v as u32
    }
    fn top16(self) -> usize {
        (self >> 16) as usize
    }
}

impl Addr for u128 {
    const BITS: u8 = 128;
    fn to_u128(self) -> u128 {
        self
    }
    fn from_u128(v: u128) -> Self {
        v
    }
    fn top16(self) -> usize {
        (self >> 112) as usize
    }
}

/// All-ones in the low `host_bits` bits.
fn host_mask(host_bits: u8) -> u128 {
    if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    }
}

/// The network of `addr` for a prefix of `len` bits (host bits cleared).
pub(crate) fn network<A: Addr>(addr: A, len: u8) -> A {
    A::from_u128(addr.to_u128() & !host_mask(A::BITS - len.min(A::BITS)))
}

/// The last address of the block `net/len`.
pub(crate) fn last<A: Addr>(net: A, len: u8) -> A {
    A::from_u128(net.to_u128() | host_mask(A::BITS - len.min(A::BITS)))
}

/// The fewest CIDR blocks covering `start..=end` (at most `2 * bits`), in order.
pub(crate) fn range_to_cidrs(start: u128, end: u128, bits: u8, mut emit: impl FnMut(u128, u8)) {
    if start > end {
        return;
    }
    let mut s = start;
    loop {
        let mut host = if s == 0 {
            bits
        } else {
            (s.trailing_zeros() as u8).min(bits)
        };
        // s is aligned to `host` bits, so `s | mask` cannot overflow.
        while host > 0 && (s | host_mask(host)) > end {
            host -= 1;
        }
        emit(s, bits - host);
        let block_end = s | host_mask(host);
        if block_end >= end {
            return;
        }
        s = block_end + 1;
    }
}

pub(crate) struct PrefixIndex<A> {
    pub nets: Vec<A>,
    pub lens: Vec<u8>,
    pub heads: Vec<u32>,
    parents: Vec<u32>,
    /// Start of each interval, ascending; `bound_node` is its innermost block.
    bounds: Vec<A>,
    bound_node: Vec<u32>,
    /// `top[h]`: first interval whose start has top-16 bits >= h.
    top: Vec<u32>,
}

impl<A: Addr> PrefixIndex<A> {
    pub fn empty() -> Self {
        Self {
            nets: Vec::new(),
            lens: Vec::new(),
            heads: Vec::new(),
            parents: Vec::new(),
            bounds: Vec::new(),
            bound_node: Vec::new(),
            top: Vec::new(),
        }
    }

    /// Freezes the blocks collected in `table` (keyed by network and length).
    pub fn build(table: KeyTable<(A, u8)>) -> Self {
        let (keys, heads) = table.into_parts();
        if keys.is_empty() {
            return Self::empty();
        }
        let nets: Vec<A> = keys.iter().map(|k| k.0).collect();
        let lens: Vec<u8> = keys.iter().map(|k| k.1).collect();
        drop(keys);
        let mut order: Vec<u32> = (0..nets.len() as u32).collect();
        // Same start: the wider block first, so it is on the stack when the narrower
        // one inside it arrives.
        order.sort_unstable_by_key(|&i| (nets[i as usize], lens[i as usize]));

        let mut parents = vec![NONE; nets.len()];
        let mut bounds: Vec<A> = Vec::with_capacity(nets.len() * 2);
        let mut bound_node: Vec<u32> = Vec::with_capacity(nets.len() * 2);
        let mut push = |at: A, node: u32| {
            if bounds.last() == Some(&at) {
                if let Some(n) = bound_node.last_mut() {
                    *n = node;
                }
                return;
            }
            if bound_node.last() == Some(&node) || (bounds.is_empty() && node == NONE) {
                return;
            }
            bounds.push(at);
            bound_node.push(node);
        };
        let max = host_mask(A::BITS);
        let mut stack: Vec<u32> = Vec::new();
        let close = |top: u32, stack: &[u32], push: &mut dyn FnMut(A, u32)| {
            let end = last(nets[top as usize], lens[top as usize]).to_u128();
            if end < max {
                push(A::from_u128(end + 1), stack.last().copied().unwrap_or(NONE));
            }
        };
        for &p in &order {
            let start = nets[p as usize];
            while let Some(&top) = stack.last() {
                if last(nets[top as usize], lens[top as usize]) >= start {
                    break;
                }
                stack.pop();
                close(top, &stack, &mut push);
            }
            parents[p as usize] = stack.last().copied().unwrap_or(NONE);
            push(start, p);
            stack.push(p);
        }
        while let Some(top) = stack.pop() {
            close(top, &stack, &mut push);
        }
        bounds.shrink_to_fit();
        bound_node.shrink_to_fit();

        let mut top = vec![0u32; (1 << 16) + 1];
        let mut i = 0usize;
        for (h, slot) in top.iter_mut().enumerate() {
            while i < bounds.len() && bounds[i].top16() < h {
                i += 1;
            }
            *slot = i as u32;
        }
        Self {
            nets,
            lens,
            heads,
            parents,
            bounds,
            bound_node,
            top,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// The smallest block containing `addr`, or `NONE`.
    pub fn innermost(&self, addr: A) -> u32 {
        if self.bounds.is_empty() {
            return NONE;
        }
        let h = addr.top16();
        let lo = self.top[h] as usize;
        let hi = self.top[h + 1] as usize;
        let i = lo + self.bounds[lo..hi].partition_point(|b| *b <= addr);
        if i == 0 {
            NONE
        } else {
            self.bound_node[i - 1]
        }
    }

    pub fn parent(&self, node: u32) -> u32 {
        self.parents[node as usize]
    }

    pub fn bytes(&self) -> usize {
        self.nets.capacity() * size_of::<A>()
            + self.lens.capacity()
            + (self.heads.capacity() + self.parents.capacity() + self.bound_node.capacity())
                * size_of::<u32>()
            + self.bounds.capacity() * size_of::<A>()
            + self.top.capacity() * size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> u32 {
        u32::from(s.parse::<std::net::Ipv4Addr>().unwrap())
    }

    fn index(blocks: &[(&str, u8)]) -> PrefixIndex<u32> {
        let mut t = KeyTable::new();
        for &(net, len) in blocks {
            t.slot((network(v4(net), len), len)).unwrap();
        }
        PrefixIndex::build(t)
    }

    fn containing(ix: &PrefixIndex<u32>, addr: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut n = ix.innermost(v4(addr));
        while n != NONE {
            let ip = std::net::Ipv4Addr::from(ix.nets[n as usize]);
            out.push(format!("{ip}/{}", ix.lens[n as usize]));
            n = ix.parent(n);
        }
        out
    }

    #[test]
    fn nested_and_disjoint_blocks() {
        let ix = index(&[
            ("10.0.0.0", 8),
            ("10.1.0.0", 16),
            ("10.1.2.0", 24),
            ("10.2.0.0", 16),
            ("192.168.0.0", 16),
            ("255.255.255.0", 24),
            ("0.0.0.0", 8),
        ]);
        assert_eq!(
            containing(&ix, "10.1.2.3"),
            ["10.1.2.0/24", "10.1.0.0/16", "10.0.0.0/8"]
        );
        assert_eq!(containing(&ix, "10.1.3.1"), ["10.1.0.0/16", "10.0.0.0/8"]);
        assert_eq!(containing(&ix, "10.3.0.0"), ["10.0.0.0/8"]);
        assert_eq!(containing(&ix, "10.255.255.255"), ["10.0.0.0/8"]);
        assert!(containing(&ix, "11.0.0.0").is_empty());
        assert!(containing(&ix, "9.255.255.255").is_empty());
        assert_eq!(containing(&ix, "0.0.0.0"), ["0.0.0.0/8"]);
        assert_eq!(containing(&ix, "255.255.255.255"), ["255.255.255.0/24"]);
        assert!(containing(&ix, "192.169.0.0").is_empty());
    }

    #[test]
    fn ranges_become_minimal_blocks() {
        let mut out = Vec::new();
        range_to_cidrs(
            u128::from(v4("43.229.53.0")),
            u128::from(v4("43.229.53.255")),
            32,
            |n, l| out.push((n, l)),
        );
        assert_eq!(out, [(u128::from(v4("43.229.53.0")), 24)]);
        out.clear();
        range_to_cidrs(
            u128::from(v4("10.0.0.1")),
            u128::from(v4("10.0.0.6")),
            32,
            |n, l| out.push((n, l)),
        );
        assert_eq!(
            out.iter().map(|x| x.1).collect::<Vec<_>>(),
            [32, 31, 31, 32]
        );
        out.clear();
        range_to_cidrs(0, u128::MAX, 128, |n, l| out.push((n, l)));
        assert_eq!(out, [(0, 0)]);
        out.clear();
        range_to_cidrs(5, 4, 32, |n, l| out.push((n, l)));
        assert!(out.is_empty());
    }

    #[test]
    fn agrees_with_brute_force_on_random_blocks() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut blocks = Vec::new();
        for _ in 0..300 {
            // A small address space so blocks nest often.
            let addr = (next() as u32) & 0x0000_ffff;
            let len = 16 + (next() % 17) as u8;
            blocks.push((network(addr, len), len));
        }
        let mut t = KeyTable::new();
        for &b in &blocks {
            t.slot(b).unwrap();
        }
        let ix = PrefixIndex::build(t);
        for _ in 0..5_000 {
            let a = (next() as u32) & 0x0001_ffff;
            let mut want: Vec<(u32, u8)> = blocks
                .iter()
                .copied()
                .filter(|&(n, l)| network(a, l) == n)
                .collect();
            want.sort_unstable();
            want.dedup();
            let mut got = Vec::new();
            let mut n = ix.innermost(a);
            while n != NONE {
                got.push((ix.nets[n as usize], ix.lens[n as usize]));
                n = ix.parent(n);
            }
            got.sort_unstable();
            assert_eq!(got, want, "address {a:#x}");
        }
    }
}
