//! Timestamp parsing shared by the parsers.
//!
//! The syslog header formats are scanned by hand: they sit on the hot path, and chrono's
//! format-string parser costs several times more than a fixed-layout scan. Device formats
//! that vary per vendor go through chrono.

use crate::ParseOptions;
use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;

/// Where a wall-clock time is anchored when the text gives no offset of its own.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Zone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Zone {
    pub(crate) fn utc() -> Self {
        Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset is valid"))
    }

    pub(crate) fn to_utc(self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Fixed(offset) => offset
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.with_timezone(&Utc)),
            Zone::Named(tz) => match tz.from_local_datetime(&naive) {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                // Autumn fold: devices rarely say which side, the first is as good a guess.
                LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
                // Spring gap: the sender's clock had not jumped yet; read it an hour on.
                LocalResult::None => {
                    let later = naive.checked_add_signed(TimeDelta::hours(1))?;
                    tz.from_local_datetime(&later)
                        .earliest()
                        .map(|t| t.with_timezone(&Utc))
                }
            },
        }
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = b.get(at..at + n)?;
    let mut value = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(c - b'0');
    }
    Some(value)
}

/// Reads `.fraction` (or `,fraction`) at `at`; returns nanoseconds and bytes consumed.
fn fraction(b: &[u8], at: usize) -> (u32, usize) {
    if !matches!(b.get(at), Some(b'.' | b',')) || !b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        return (0, 0);
    }
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    let mut i = at + 1;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        // Digits past nanoseconds are real in some sources but beyond what we store.
        nanos += u32::from(c - b'0') * scale;
        scale /= 10;
        i += 1;
    }
    (nanos, i - at)
}

fn time_of_day(hour: u32, minute: u32, second: u32, nanos: u32) -> Option<NaiveTime> {
    if second == 60 {
        // A leap second: chrono spells it as :59 with an extra second of nanoseconds.
        return NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos);
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// Scans an RFC 3339 / ISO 8601 date-time at the start of `b`: `T`, `t` or a space between
/// date and time, optional seconds and fraction, and `Z`, `±hh:mm`, `±hhmm` or `±hh`.
/// Without an offset the time is read in `tz`. Returns the instant and the bytes consumed.
pub(crate) fn scan_rfc3339(b: &[u8], tz: Tz) -> Option<(DateTime<Utc>, usize)> {
    let year = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let mut i = 16;
    let mut second = 0;
    if b.get(16) == Some(&b':') {
        second = digits(b, 17, 2)?;
        i = 19;
    }
    let (nanos, used) = fraction(b, i);
    i += used;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let naive = date.and_time(time_of_day(hour, minute, second, nanos)?);
    let zone = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            Zone::utc()
        }
        Some(&sign @ (b'+' | b'-')) => {
            let hh = digits(b, i + 1, 2)?;
            let (mm, used) = if b.get(i + 3) == Some(&b':') {
                (digits(b, i + 4, 2)?, 6)
            } else if let Some(mm) = digits(b, i + 3, 2) {
                (mm, 5)
            } else {
                (0, 3)
            };
            i += used;
            let seconds = i32::try_from(hh * 3600 + mm * 60).ok()?;
            let offset = if sign == b'+' {
                FixedOffset::east_opt(seconds)?
            } else {
                FixedOffset::west_opt(seconds)?
            };
            Zone::Fixed(offset)
        }
        _ => Zone::Named(tz),
    };
    Some((zone.to_utc(naive)?, i))
}

/// The whole of `s` as an RFC 3339 / ISO 8601 date-time (see [`scan_rfc3339`]).
pub(crate) fn parse_rfc3339(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    match scan_rfc3339(s.as_bytes(), tz) {
        Some((t, used)) if used == s.len() => Some(t),
        _ => None,
    }
}

pub(crate) fn month_from_abbr(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let abbr = b.get(..3)?;
    let index = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(abbr))?;
    u32::try_from(index + 1).ok()
}

/// A BSD-style timestamp before its year and zone are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BsdStamp {
    pub month: u32,
    pub day: u32,
    pub year: Option<i32>,
    pub time: NaiveTime,
    /// An offset written right after the time (`+08:00`, `+0800`, `Z`).
    pub offset: Option<FixedOffset>,
}

/// Scans `Mmm dd hh:mm:ss[.frac]` at the start of `b`, also `Mmm  d` (space-padded day),
/// `Mmm dd yyyy hh:mm:ss` (Cisco, Huawei), a year after the time (`Mmm dd hh:mm:ss yyyy`,
/// H3C Comware, Sangfor) and an offset after the time (`hh:mm:ss+08:00`, Huawei).
/// Returns the stamp and the bytes consumed.
pub(crate) fn scan_bsd(b: &[u8]) -> Option<(BsdStamp, usize)> {
    let month = month_from_abbr(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = if b.get(4) == Some(&b' ') { 5 } else { 4 };
    let (day, used) = number(b, i, 2)?;
    i += used;
    if b.get(i) != Some(&b' ') || !(1..=31).contains(&day) {
        return None;
    }
    i += 1;
    let mut year = None;
    if let Some(y) = digits(b, i, 4) {
        if b.get(i + 4) == Some(&b' ') {
            year = Some(i32::try_from(y).ok()?);
            i += 5;
        }
    }
    let (hour, used) = number(b, i, 2)?;
    i += used;
    if b.get(i) != Some(&b':') || b.get(i + 3) != Some(&b':') {
        return None;
    }
    let minute = digits(b, i + 1, 2)?;
    let second = digits(b, i + 4, 2)?;
    i += 6;
    let (nanos, used) = fraction(b, i);
    i += used;
    let time = time_of_day(hour, minute, second, nanos)?;
    let offset = match scan_offset(b, i) {
        Some((offset, used)) => {
            i += used;
            Some(offset)
        }
        None => None,
    };
    // A trailing four-digit year, only when a space or the end follows (a host name made of
    // four digits in a plausible year range is the price).
    if year.is_none() && b.get(i) == Some(&b' ') {
        if let Some(y) = digits(b, i + 1, 4) {
            let ends = matches!(b.get(i + 5), None | Some(b' ') | Some(b':'));
            if ends && (1990..=2100).contains(&y) {
                year = Some(i32::try_from(y).ok()?);
                i += 5;
            }
        }
    }
    let stamp = BsdStamp {
        month,
        day,
        year,
        time,
        offset,
    };
    Some((stamp, i))
}

/// `Z`, `+hh:mm`, `+hhmm` or `+hh` directly at `at` (no space before it).
fn scan_offset(b: &[u8], at: usize) -> Option<(FixedOffset, usize)> {
    match b.get(at)? {
        b'Z' if matches!(b.get(at + 1), None | Some(b' ')) => Some((FixedOffset::east_opt(0)?, 1)),
        sign @ (b'+' | b'-') => {
            let hours = digits(b, at + 1, 2)?;
            let (minutes, used) = if b.get(at + 3) == Some(&b':') {
                (digits(b, at + 4, 2)?, 6)
            } else if let Some(m) = digits(b, at + 3, 2) {
                (m, 5)
            } else {
                (0, 3)
            };
            if hours > 14 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            let seconds = if *sign == b'-' { -seconds } else { seconds };
            Some((FixedOffset::east_opt(seconds)?, used))
        }
        _ => None,
    }
}

/// One or up to `max` digits at `at`.
fn number(b: &[u8], at: usize, max: usize) -> Option<(u32, usize)> {
    let mut value = 0u32;
    let mut n = 0;
    while n < max {
        match b.get(at + n) {
            Some(&c) if c.is_ascii_digit() => value = value * 10 + u32::from(c - b'0'),
            _ => break,
        }
        n += 1;
    }
    (n > 0).then_some((value, n))
}

/// Anchors a year-less stamp. The year is the hint, else the one that puts the event closest
/// before `received`: a December line read in January belongs to the year before, and a
/// sender whose clock runs up to a day ahead is still read as "now".
pub(crate) fn resolve_bsd(
    stamp: BsdStamp,
    zone: Zone,
    opts: &ParseOptions,
    received: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let zone = stamp.offset.map_or(zone, Zone::Fixed);
    if let Some(year) = stamp.year.or(opts.year_hint) {
        let date = NaiveDate::from_ymd_opt(year, stamp.month, stamp.day)?;
        return zone.to_utc(date.and_time(stamp.time));
    }
    let latest = received.checked_add_signed(TimeDelta::days(1))?;
    let base = received.with_timezone(&opts.timezone).year();
    // Eight years back reaches a leap year from any year, for a stamp of Feb 29.
    (base - 8..=base + 1).rev().find_map(|year| {
        let date = NaiveDate::from_ymd_opt(year, stamp.month, stamp.day)?;
        let t = zone.to_utc(date.and_time(stamp.time))?;
        (t <= latest).then_some(t)
    })
}

/// Seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by
/// magnitude (10, 13, 16 or 19 digits today), with an optional fraction.
pub(crate) fn parse_epoch(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || int.len() > 19 || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let unit_nanos: i128 = match int.len() {
        0..=11 => 1_000_000_000,
        12..=14 => 1_000_000,
        15..=17 => 1_000,
        _ => 1,
    };
    let whole: i128 = int.parse().ok()?;
    let mut total = whole * unit_nanos;
    let mut scale = unit_nanos / 10;
    for c in frac.bytes() {
        if scale == 0 {
            break;
        }
        total += i128::from(c - b'0') * scale;
        scale /= 10;
    }
    let secs = i64::try_from(total / 1_000_000_000).ok()?;
    let nanos = u32::try_from(total % 1_000_000_000).ok()?;
    DateTime::from_timestamp(secs, nanos)
}

/// A zone as devices write it: `Z`, `UTC`, `GMT`, `+01:00`, `UTC+0100`, or an IANA name.
pub(crate) fn parse_zone(s: &str) -> Option<Zone> {
    let s = s.trim();
    let upper_prefix = |p: &str| {
        s.as_bytes()
            .get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes()))
    };
    let offset = if upper_prefix("UTC") || upper_prefix("GMT") {
        &s[3..]
    } else if s.eq_ignore_ascii_case("Z") || s.eq_ignore_ascii_case("UT") {
        ""
    } else {
        s
    };
    if offset.is_empty() {
        return Some(Zone::utc());
    }
    let b = offset.as_bytes();
    if matches!(b[0], b'+' | b'-') {
        let (hh, used) = number(b, 1, 2)?;
        let rest = &b[1 + used..];
        let mm = match rest {
            [] => 0,
            [b':', m1, m2] | [m1, m2] => digits(&[*m1, *m2], 0, 2)?,
            _ => return None,
        };
        let seconds = i32::try_from(hh * 3600 + mm * 60).ok()?;
        let offset = if b[0] == b'+' {
            FixedOffset::east_opt(seconds)?
        } else {
            FixedOffset::west_opt(seconds)?
        };
        return Some(Zone::Fixed(offset));
    }
    s.parse::<Tz>().ok().map(Zone::Named)
}

/// A timestamp in one of the forms devices put in their own fields (CEF `rt`, LEEF
/// `devTime`, JSON `time`): epoch numbers, RFC 3339, `MMM dd [yyyy] HH:mm:ss[.SSS] [zone]`.
pub(crate) fn parse_device_time(
    s: &str,
    opts: &ParseOptions,
    received: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let b = s.as_bytes();
    match b.first()? {
        c if c.is_ascii_digit() => parse_epoch(s)
            .or_else(|| parse_rfc3339(s, opts.timezone))
            .or_else(|| {
                let (t, used) = scan_rfc3339(b, opts.timezone)?;
                // An offset after a space, as in "2026-01-02 03:04:05 +0100".
                let zone = parse_zone(&s[used..])?;
                let local = t.with_timezone(&opts.timezone).naive_local();
                zone.to_utc(local)
            })
            .or_else(|| {
                let naive = NaiveDateTime::parse_from_str(s, "%Y/%m/%d %H:%M:%S").ok()?;
                Zone::Named(opts.timezone).to_utc(naive)
            }),
        _ => {
            let (stamp, used) = scan_bsd(b)?;
            let rest = s[used..].trim();
            let zone = if rest.is_empty() {
                Zone::Named(opts.timezone)
            } else {
                parse_zone(rest)?
            };
            resolve_bsd(stamp, zone, opts, received)
        }
    }
}

/// A timestamp in a Java `SimpleDateFormat` pattern, as LEEF's `devTimeFormat` gives it.
pub(crate) fn parse_java_format(
    value: &str,
    pattern: &str,
    opts: &ParseOptions,
    received: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let pattern = pattern.trim();
    let value = value.trim();
    // A zone *name* (pattern letter z) has no strftime equivalent that parses, so a trailing
    // one is split off and looked up by hand.
    let (pattern, value, zone) = match pattern.strip_suffix('z') {
        Some(head) => {
            let (text, name) = value.rsplit_once(char::is_whitespace)?;
            (
                head.trim_end_matches('z').trim_end(),
                text,
                parse_zone(name)?,
            )
        }
        None => (pattern, value, Zone::Named(opts.timezone)),
    };
    let layout = java_to_strftime(pattern)?;
    if layout.has_offset {
        let value = match value.strip_suffix('Z') {
            Some(head) => format!("{head}+0000"),
            None => value.to_owned(),
        };
        return DateTime::parse_from_str(&value, &layout.format)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    if layout.has_year {
        let naive = NaiveDateTime::parse_from_str(value, &layout.format).ok()?;
        return zone.to_utc(naive);
    }
    let format = format!("%Y {}", layout.format);
    let latest = received.checked_add_signed(TimeDelta::days(1))?;
    let base = opts.year_hint.unwrap_or_else(|| received.year());
    let years = if opts.year_hint.is_some() {
        base..=base
    } else {
        base - 8..=base + 1
    };
    years.rev().find_map(|year| {
        let naive = NaiveDateTime::parse_from_str(&format!("{year} {value}"), &format).ok()?;
        let t = zone.to_utc(naive)?;
        (opts.year_hint.is_some() || t <= latest).then_some(t)
    })
}

struct Layout {
    format: String,
    has_year: bool,
    has_offset: bool,
}

fn java_to_strftime(pattern: &str) -> Option<Layout> {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut has_year = false;
    let mut has_offset = false;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted literal; '' is a literal quote.
            i += 1;
            if chars.get(i) == Some(&'\'') {
                out.push('\'');
                i += 1;
                continue;
            }
            while i < chars.len() && chars[i] != '\'' {
                push_literal(&mut out, chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            push_literal(&mut out, c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&c) {
            n += 1;
        }
        i += n;
        let spec = match c {
            'y' | 'Y' | 'u' => {
                has_year = true;
                if n == 2 {
                    "%y"
                } else {
                    "%Y"
                }
            }
            'M' | 'L' => match n {
                1 | 2 => "%m",
                3 => "%b",
                _ => "%B",
            },
            'd' => "%d",
            'H' | 'k' => "%H",
            'h' | 'K' => "%I",
            'm' => "%M",
            's' => "%S",
            'S' => {
                if out.ends_with('.') {
                    out.pop();
                    "%.f"
                } else {
                    match n {
                        6 => "%6f",
                        9 => "%9f",
                        _ => "%3f",
                    }
                }
            }
            'a' => "%p",
            'E' => {
                if n <= 3 {
                    "%a"
                } else {
                    "%A"
                }
            }
            'Z' | 'X' | 'x' => {
                has_offset = true;
                "%z"
            }
            _ => return None,
        };
        out.push_str(spec);
    }
    Some(Layout {
        format: out,
        has_year,
        has_offset,
    })
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn rfc3339_variants() {
        let tz = Tz::UTC;
        assert_eq!(
            parse_rfc3339("2003-10-11T22:14:15.003Z", tz),
            Some(utc(2003, 10, 11, 22, 14, 15) + TimeDelta::milliseconds(3))
        );
        assert_eq!(
            parse_rfc3339("2003-08-24T05:14:15.000003-07:00", tz),
            Some(utc(2003, 8, 24, 12, 14, 15) + TimeDelta::microseconds(3))
        );
        assert_eq!(
            parse_rfc3339("2026-01-02 03:04:05+0100", tz),
            Some(utc(2026, 1, 2, 2, 4, 5))
        );
        assert_eq!(
            parse_rfc3339("2026-01-02T03:04:05", Tz::Europe__Berlin),
            Some(utc(2026, 1, 2, 2, 4, 5))
        );
        assert_eq!(parse_rfc3339("2026-13-02T03:04:05Z", tz), None);
        assert_eq!(parse_rfc3339("2026-01-02T03:04:05Zjunk", tz), None);
        assert_eq!(parse_rfc3339("2026-01-0", tz), None);
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z", tz).map(|t| t.timestamp()),
            Some(utc(2016, 12, 31, 23, 59, 59).timestamp())
        );
    }

    #[test]
    fn bsd_stamps_and_year_inference() {
        let opts = ParseOptions::default();
        let (stamp, used) = scan_bsd(b"Oct  1 22:14:15 host").unwrap();
        assert_eq!(used, 15);
        assert_eq!((stamp.month, stamp.day), (10, 1));
        let received = utc(2026, 1, 2, 0, 0, 0);
        let (stamp, _) = scan_bsd(b"Dec 31 23:59:59").unwrap();
        let t = resolve_bsd(stamp, Zone::utc(), &opts, received).unwrap();
        assert_eq!(t, utc(2025, 12, 31, 23, 59, 59));
        let (stamp, _) = scan_bsd(b"Jan  2 00:30:00").unwrap();
        let t = resolve_bsd(stamp, Zone::utc(), &opts, received).unwrap();
        assert_eq!(t, utc(2026, 1, 2, 0, 30, 0));
        // A sender slightly ahead across New Year is still "now", not last January.
        let (stamp, _) = scan_bsd(b"Jan  1 00:30:00").unwrap();
        let t = resolve_bsd(stamp, Zone::utc(), &opts, utc(2025, 12, 31, 23, 0, 0)).unwrap();
        assert_eq!(t, utc(2026, 1, 1, 0, 30, 0));
        let (stamp, _) = scan_bsd(b"Feb 29 12:00:00").unwrap();
        let (late_year, used) = scan_bsd(b"Jun 25 03:56:49 2018 af-edge fwlog:").unwrap();
        assert_eq!((late_year.year, used), (Some(2018), 20));
        let (not_a_year, used) = scan_bsd(b"Jun 25 03:56:49 2018x host").unwrap();
        assert_eq!((not_a_year.year, used), (None, 15));
        let (offset, used) = scan_bsd(b"Dec 20 2017 09:10:34+08:00 USG6300").unwrap();
        assert_eq!(offset.offset, FixedOffset::east_opt(8 * 3600));
        assert_eq!((offset.year, used), (Some(2017), 26));
        let t = resolve_bsd(offset, Zone::utc(), &ParseOptions::default(), Utc::now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2017-12-20T01:10:34+00:00");
        let t = resolve_bsd(stamp, Zone::utc(), &opts, utc(2026, 3, 1, 0, 0, 0)).unwrap();
        assert_eq!(t, utc(2024, 2, 29, 12, 0, 0));
        let hinted = ParseOptions {
            year_hint: Some(2020),
            ..ParseOptions::default()
        };
        let t = resolve_bsd(stamp, Zone::utc(), &hinted, received).unwrap();
        assert_eq!(t, utc(2020, 2, 29, 12, 0, 0));
        let (stamp, _) = scan_bsd(b"Mar 14 2024 01:02:03.250").unwrap();
        assert_eq!(stamp.year, Some(2024));
        assert_eq!(stamp.time.nanosecond(), 250_000_000);
        assert!(scan_bsd(b"Mar 32 01:02:03").is_none());
        assert!(scan_bsd(b"Foo 12 01:02:03").is_none());
    }

    #[test]
    fn zones_honour_dst() {
        let berlin = Zone::Named(Tz::Europe__Berlin);
        let summer = NaiveDate::from_ymd_opt(2026, 7, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(berlin.to_utc(summer), Some(utc(2026, 7, 1, 10, 0, 0)));
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(berlin.to_utc(gap).is_some());
    }

    #[test]
    fn epochs_by_magnitude() {
        let t = utc(2026, 1, 2, 3, 4, 5);
        assert_eq!(parse_epoch("1767323045"), Some(t));
        assert_eq!(parse_epoch("1767323045000"), Some(t));
        assert_eq!(parse_epoch("1767323045000000"), Some(t));
        assert_eq!(parse_epoch("1767323045000000000"), Some(t));
        assert_eq!(
            parse_epoch("1767323045.5"),
            Some(t + TimeDelta::milliseconds(500))
        );
        assert_eq!(parse_epoch("99999999999999999999"), None);
        assert_eq!(parse_epoch("12a"), None);
        assert_eq!(parse_epoch(""), None);
    }

    #[test]
    fn device_times() {
        let opts = ParseOptions::default();
        let received = utc(2026, 5, 1, 0, 0, 0);
        let t = utc(2026, 1, 2, 3, 4, 5);
        assert_eq!(
            parse_device_time("Jan 02 2026 03:04:05", &opts, received),
            Some(t)
        );
        assert_eq!(
            parse_device_time("Jan 02 2026 04:04:05 +01:00", &opts, received),
            Some(t)
        );
        assert_eq!(
            parse_device_time("Jan 02 2026 04:04:05 Europe/Berlin", &opts, received),
            Some(t)
        );
        assert_eq!(
            parse_device_time("Jan 02 03:04:05 UTC", &opts, received),
            Some(t)
        );
        assert_eq!(
            parse_device_time("2026/01/02 03:04:05", &opts, received),
            Some(t)
        );
        assert_eq!(
            parse_device_time("2026-01-02 04:04:05 +0100", &opts, received),
            Some(t)
        );
        assert_eq!(parse_device_time("soon", &opts, received), None);
        assert_eq!(
            parse_device_time("Jan 02 03:04:05 Mars/Base", &opts, received),
            None
        );
    }

    #[test]
    fn java_patterns() {
        let opts = ParseOptions::default();
        let received = utc(2026, 5, 1, 0, 0, 0);
        let t = utc(2026, 1, 2, 3, 4, 5);
        let ms = t + TimeDelta::milliseconds(123);
        let cases = [
            ("Jan 02 2026 03:04:05.123", "MMM dd yyyy HH:mm:ss.SSS", ms),
            ("2026-01-02T03:04:05", "yyyy-MM-dd'T'HH:mm:ss", t),
            ("Jan 02 2026 04:04:05 CET", "MMM dd yyyy HH:mm:ss z", t),
            ("2026-01-02 04:04:05+0100", "yyyy-MM-dd HH:mm:ssZ", t),
            ("02/Jan 03:04:05", "dd/MMM HH:mm:ss", t),
        ];
        for (value, pattern, want) in cases {
            assert_eq!(
                parse_java_format(value, pattern, &opts, received),
                Some(want),
                "{value} / {pattern}"
            );
        }
        assert_eq!(parse_java_format("x", "qqq", &opts, received), None);
    }

    use chrono::Timelike;
}
