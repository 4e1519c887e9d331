//! The indicator index: a builder that collects, validates and de-duplicates
//! indicators, and the frozen [`IndicatorSet`] the pipeline shares (read-only,
//! `Send + Sync`; reloading builds a new set and swaps it in).
//!
//! Layout, chosen so ten million indicators fit in well under a gigabyte:
//! - every distinct value lives once in a typed table (IPv4 as `u32`, hashes as raw
//!   bytes, domains and URLs in one byte arena each; see [`crate::table`]);
//! - each table slot heads a chain of 20-byte [`Entry`] records, one per indicator
//!   (two feeds naming the same IP are two entries on one slot);
//! - what indicators share (feed, title, tags, author) is interned once as
//!   [`IndicatorMeta`]; ids are kept only when the source has them.

use crate::prefix::{self, PrefixIndex};
use crate::table::{Full, KeyTable, StrTable, NONE};
use crate::types::{
    Attrs, Indicator, IndicatorMeta, IndicatorType, IndicatorValue, MatchKind, MetaId,
};
use crate::value::{self, has_wildcard, is_valid_domain, strip_wildcard};
use chrono::{DateTime, Utc};
use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use thiserror::Error;

/// Networks wider than these are refused: a `/4` from a careless feed would flag a
/// sixteenth of the Internet.
pub const MIN_PREFIX_V4: u8 = 8;
pub const MIN_PREFIX_V6: u8 = 16;

const SUBDOMAINS: u8 = 1;

/// Why a value was not stored.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum ValueError {
    #[error("not a valid domain name")]
    Domain,
    #[error("not a valid URL")]
    Url,
    #[error(
        "network /{0} is wider than allowed (/{MIN_PREFIX_V4} for IPv4, /{MIN_PREFIX_V6} for IPv6)"
    )]
    TooWide(u8),
    #[error("address range is reversed or mixes IPv4 and IPv6")]
    Range,
    #[error("the index is full (2^32 values or 4 GiB of text)")]
    Full,
}

impl From<Full> for ValueError {
    fn from(_: Full) -> Self {
        Self::Full
    }
}

/// One indicator: 20 bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    /// Next entry on the same value, or `NONE`.
    pub next: u32,
    pub meta: u32,
    /// Index into the id arena, or `NONE` (id derived from source and value).
    pub id: u32,
    /// Unix seconds; 0 = never expires.
    pub expiry: u32,
    pub confidence: u8,
    pub flags: u8,
}

/// Everything but the value tables.
pub(crate) struct Store {
    pub entries: Vec<Entry>,
    pub metas: Vec<IndicatorMeta>,
    /// Interned source name of each meta, so de-duplication compares integers.
    meta_source: Vec<u32>,
    meta_table: HashTable<u32>,
    sources: HashMap<String, u32>,
    hasher: RandomState,
    ids: Vec<u8>,
    id_ends: Vec<u32>,
    pub counts: [usize; 8],
}

impl Store {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
            metas: Vec::new(),
            meta_source: Vec::new(),
            meta_table: HashTable::new(),
            sources: HashMap::new(),
            hasher: RandomState::default(),
            ids: Vec::new(),
            id_ends: Vec::new(),
            counts: [0; 8],
        }
    }

    fn intern_meta(&mut self, meta: IndicatorMeta) -> MetaId {
        let hash = self.hasher.hash_one(&meta);
        let metas = &self.metas;
        if let Some(&i) = self.meta_table.find(hash, |&i| metas[i as usize] == meta) {
            return MetaId(i);
        }
        let next_source = self.sources.len() as u32;
        let source = *self
            .sources
            .entry(meta.source.clone())
            .or_insert(next_source);
        let i = self.metas.len() as u32;
        self.metas.push(meta);
        self.meta_source.push(source);
        let (metas, hasher) = (&self.metas, &self.hasher);
        self.meta_table
            .insert_unique(hash, i, |&j| hasher.hash_one(&metas[j as usize]));
        MetaId(i)
    }

    pub fn id(&self, i: u32) -> Option<&str> {
        if i == NONE {
            return None;
        }
        let i = i as usize;
        let start = if i == 0 {
            0
        } else {
            self.id_ends[i - 1] as usize
        };
        std::str::from_utf8(&self.ids[start..self.id_ends[i] as usize]).ok()
    }

    fn push_id(&mut self, id: Option<&str>) -> u32 {
        let Some(id) = id.filter(|s| !s.is_empty()) else {
            return NONE;
        };
        // Consecutive entries often share an id (one STIX pattern naming many values).
        if let Some(last) = self.id_ends.len().checked_sub(1) {
            if self.id(last as u32) == Some(id) {
                return last as u32;
            }
        }
        let Ok(end) = u32::try_from(self.ids.len() + id.len()) else {
            return NONE;
        };
        if self.id_ends.len() >= NONE as usize {
            return NONE;
        }
        self.ids.extend_from_slice(id.as_bytes());
        self.id_ends.push(end);
        (self.id_ends.len() - 1) as u32
    }

    /// Adds an indicator to the chain at `head`, or merges it into the entry from the
    /// same source with the same id (a value listed twice by one feed is one
    /// indicator: the highest confidence and latest expiry win).
    fn add(
        &mut self,
        head: &mut u32,
        kind: IndicatorType,
        attrs: &Attrs<'_>,
        flags: u8,
    ) -> Result<(), ValueError> {
        let meta = attrs.meta.0;
        let source = self.meta_source[meta as usize];
        let expiry = expiry_secs(attrs.expiry);
        let mut e = *head;
        while e != NONE {
            let entry = self.entries[e as usize];
            if self.meta_source[entry.meta as usize] == source
                && self.id(entry.id) == attrs.id.filter(|s| !s.is_empty())
            {
                let merged = &mut self.entries[e as usize];
                merged.confidence = merged.confidence.max(attrs.confidence);
                merged.expiry = if merged.expiry == 0 || expiry == 0 {
                    0
                } else {
                    merged.expiry.max(expiry)
                };
                merged.flags |= flags;
                merged.meta = meta;
                return Ok(());
            }
            e = entry.next;
        }
        let index = u32::try_from(self.entries.len())
            .ok()
            .filter(|&i| i != NONE)
            .ok_or(ValueError::Full)?;
        let id = self.push_id(attrs.id);
        self.entries.push(Entry {
            next: *head,
            meta,
            id,
            expiry,
            confidence: attrs.confidence.min(100),
            flags,
        });
        *head = index;
        self.counts[kind.index()] += 1;
        Ok(())
    }

    fn shrink(&mut self) {
        self.entries.shrink_to_fit();
        self.metas.shrink_to_fit();
        self.meta_source.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.id_ends.shrink_to_fit();
    }

    fn bytes(&self) -> usize {
        let meta_strings: usize = self
            .metas
            .iter()
            .map(|m| {
                size_of::<IndicatorMeta>()
                    + m.source.capacity()
                    + m.title.as_ref().map_or(0, String::capacity)
                    + m.description.as_ref().map_or(0, String::capacity)
                    + m.author.as_ref().map_or(0, String::capacity)
                    + m.tags
                        .iter()
                        .map(|t| t.capacity() + size_of::<String>())
                        .sum::<usize>()
            })
            .sum();
        self.entries.capacity() * size_of::<Entry>()
            + meta_strings
            + self.meta_source.capacity() * 4
            + self.meta_table.allocation_size()
            + self.ids.capacity()
            + self.id_ends.capacity() * 4
    }
}

fn expiry_secs(t: Option<DateTime<Utc>>) -> u32 {
    match t {
        None => 0,
        // Past 2106 is "never" for our purposes; before 1970 is long expired.
        Some(t) => t.timestamp().clamp(1, i64::from(u32::MAX)) as u32,
    }
}

/// Collects indicators; [`build`](Self::build) freezes them into an [`IndicatorSet`].
pub struct IndicatorSetBuilder {
    store: Store,
    v4: KeyTable<u32>,
    v6: KeyTable<u128>,
    p4: KeyTable<(u32, u8)>,
    p6: KeyTable<(u128, u8)>,
    domains: StrTable,
    urls: StrTable,
    md5: KeyTable<[u8; 16]>,
    sha1: KeyTable<[u8; 20]>,
    sha256: KeyTable<[u8; 32]>,
    asn: KeyTable<u32>,
    url_buf: Vec<u8>,
}

impl Default for IndicatorSetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl IndicatorSetBuilder {
    pub fn new() -> Self {
        Self {
            store: Store::new(),
            v4: KeyTable::new(),
            v6: KeyTable::new(),
            p4: KeyTable::new(),
            p6: KeyTable::new(),
            domains: StrTable::new(|s| s),
            urls: StrTable::new(value::url_key),
            md5: KeyTable::new(),
            sha1: KeyTable::new(),
            sha256: KeyTable::new(),
            asn: KeyTable::new(),
            url_buf: Vec::new(),
        }
    }

    /// Stores `meta` once; equal metas get the same id.
    pub fn meta(&mut self, meta: IndicatorMeta) -> MetaId {
        self.store.intern_meta(meta)
    }

    /// Number of indicators (entries) so far.
    pub fn len(&self) -> usize {
        self.store.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.entries.is_empty()
    }

    /// Validates, normalises and stores one indicator. A range may become several
    /// network entries.
    pub fn insert(
        &mut self,
        value: &IndicatorValue<'_>,
        attrs: &Attrs<'_>,
    ) -> Result<(), ValueError> {
        if attrs.meta.0 as usize >= self.store.metas.len() {
            // A MetaId from another builder: keep the index consistent rather than panic.
            return Err(ValueError::Full);
        }
        match *value {
            IndicatorValue::Ip(ip) => self.insert_ip(ip.to_canonical(), attrs),
            IndicatorValue::Cidr(ip, len) => self.insert_cidr(ip.to_canonical(), len, attrs),
            IndicatorValue::Range(a, b) => {
                self.insert_range(a.to_canonical(), b.to_canonical(), attrs)
            }
            IndicatorValue::Domain { name, subdomains } => {
                if !is_valid_domain(name) {
                    return Err(ValueError::Domain);
                }
                let flags = if subdomains || has_wildcard(name) {
                    SUBDOMAINS
                } else {
                    0
                };
                let mut buf = [0u8; 256];
                let n = value::normalize_domain(strip_wildcard(name.trim()), &mut buf)
                    .ok_or(ValueError::Domain)?;
                let slot = self.domains.slot(&buf[..n])?;
                self.store.add(
                    &mut self.domains.heads[slot as usize],
                    IndicatorType::Domain,
                    attrs,
                    flags,
                )
            }
            IndicatorValue::Url(s) => {
                if !value::normalize_url(s, &mut self.url_buf) {
                    return Err(ValueError::Url);
                }
                let slot = self.urls.slot(&self.url_buf)?;
                self.store.add(
                    &mut self.urls.heads[slot as usize],
                    IndicatorType::Url,
                    attrs,
                    0,
                )
            }
            IndicatorValue::Md5(h) => {
                add_keyed(&mut self.store, &mut self.md5, h, IndicatorType::Md5, attrs)
            }
            IndicatorValue::Sha1(h) => add_keyed(
                &mut self.store,
                &mut self.sha1,
                h,
                IndicatorType::Sha1,
                attrs,
            ),
            IndicatorValue::Sha256(h) => add_keyed(
                &mut self.store,
                &mut self.sha256,
                h,
                IndicatorType::Sha256,
                attrs,
            ),
            IndicatorValue::Asn(n) => {
                add_keyed(&mut self.store, &mut self.asn, n, IndicatorType::Asn, attrs)
            }
        }
    }

    fn insert_ip(&mut self, ip: IpAddr, attrs: &Attrs<'_>) -> Result<(), ValueError> {
        match ip {
            IpAddr::V4(a) => {
                let slot = self.v4.slot(u32::from(a))?;
                self.store.add(
                    &mut self.v4.heads[slot as usize],
                    IndicatorType::Ip,
                    attrs,
                    0,
                )
            }
            IpAddr::V6(a) => {
                let slot = self.v6.slot(u128::from(a))?;
                self.store.add(
                    &mut self.v6.heads[slot as usize],
                    IndicatorType::Ip,
                    attrs,
                    0,
                )
            }
        }
    }

    fn insert_cidr(&mut self, ip: IpAddr, len: u8, attrs: &Attrs<'_>) -> Result<(), ValueError> {
        match ip {
            IpAddr::V4(a) => {
                if len >= 32 {
                    return self.insert_ip(ip, attrs);
                }
                if len < MIN_PREFIX_V4 {
                    return Err(ValueError::TooWide(len));
                }
                let slot = self.p4.slot((prefix::network(u32::from(a), len), len))?;
                self.store.add(
                    &mut self.p4.heads[slot as usize],
                    IndicatorType::Cidr,
                    attrs,
                    0,
                )
            }
            IpAddr::V6(a) => {
                if len >= 128 {
                    return self.insert_ip(ip, attrs);
                }
                if len < MIN_PREFIX_V6 {
                    return Err(ValueError::TooWide(len));
                }
                let slot = self.p6.slot((prefix::network(u128::from(a), len), len))?;
                self.store.add(
                    &mut self.p6.heads[slot as usize],
                    IndicatorType::Cidr,
                    attrs,
                    0,
                )
            }
        }
    }

    fn insert_range(&mut self, a: IpAddr, b: IpAddr, attrs: &Attrs<'_>) -> Result<(), ValueError> {
        let (start, end, bits, min, v4) = match (a, b) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (
                u128::from(u32::from(a)),
                u128::from(u32::from(b)),
                32,
                MIN_PREFIX_V4,
                true,
            ),
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                (u128::from(a), u128::from(b), 128, MIN_PREFIX_V6, false)
            }
            _ => return Err(ValueError::Range),
        };
        if start > end {
            return Err(ValueError::Range);
        }
        let mut blocks = Vec::new();
        prefix::range_to_cidrs(start, end, bits, |net, len| blocks.push((net, len)));
        if let Some(&(_, len)) = blocks.iter().find(|&&(_, len)| len < min) {
            return Err(ValueError::TooWide(len));
        }
        for (net, len) in blocks {
            let ip = if v4 {
                IpAddr::V4(Ipv4Addr::from(net as u32))
            } else {
                IpAddr::V6(Ipv6Addr::from(net))
            };
            self.insert_cidr(ip, len, attrs)?;
        }
        Ok(())
    }

    /// Freezes the index.
    pub fn build(self) -> IndicatorSet {
        let Self {
            mut store,
            mut v4,
            mut v6,
            p4,
            p6,
            mut domains,
            mut urls,
            mut md5,
            mut sha1,
            mut sha256,
            mut asn,
            ..
        } = self;
        store.shrink();
        v4.shrink();
        v6.shrink();
        domains.shrink();
        urls.shrink();
        md5.shrink();
        sha1.shrink();
        sha256.shrink();
        asn.shrink();
        IndicatorSet {
            store,
            v4,
            v6,
            p4: PrefixIndex::build(p4),
            p6: PrefixIndex::build(p6),
            domains,
            urls,
            md5,
            sha1,
            sha256,
            asn,
        }
    }
}

/// Where a look-up found a value; turned into an [`Indicator`] only for hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    V4(u32),
    V6(u32),
    P4(u32),
    P6(u32),
    Domain(u32),
    Url(u32),
    Md5(u32),
    Sha1(u32),
    Sha256(u32),
    Asn(u32),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct RawHit {
    pub entry: u32,
    pub found: Found,
    pub matched: MatchKind,
}

/// The time expiry is judged against, worked out only when an indicator with an expiry
/// is met (most look-ups meet none).
pub(crate) struct Clock<'a> {
    now: DateTime<Utc>,
    event_time: Option<&'a dyn Fn() -> Option<DateTime<Utc>>>,
    cached: Option<i64>,
}

impl<'a> Clock<'a> {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            event_time: None,
            cached: None,
        }
    }

    /// Judges at the event's own time when it has one (so a retro-hunt over old events
    /// uses the indicators valid then), never later than `now`.
    pub fn for_event(
        now: DateTime<Utc>,
        event_time: &'a dyn Fn() -> Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            now,
            event_time: Some(event_time),
            cached: None,
        }
    }

    fn secs(&mut self) -> i64 {
        if let Some(t) = self.cached {
            return t;
        }
        let now = self.now.timestamp();
        let t = self
            .event_time
            .and_then(|f| f())
            .map_or(now, |t| t.timestamp().min(now));
        self.cached = Some(t);
        t
    }
}

/// The frozen index. Cheap to share (`Arc<IndicatorSet>`); all look-ups take `&self`.
pub struct IndicatorSet {
    pub(crate) store: Store,
    v4: KeyTable<u32>,
    v6: KeyTable<u128>,
    p4: PrefixIndex<u32>,
    p6: PrefixIndex<u128>,
    domains: StrTable,
    urls: StrTable,
    md5: KeyTable<[u8; 16]>,
    sha1: KeyTable<[u8; 20]>,
    sha256: KeyTable<[u8; 32]>,
    asn: KeyTable<u32>,
}

/// Stores an indicator whose value is a fixed-size key (a digest, an AS number).
fn add_keyed<K: std::hash::Hash + Eq + Copy>(
    store: &mut Store,
    table: &mut KeyTable<K>,
    key: K,
    kind: IndicatorType,
    attrs: &Attrs<'_>,
) -> Result<(), ValueError> {
    let slot = table.slot(key)?;
    store.add(&mut table.heads[slot as usize], kind, attrs, 0)
}

impl Default for IndicatorSet {
    fn default() -> Self {
        IndicatorSetBuilder::new().build()
    }
}

impl std::fmt::Debug for IndicatorSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndicatorSet")
            .field("len", &self.len())
            .field("counts", &self.counts())
            .finish()
    }
}

impl IndicatorSet {
    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.store.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.entries.is_empty()
    }

    /// Indicators per type (types with none left out).
    pub fn counts(&self) -> Vec<(IndicatorType, usize)> {
        IndicatorType::ALL
            .iter()
            .map(|&t| (t, self.store.counts[t.index()]))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Heap bytes held by the index (allocation sizes, not counting allocator
    /// overhead).
    pub fn memory_bytes(&self) -> usize {
        self.store.bytes()
            + self.v4.bytes()
            + self.v6.bytes()
            + self.p4.bytes()
            + self.p6.bytes()
            + self.domains.bytes()
            + self.urls.bytes()
            + self.md5.bytes()
            + self.sha1.bytes()
            + self.sha256.bytes()
            + self.asn.bytes()
    }

    pub(crate) fn has_ips(&self) -> bool {
        !(self.v4.is_empty() && self.v6.is_empty() && self.p4.is_empty() && self.p6.is_empty())
    }
    pub(crate) fn has_domains(&self) -> bool {
        !self.domains.is_empty()
    }
    pub(crate) fn has_urls(&self) -> bool {
        !self.urls.is_empty()
    }
    pub(crate) fn has_hashes(&self) -> bool {
        !(self.md5.is_empty() && self.sha1.is_empty() && self.sha256.is_empty())
    }
    pub(crate) fn has_asns(&self) -> bool {
        !self.asn.is_empty()
    }

    /// Looks up any observable written as text (IP, domain, URL, hash, `AS123`), as an
    /// analyst would ask "is this known?". Expiry is judged at `at`.
    pub fn lookup(&self, text: &str, at: DateTime<Utc>) -> Vec<(Indicator, MatchKind)> {
        let mut clock = Clock::at(at);
        let mut raw = Vec::new();
        let s = text.trim();
        let mut push = |h: RawHit| raw.push(h);
        if let Some(ip) = value::parse_ip_loose(s) {
            self.visit_ip(ip, &mut clock, &mut push);
        } else if s.contains("://") || (s.contains('/') && !s.starts_with('/')) {
            self.visit_url(s, &mut clock, &mut push);
            if let Some(host) = value::url_host(s) {
                self.visit_host(host, &mut clock, &mut push);
            }
        } else if let Some(asn) = value::parse_asn(s) {
            self.visit_asn(asn, &mut clock, &mut push);
        } else if value::parse_hash(s).is_some() {
            self.visit_hash(s, &mut clock, &mut push);
        } else {
            self.visit_domain(s, &mut clock, &mut push);
        }
        raw.iter().map(|h| (self.indicator(h), h.matched)).collect()
    }

    fn chain(
        &self,
        head: u32,
        found: Found,
        matched: MatchKind,
        clock: &mut Clock<'_>,
        f: &mut dyn FnMut(RawHit),
    ) {
        let mut e = head;
        while e != NONE {
            let entry = &self.store.entries[e as usize];
            let wanted = matched != MatchKind::Subdomain || entry.flags & SUBDOMAINS != 0;
            if wanted && (entry.expiry == 0 || clock.secs() <= i64::from(entry.expiry)) {
                f(RawHit {
                    entry: e,
                    found,
                    matched,
                });
            }
            e = entry.next;
        }
    }

    pub(crate) fn visit_ip(&self, ip: IpAddr, clock: &mut Clock<'_>, f: &mut dyn FnMut(RawHit)) {
        match ip.to_canonical() {
            IpAddr::V4(a) => {
                let k = u32::from(a);
                if let Some(slot) = self.v4.find(&k) {
                    self.chain(
                        self.v4.heads[slot as usize],
                        Found::V4(slot),
                        MatchKind::Exact,
                        clock,
                        f,
                    );
                }
                let mut n = self.p4.innermost(k);
                while n != NONE {
                    self.chain(
                        self.p4.heads[n as usize],
                        Found::P4(n),
                        MatchKind::Network,
                        clock,
                        f,
                    );
                    n = self.p4.parent(n);
                }
            }
            IpAddr::V6(a) => {
                let k = u128::from(a);
                if let Some(slot) = self.v6.find(&k) {
                    self.chain(
                        self.v6.heads[slot as usize],
                        Found::V6(slot),
                        MatchKind::Exact,
                        clock,
                        f,
                    );
                }
                let mut n = self.p6.innermost(k);
                while n != NONE {
                    self.chain(
                        self.p6.heads[n as usize],
                        Found::P6(n),
                        MatchKind::Network,
                        clock,
                        f,
                    );
                    n = self.p6.parent(n);
                }
            }
        }
    }

    /// The domain itself, then each parent domain (for indicators that cover
    /// subdomains). Never allocates.
    pub(crate) fn visit_domain(
        &self,
        name: &str,
        clock: &mut Clock<'_>,
        f: &mut dyn FnMut(RawHit),
    ) {
        if self.domains.is_empty() {
            return;
        }
        let mut buf = [0u8; 256];
        let Some(n) = value::normalize_domain(name, &mut buf) else {
            return;
        };
        let name = &buf[..n];
        if let Some(slot) = self.domains.find(name) {
            self.chain(
                self.domains.heads[slot as usize],
                Found::Domain(slot),
                MatchKind::Exact,
                clock,
                f,
            );
        }
        let mut rest = name;
        while let Some(dot) = rest.iter().position(|&c| c == b'.') {
            rest = &rest[dot + 1..];
            // Indicators have at least two labels, so a bare TLD never matches.
            if !rest.contains(&b'.') {
                break;
            }
            if let Some(slot) = self.domains.find(rest) {
                self.chain(
                    self.domains.heads[slot as usize],
                    Found::Domain(slot),
                    MatchKind::Subdomain,
                    clock,
                    f,
                );
            }
        }
    }

    /// A host from a URL or a hosts field: an IP literal or a domain.
    pub(crate) fn visit_host(&self, host: &str, clock: &mut Clock<'_>, f: &mut dyn FnMut(RawHit)) {
        match value::parse_ip_loose(host) {
            Some(ip) => self.visit_ip(ip, clock, f),
            None => self.visit_domain(host, clock, f),
        }
    }

    pub(crate) fn visit_url(&self, url: &str, clock: &mut Clock<'_>, f: &mut dyn FnMut(RawHit)) {
        if self.urls.is_empty() {
            return;
        }
        URL_BUF.with(|buf| {
            let Ok(mut buf) = buf.try_borrow_mut() else {
                return;
            };
            if value::normalize_url(url, &mut buf) {
                self.visit_normalized_url(&buf, clock, f);
            }
        });
    }

    /// A request target (`/path?q`) with the host from another field.
    pub(crate) fn visit_url_parts(
        &self,
        host: &str,
        target: &str,
        clock: &mut Clock<'_>,
        f: &mut dyn FnMut(RawHit),
    ) {
        if self.urls.is_empty() {
            return;
        }
        URL_BUF.with(|buf| {
            let Ok(mut buf) = buf.try_borrow_mut() else {
                return;
            };
            if value::write_url("http", host, target, &mut buf) {
                self.visit_normalized_url(&buf, clock, f);
            }
        });
    }

    fn visit_normalized_url(
        &self,
        normalized: &[u8],
        clock: &mut Clock<'_>,
        f: &mut dyn FnMut(RawHit),
    ) {
        if let Some(slot) = self.urls.find(value::url_key(normalized)) {
            self.chain(
                self.urls.heads[slot as usize],
                Found::Url(slot),
                MatchKind::Exact,
                clock,
                f,
            );
        }
    }

    /// Hex digest of any supported length, either case.
    pub(crate) fn visit_hash(&self, hex: &str, clock: &mut Clock<'_>, f: &mut dyn FnMut(RawHit)) {
        let b = hex.trim().as_bytes();
        let found = match b.len() {
            32 => value::decode_hex::<16>(b)
                .and_then(|k| self.md5.find(&k))
                .map(|s| (self.md5.heads[s as usize], Found::Md5(s))),
            40 => value::decode_hex::<20>(b)
                .and_then(|k| self.sha1.find(&k))
                .map(|s| (self.sha1.heads[s as usize], Found::Sha1(s))),
            64 => value::decode_hex::<32>(b)
                .and_then(|k| self.sha256.find(&k))
                .map(|s| (self.sha256.heads[s as usize], Found::Sha256(s))),
            _ => None,
        };
        if let Some((head, found)) = found {
            self.chain(head, found, MatchKind::Exact, clock, f);
        }
    }

    pub(crate) fn visit_asn(&self, asn: u32, clock: &mut Clock<'_>, f: &mut dyn FnMut(RawHit)) {
        if let Some(slot) = self.asn.find(&asn) {
            self.chain(
                self.asn.heads[slot as usize],
                Found::Asn(slot),
                MatchKind::Exact,
                clock,
                f,
            );
        }
    }

    /// The owned view of a hit.
    pub(crate) fn indicator(&self, hit: &RawHit) -> Indicator {
        let entry = &self.store.entries[hit.entry as usize];
        let meta = &self.store.metas[entry.meta as usize];
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let (kind, value) = match hit.found {
            Found::V4(s) => (
                IndicatorType::Ip,
                Ipv4Addr::from(self.v4.keys[s as usize]).to_string(),
            ),
            Found::V6(s) => (
                IndicatorType::Ip,
                Ipv6Addr::from(self.v6.keys[s as usize]).to_string(),
            ),
            Found::P4(n) => (
                IndicatorType::Cidr,
                format!(
                    "{}/{}",
                    Ipv4Addr::from(self.p4.nets[n as usize]),
                    self.p4.lens[n as usize]
                ),
            ),
            Found::P6(n) => (
                IndicatorType::Cidr,
                format!(
                    "{}/{}",
                    Ipv6Addr::from(self.p6.nets[n as usize]),
                    self.p6.lens[n as usize]
                ),
            ),
            Found::Domain(s) => (IndicatorType::Domain, lossy(self.domains.get(s))),
            Found::Url(s) => (IndicatorType::Url, lossy(self.urls.get(s))),
            Found::Md5(s) => (
                IndicatorType::Md5,
                value::encode_hex(&self.md5.keys[s as usize]),
            ),
            Found::Sha1(s) => (
                IndicatorType::Sha1,
                value::encode_hex(&self.sha1.keys[s as usize]),
            ),
            Found::Sha256(s) => (
                IndicatorType::Sha256,
                value::encode_hex(&self.sha256.keys[s as usize]),
            ),
            Found::Asn(s) => (
                IndicatorType::Asn,
                format!("AS{}", self.asn.keys[s as usize]),
            ),
        };
        let id = match self.store.id(entry.id) {
            Some(id) => id.to_owned(),
            None => format!("{}:{}:{}", meta.source, kind, value),
        };
        Indicator {
            id,
            kind,
            value,
            source: meta.source.clone(),
            confidence: entry.confidence,
            expiry: (entry.expiry != 0)
                .then(|| DateTime::from_timestamp(i64::from(entry.expiry), 0))
                .flatten(),
            title: meta.title.clone(),
            description: meta.description.clone(),
            author: meta.author.clone(),
            tags: meta.tags.clone(),
            subdomains: kind == IndicatorType::Domain && entry.flags & SUBDOMAINS != 0,
        }
    }
}

thread_local! {
    /// Scratch for URL normalisation on the matching path: one allocation per thread,
    /// none per event.
    static URL_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap()
    }

    fn builder() -> (IndicatorSetBuilder, MetaId) {
        let mut b = IndicatorSetBuilder::new();
        let m = b.meta(IndicatorMeta {
            source: "test".into(),
            ..Default::default()
        });
        (b, m)
    }

    fn attrs(meta: MetaId) -> Attrs<'static> {
        Attrs {
            meta,
            id: None,
            confidence: 60,
            expiry: None,
        }
    }

    fn values(set: &IndicatorSet, q: &str) -> Vec<String> {
        set.lookup(q, at(2026))
            .into_iter()
            .map(|(i, _)| i.value)
            .collect()
    }

    #[test]
    fn every_type_round_trips() {
        let (mut b, m) = builder();
        for v in [
            "1.2.3.4",
            "2001:db8::1",
            "10.0.0.0/8",
            "2a06:e480::/29",
            "Evil.COM",
            "HTTPS://Evil.com:443/Path?q=1",
            "D41D8CD98F00B204E9800998ECF8427E",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AS64500",
        ] {
            b.insert(&value::detect(v).unwrap(), &attrs(m)).unwrap();
        }
        let set = b.build();
        assert_eq!(set.len(), 10);
        assert_eq!(values(&set, "1.2.3.4"), ["1.2.3.4"]);
        assert_eq!(values(&set, "2001:DB8:0::1"), ["2001:db8::1"]);
        assert_eq!(values(&set, "10.200.1.1"), ["10.0.0.0/8"]);
        assert_eq!(values(&set, "2a06:e487::1"), ["2a06:e480::/29"]);
        assert_eq!(values(&set, "a.b.EVIL.com."), ["evil.com"]);
        assert_eq!(
            values(&set, "http://evil.com/Path?q=1"),
            ["https://evil.com/Path?q=1", "evil.com"]
        );
        assert!(
            values(&set, "http://evil.com/path?q=1").len() == 1,
            "path keeps its case"
        );
        assert_eq!(
            values(&set, "d41d8cd98f00b204e9800998ecf8427e"),
            ["d41d8cd98f00b204e9800998ecf8427e"]
        );
        assert_eq!(
            values(&set, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709").len(),
            1
        );
        assert_eq!(values(&set, "as64500"), ["AS64500"]);
        assert!(values(&set, "1.2.3.5").is_empty());
        assert!(values(&set, "notevil.com").is_empty());
        assert!(values(&set, "com").is_empty());
    }

    #[test]
    fn exact_domains_do_not_cover_subdomains() {
        let (mut b, m) = builder();
        let host = IndicatorValue::Domain {
            name: "cdn.example.org",
            subdomains: false,
        };
        b.insert(&host, &attrs(m)).unwrap();
        let wild = IndicatorValue::Domain {
            name: "*.wild.org",
            subdomains: false,
        };
        b.insert(&wild, &attrs(m)).unwrap();
        let set = b.build();
        assert_eq!(values(&set, "cdn.example.org"), ["cdn.example.org"]);
        assert!(values(&set, "x.cdn.example.org").is_empty());
        assert_eq!(values(&set, "a.wild.org"), ["wild.org"]);
    }

    #[test]
    fn expiry_is_checked_at_lookup_time() {
        let (mut b, m) = builder();
        let a = Attrs {
            expiry: Some(at(2025)),
            ..attrs(m)
        };
        b.insert(&value::detect("5.6.7.8").unwrap(), &a).unwrap();
        let set = b.build();
        assert_eq!(set.lookup("5.6.7.8", at(2024)).len(), 1);
        assert_eq!(
            set.lookup("5.6.7.8", at(2025)).len(),
            1,
            "valid through its last second"
        );
        assert!(set.lookup("5.6.7.8", at(2026)).is_empty());
        let hit = &set.lookup("5.6.7.8", at(2024))[0].0;
        assert_eq!(hit.expiry, Some(at(2025)));
    }

    #[test]
    fn duplicates_merge_per_source_and_id() {
        let (mut b, m) = builder();
        let other = b.meta(IndicatorMeta {
            source: "other".into(),
            ..Default::default()
        });
        let ip = value::detect("9.9.9.9").unwrap();
        b.insert(
            &ip,
            &Attrs {
                confidence: 10,
                ..attrs(m)
            },
        )
        .unwrap();
        b.insert(
            &ip,
            &Attrs {
                confidence: 90,
                ..attrs(m)
            },
        )
        .unwrap();
        b.insert(&ip, &attrs(other)).unwrap();
        b.insert(
            &ip,
            &Attrs {
                id: Some("indicator--1"),
                ..attrs(m)
            },
        )
        .unwrap();
        let set = b.build();
        let mut hits = set.lookup("9.9.9.9", at(2026));
        hits.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let ids: Vec<_> = hits
            .iter()
            .map(|h| (h.0.id.as_str(), h.0.confidence))
            .collect();
        assert_eq!(
            ids,
            [
                ("indicator--1", 60),
                ("other:ip:9.9.9.9", 60),
                ("test:ip:9.9.9.9", 90)
            ]
        );
    }

    #[test]
    fn wide_networks_and_bad_ranges_are_refused() {
        let (mut b, m) = builder();
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            b.insert(&IndicatorValue::Cidr(v4("0.0.0.0"), 0), &attrs(m)),
            Err(ValueError::TooWide(0))
        );
        assert_eq!(
            b.insert(
                &IndicatorValue::Range(v4("10.0.0.9"), v4("10.0.0.1")),
                &attrs(m)
            ),
            Err(ValueError::Range)
        );
        assert_eq!(
            b.insert(&IndicatorValue::Range(v4("10.0.0.1"), v4("::1")), &attrs(m)),
            Err(ValueError::Range)
        );
        b.insert(
            &IndicatorValue::Range(v4("10.0.0.1"), v4("10.0.0.6")),
            &attrs(m),
        )
        .unwrap();
        assert_eq!(
            b.insert(
                &IndicatorValue::Domain {
                    name: "no spaces.com",
                    subdomains: true
                },
                &attrs(m)
            ),
            Err(ValueError::Domain)
        );
        assert_eq!(
            b.insert(&IndicatorValue::Url("http://"), &attrs(m)),
            Err(ValueError::Url)
        );
        let set = b.build();
        assert_eq!(values(&set, "10.0.0.5"), ["10.0.0.4/31"]);
        assert!(values(&set, "10.0.0.7").is_empty());
        assert!(values(&set, "10.0.0.0").is_empty());
    }

    #[test]
    fn the_set_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<IndicatorSet>();
    }

    #[test]
    fn foreign_meta_id_is_an_error_not_a_panic() {
        let (mut b, _) = builder();
        let bogus = MetaId(42);
        assert!(b
            .insert(&value::detect("1.1.1.1").unwrap(), &attrs(bogus))
            .is_err());
    }
}
