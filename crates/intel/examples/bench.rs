//! Indicator index benchmark: builds a set of synthetic indicators (IPv4, CIDR,
//! domains, URLs, SHA-256, MD5), reports load time and memory per indicator, then
//! matches synthetic ECS events and reports events/s on one core and on all cores.
//!
//! ```text
//! cargo run -p steward-intel --release --example bench -- [indicators] [events]
//! ```
//! Defaults: 10,000,000 indicators, 1,000,000 events. Memory is read from
//! /proc/self/status (VmRSS, VmHWM) and from the index's own accounting.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use steward_intel::{Attrs, IndicatorMeta, IndicatorSet, IndicatorSetBuilder, IndicatorValue};
use steward_model::Event;

const TLDS: &[&str] = &["com", "net", "org", "ru", "cn", "info", "xyz", "top"];
/// Events generated per timed batch.
const BATCH: usize = 1_000;

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Public-looking IPv4 (never 10/8, so random source addresses stay clean).
fn ipv4(i: u64) -> u32 {
    let v = mix(i) as u32;
    if v >> 24 == 10 {
        v ^ 0x4000_0000
    } else {
        v
    }
}

/// The kind of indicator `i`: 40% IP, 10% CIDR, 25% domain, 10% URL, 10% SHA-256, 5% MD5.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ip,
    Cidr,
    Domain,
    Url,
    Sha256,
    Md5,
}

fn kind(i: u64) -> Kind {
    match i % 20 {
        0..=7 => Kind::Ip,
        8..=9 => Kind::Cidr,
        10..=14 => Kind::Domain,
        15..=16 => Kind::Url,
        17..=18 => Kind::Sha256,
        _ => Kind::Md5,
    }
}

/// An index `< n` whose kind is `k`.
fn index_of(k: Kind, r: u64, n: u64) -> u64 {
    let offset = match k {
        Kind::Ip => 0,
        Kind::Cidr => 8,
        Kind::Domain => 10,
        Kind::Url => 15,
        Kind::Sha256 => 17,
        Kind::Md5 => 19,
    };
    let blocks = (n / 20).max(1);
    (r % blocks) * 20 + offset
}

fn domain(i: u64, out: &mut String) {
    out.clear();
    let _ = write!(
        out,
        "host-{i:x}.{}",
        TLDS[(mix(i) % TLDS.len() as u64) as usize]
    );
}

fn url(i: u64, out: &mut String) {
    out.clear();
    let h = mix(i);
    let _ = write!(
        out,
        "http://site-{i:x}.{}/p/{:x}.php?id={i}",
        TLDS[(h % 8) as usize],
        h >> 40
    );
}

fn digest<const N: usize>(i: u64) -> [u8; N] {
    let mut out = [0u8; N];
    for (k, chunk) in out.chunks_mut(8).enumerate() {
        let w = mix(i.wrapping_mul(31).wrapping_add(k as u64)).to_le_bytes();
        chunk.copy_from_slice(&w[..chunk.len()]);
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

fn status(key: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn build(n: u64) -> IndicatorSet {
    let mut b = IndicatorSetBuilder::new();
    let metas: Vec<_> = (0..10)
        .map(|f| {
            b.meta(IndicatorMeta {
                source: format!("synthetic-feed-{f}"),
                title: Some(format!("synthetic campaign {f}")),
                tags: vec!["synthetic".into()],
                ..Default::default()
            })
        })
        .collect();
    let expiry = Some(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap());
    let mut text = String::new();
    for i in 0..n {
        let h = mix(i ^ 0xabcd);
        let attrs = Attrs {
            meta: metas[(h % 10) as usize],
            id: None,
            confidence: (h >> 8) as u8 % 101,
            expiry: if h.is_multiple_of(5) { expiry } else { None },
        };
        let value = match kind(i) {
            Kind::Ip => IndicatorValue::Ip(IpAddr::V4(Ipv4Addr::from(ipv4(i)))),
            Kind::Cidr => {
                let len = 24 + (h >> 16) as u8 % 6;
                IndicatorValue::Cidr(IpAddr::V4(Ipv4Addr::from(ipv4(i))), len)
            }
            Kind::Domain => {
                domain(i, &mut text);
                IndicatorValue::Domain {
                    name: &text,
                    subdomains: true,
                }
            }
            Kind::Url => {
                url(i, &mut text);
                IndicatorValue::Url(&text)
            }
            Kind::Sha256 => IndicatorValue::Sha256(digest::<32>(i)),
            Kind::Md5 => IndicatorValue::Md5(digest::<16>(i)),
        };
        if let Err(e) = b.insert(&value, &attrs) {
            eprintln!("insert {i}: {e}");
        }
    }
    b.build()
}

/// A firewall/proxy/DNS-like event; about 1-3% of events carry a listed value.
fn event(seed: u64, n: u64) -> Event {
    let r = |k: u64| mix(seed.wrapping_mul(0x1000).wrapping_add(k));
    let src = Ipv4Addr::from(0x0a00_0000 | (r(1) as u32 & 0x00ff_ffff)).to_string();
    let dst = if r(2) % 100 == 0 {
        Ipv4Addr::from(ipv4(index_of(Kind::Ip, r(3), n))).to_string()
    } else {
        Ipv4Addr::from(ipv4(r(3) | 1 << 63)).to_string()
    };
    let mut doc = json!({
        "@timestamp": "2026-03-01T12:00:00.000Z",
        "event": {"id": format!("ev-{seed}")},
        "source": {"ip": src, "port": 40000 + r(4) % 20000},
        "destination": {"ip": dst, "port": 443},
        "host": {"ip": "10.1.2.3", "name": "fw01"},
        "related": {"ip": [src, dst]},
    });
    let mut text = String::new();
    if r(5) % 10 < 3 {
        let name = if r(6) % 100 < 3 {
            domain(index_of(Kind::Domain, r(7), n), &mut text);
            format!("www.{text}")
        } else {
            format!("cdn{}.benign{}.com", r(7) % 1000, r(8) % 100_000)
        };
        doc["dns"] = json!({"question": {"name": name}});
    }
    if r(9) % 10 < 2 {
        let u = if r(10) % 100 < 2 {
            url(index_of(Kind::Url, r(11), n), &mut text);
            text.clone()
        } else {
            format!(
                "https://shop{}.example.com/item/{}?ref=x",
                r(11) % 10_000,
                r(12) % 1_000_000
            )
        };
        doc["url"] = json!({"original": u});
    }
    if r(13) % 10 == 0 {
        let h = if r(14) % 100 < 5 {
            digest::<32>(index_of(Kind::Sha256, r(15), n))
        } else {
            digest::<32>(r(15) | 1 << 62)
        };
        doc["file"] = json!({"hash": {"sha256": hex(&h)}});
    }
    let Value::Object(map) = doc else {
        unreachable!()
    };
    Event::from_object(map)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(10_000_000);
    let events: usize = args
        .next()
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    println!("steward-intel bench: {n} indicators, {events} events, {threads} cores");

    let rss0 = status("VmRSS:");
    let t = Instant::now();
    let set = build(n);
    let load = t.elapsed();
    let rss1 = status("VmRSS:");
    let hwm = status("VmHWM:");
    let per = |bytes: u64| bytes as f64 / set.len().max(1) as f64;
    println!(
        "load: {:.2} s ({:.2} M indicators/s), {} indicators {:?}",
        load.as_secs_f64(),
        set.len() as f64 / load.as_secs_f64() / 1e6,
        set.len(),
        set.counts()
    );
    println!(
        "memory: index {:.1} B/indicator ({} MiB); RSS growth {:.1} B/indicator; peak during build {:.1} B/indicator (VmHWM {} MiB)",
        per(set.memory_bytes() as u64),
        set.memory_bytes() >> 20,
        per(rss1.saturating_sub(rss0)),
        per(hwm.saturating_sub(rss0)),
        hwm >> 20
    );

    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    // Events are generated in small batches just before they are matched, so they are
    // in cache as in the pipeline (where the event was parsed a moment earlier); only
    // matching is timed, and the indicator look-ups stay as cold as real traffic makes them.
    let run = |first: u64, count: usize| -> (Duration, usize, usize) {
        let mut spent = Duration::ZERO;
        let (mut hits, mut hit_events) = (0, 0);
        let mut done = 0;
        while done < count {
            let batch: Vec<Event> = (0..BATCH.min(count - done) as u64)
                .map(|k| event(first + (done as u64) + k, n))
                .collect();
            let t = Instant::now();
            for e in &batch {
                let h = set.match_event(e, now).len();
                hits += h;
                hit_events += usize::from(h > 0);
            }
            spent += t.elapsed();
            done += batch.len();
        }
        (spent, hits, hit_events)
    };

    run(u64::MAX / 2, BATCH * 4); // warm-up
    let (one, hits, hit_events) = run(0, events);
    println!(
        "match, 1 core: {events} events in {:.2} s = {:.0} events/s ({:.2} us/event); {:.2}% of events met an indicator, {hits} hits",
        one.as_secs_f64(),
        events as f64 / one.as_secs_f64(),
        one.as_secs_f64() * 1e6 / events as f64,
        100.0 * hit_events as f64 / events.max(1) as f64
    );

    let share = events / threads;
    let per_thread: Vec<(Duration, usize, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let run = &run;
                s.spawn(move || run((k * share) as u64, share))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let rate: f64 = per_thread
        .iter()
        .map(|(d, _, _)| share as f64 / d.as_secs_f64())
        .sum();
    println!(
        "match, {threads} cores at once: {rate:.0} events/s in total ({:.0} per core)",
        rate / threads as f64
    );
}
