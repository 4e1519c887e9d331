//! Reading indicator values from text: type detection, validation, and the one
//! normalisation that indicators and event values both go through (so they compare
//! equal exactly when they should).

use crate::types::{IndicatorType, IndicatorValue};
use std::borrow::Cow;
use std::io::Write as _;
use std::net::IpAddr;

/// Longest domain name DNS allows (without the trailing dot).
pub const MAX_DOMAIN: usize = 253;
/// URLs longer than this are not indexed (and never match).
pub const MAX_URL: usize = 16 * 1024;

/// Guesses the type of a feed value: URL, IP, CIDR, `ip:port`, `AS123`, MD5/SHA-1/SHA-256
/// hex, domain, or a scheme-less `host/path` URL. `None` when it is none of those.
pub fn detect(text: &str) -> Option<IndicatorValue<'_>> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if s.contains("://") {
        return valid_url(s).then_some(IndicatorValue::Url(s));
    }
    if let Some(v) = parse_ip_or_cidr(s) {
        return Some(v);
    }
    if let Some(asn) = parse_asn(s) {
        return Some(IndicatorValue::Asn(asn));
    }
    if let Some(v) = parse_hash(s) {
        return Some(v);
    }
    if is_valid_domain(s) {
        return Some(IndicatorValue::Domain {
            name: s,
            subdomains: true,
        });
    }
    // `evil.com/payload.exe`: a URL written without its scheme.
    if let Some((host, path)) = s.split_once('/') {
        // `1.2.3.4/33` is a broken CIDR, not a URL.
        let prefix_like = !path.is_empty() && path.bytes().all(|c| c.is_ascii_digit());
        if !prefix_like && (is_valid_domain(host) || parse_ip_loose(host).is_some()) && valid_url(s)
        {
            return Some(IndicatorValue::Url(s));
        }
    }
    None
}

/// Reads `text` as the given type (leniently: `Ip` also takes CIDR and `ip:port`, hashes
/// take any case).
pub fn parse_as(text: &str, kind: IndicatorType) -> Option<IndicatorValue<'_>> {
    let s = text.trim();
    match kind {
        IndicatorType::Ip | IndicatorType::Cidr => parse_ip_or_cidr(s),
        IndicatorType::Domain => is_valid_domain(s).then_some(IndicatorValue::Domain {
            name: s,
            subdomains: true,
        }),
        IndicatorType::Url => valid_url(s).then_some(IndicatorValue::Url(s)),
        IndicatorType::Md5 => decode_hex::<16>(s.as_bytes()).map(IndicatorValue::Md5),
        IndicatorType::Sha1 => decode_hex::<20>(s.as_bytes()).map(IndicatorValue::Sha1),
        IndicatorType::Sha256 => decode_hex::<32>(s.as_bytes()).map(IndicatorValue::Sha256),
        IndicatorType::Asn => parse_asn(s).map(IndicatorValue::Asn),
    }
}

/// An address, `address/len`, `v4:port` or `[v6]:port`. A full-length prefix is an
/// address.
pub fn parse_ip_or_cidr(s: &str) -> Option<IndicatorValue<'_>> {
    if let Some((addr, len)) = s.split_once('/') {
        let ip: IpAddr = addr.trim().parse().ok()?;
        let ip = ip.to_canonical();
        let len: u8 = len.trim().parse().ok()?;
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        return match len {
            l if l > bits => None,
            l if l == bits => Some(IndicatorValue::Ip(ip)),
            l => Some(IndicatorValue::Cidr(ip, l)),
        };
    }
    parse_ip_loose(s).map(IndicatorValue::Ip)
}

/// An address as events and feeds write it: plain, `v4:port`, `[v6]` or `[v6]:port`;
/// IPv4-mapped IPv6 becomes IPv4. Never allocates.
pub fn parse_ip_loose(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let b = s.as_bytes();
    if b.first() == Some(&b'[') {
        let close = s.find(']')?;
        let rest = &s[close + 1..];
        if !(rest.is_empty() || is_port_suffix(rest)) {
            return None;
        }
        return s[1..close]
            .parse::<IpAddr>()
            .ok()
            .map(|ip| ip.to_canonical());
    }
    let (host, port) = s.rsplit_once(':')?;
    if !is_port_suffix(&s[host.len()..]) || port.is_empty() {
        return None;
    }
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn is_port_suffix(s: &str) -> bool {
    s.len() >= 2
        && s.len() <= 6
        && s.as_bytes()[0] == b':'
        && s.as_bytes()[1..].iter().all(u8::is_ascii_digit)
}

/// `AS123`, `as 123`, `ASN123`.
pub fn parse_asn(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() < 3 || !b[..2].eq_ignore_ascii_case(b"as") {
        return None;
    }
    let rest = s[2..]
        .strip_prefix(['n', 'N'])
        .unwrap_or(&s[2..])
        .trim_start();
    if rest.is_empty() || !rest.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// MD5, SHA-1 or SHA-256 by length of the hex string.
pub fn parse_hash(s: &str) -> Option<IndicatorValue<'_>> {
    let b = s.as_bytes();
    match b.len() {
        32 => decode_hex::<16>(b).map(IndicatorValue::Md5),
        40 => decode_hex::<20>(b).map(IndicatorValue::Sha1),
        64 => decode_hex::<32>(b).map(IndicatorValue::Sha256),
        _ => None,
    }
}

/// Hex (either case) to bytes; `None` unless exactly `2 * N` hex digits.
pub fn decode_hex<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Lowercases a domain into `buf` and drops one trailing dot; the length written, or
/// `None` when it cannot be a domain (empty, too long). Used on event values, so it
/// does not validate further and never allocates.
pub fn normalize_domain(s: &str, buf: &mut [u8; 256]) -> Option<usize> {
    let s = s.trim();
    let s = s.strip_suffix('.').unwrap_or(s);
    let b = s.as_bytes();
    if b.is_empty() || b.len() > MAX_DOMAIN {
        return None;
    }
    for (dst, src) in buf.iter_mut().zip(b) {
        *dst = src.to_ascii_lowercase();
    }
    Some(b.len())
}

/// Whether `s` is acceptable as a domain indicator: at least two labels of letters,
/// digits, `-`, `_` (or non-ASCII, for unconverted IDNs), each 1-63 bytes, not an IP
/// address, and a last label that is not all digits. A leading `*.` or `.` is allowed
/// (it means "and subdomains").
pub fn is_valid_domain(s: &str) -> bool {
    let s = strip_wildcard(s.trim());
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > MAX_DOMAIN || !s.contains('.') {
        return false;
    }
    let mut last = "";
    for label in s.split('.') {
        if label.is_empty()
            || label.len() > 63
            || !label
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c >= 0x80)
        {
            return false;
        }
        last = label;
    }
    !last.bytes().all(|c| c.is_ascii_digit())
}

/// `*.evil.com` and `.evil.com` → `evil.com`.
pub(crate) fn strip_wildcard(s: &str) -> &str {
    s.strip_prefix("*.")
        .or_else(|| s.strip_prefix('.'))
        .unwrap_or(s)
}

pub(crate) fn has_wildcard(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("*.") || s.starts_with('.')
}

fn valid_url(s: &str) -> bool {
    let mut buf = Vec::new();
    normalize_url(s, &mut buf)
}

/// Normalises a URL into `out`: lowercase scheme and host, no user info, no default
/// port (80 for http, 443 for https), no trailing dot on the host, no fragment, an
/// empty path becomes `/`; path and query keep their case. A URL without a scheme is
/// taken as `http`. Returns false (and leaves `out` unspecified) when there is no host.
pub fn normalize_url(input: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    let s = input.trim();
    if s.is_empty() || s.len() > MAX_URL {
        return false;
    }
    let (scheme, rest) = match s.find("://") {
        Some(i) if i > 0 && i <= 16 && is_scheme(&s[..i]) => (&s[..i], &s[i + 3..]),
        Some(_) => return false,
        None => ("http", s),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    write_url(scheme, &rest[..end], &rest[end..], out)
}

/// Builds the normalised URL from parts: `authority` is `[user@]host[:port]`, `tail`
/// the path, query and fragment as written.
pub(crate) fn write_url(scheme: &str, authority: &str, tail: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let Some((host, port)) = split_host_port(hostport) else {
        return false;
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.bytes().any(|c| c <= b' ' || c == b'/' || c == b'\\') {
        return false;
    }
    for c in scheme.bytes() {
        out.push(c.to_ascii_lowercase());
    }
    out.extend_from_slice(b"://");
    for c in host.bytes() {
        out.push(c.to_ascii_lowercase());
    }
    if let Some(port) = port {
        let default = matches!(
            (
                out.starts_with(b"http://"),
                out.starts_with(b"https://"),
                port
            ),
            (true, _, 80) | (_, true, 443)
        );
        if !default {
            // io::Write on Vec: no temporary String on the matching path.
            let _ = write!(out, ":{port}");
        }
    }
    let tail = tail.split('#').next().unwrap_or("");
    if !tail.starts_with('/') {
        out.push(b'/');
    }
    out.extend_from_slice(tail.as_bytes());
    true
}

fn is_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    b[0].is_ascii_alphabetic()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`. `None` when the port is not a number.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if s.starts_with('[') {
        let close = s.find(']')?;
        let host = &s[..=close];
        let rest = &s[close + 1..];
        return match rest.strip_prefix(':') {
            None if rest.is_empty() => Some((host, None)),
            None => None,
            Some("") => Some((host, None)),
            Some(p) => Some((host, Some(p.parse().ok()?))),
        };
    }
    match s.rsplit_once(':') {
        None => Some((s, None)),
        Some((h, "")) => Some((h, None)),
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
    }
}

/// The part of a normalised URL that identifies it: http and https URLs with the same
/// host, path and query are the same indicator (feeds and logs disagree on schemes).
pub(crate) fn url_key(normalized: &[u8]) -> &[u8] {
    normalized
        .strip_prefix(b"http://")
        .or_else(|| normalized.strip_prefix(b"https://"))
        .unwrap_or(normalized)
}

/// The host of an absolute URL (`scheme://[user@]host[:port]/...`), without brackets
/// for IPv6, as written. Never allocates.
pub(crate) fn url_host(s: &str) -> Option<&str> {
    let (_, rest) = s.trim().split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, _) = split_host_port(hostport)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// Undoes common defanging: `hxxp://`, `[.]`, `(.)`, `{.}`, `[:]`, `[://]`.
pub fn refang(s: &str) -> Cow<'_, str> {
    let needs =
        s.contains(['[', '(', '{']) || s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hxxp"));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = s
        .replace("[://]", "://")
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("{.}", ".")
        .replace("[:]", ":");
    if out.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hxxp")) {
        out.replace_range(..4, "http");
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn norm(s: &str) -> Option<String> {
        let mut out = Vec::new();
        normalize_url(s, &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn detects_every_type() {
        let ip = |s: &str| IpAddr::V4(s.parse().unwrap());
        assert_eq!(detect(" 1.2.3.4 "), Some(IndicatorValue::Ip(ip("1.2.3.4"))));
        assert_eq!(
            detect("1.2.3.4:443"),
            Some(IndicatorValue::Ip(ip("1.2.3.4")))
        );
        assert_eq!(
            detect("1.2.3.0/24"),
            Some(IndicatorValue::Cidr(ip("1.2.3.0"), 24))
        );
        assert_eq!(
            detect("1.2.3.4/32"),
            Some(IndicatorValue::Ip(ip("1.2.3.4")))
        );
        assert_eq!(detect("1.2.3.4/33"), None);
        assert!(matches!(
            detect("2a06:e480::/29"),
            Some(IndicatorValue::Cidr(_, 29))
        ));
        assert!(matches!(
            detect("[2001:db8::1]:80"),
            Some(IndicatorValue::Ip(IpAddr::V6(_)))
        ));
        assert_eq!(
            detect("::ffff:10.1.2.3"),
            Some(IndicatorValue::Ip(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3))))
        );
        assert_eq!(detect("AS260"), Some(IndicatorValue::Asn(260)));
        assert!(matches!(
            detect("D41D8CD98F00B204E9800998ECF8427E"),
            Some(IndicatorValue::Md5(_))
        ));
        assert!(matches!(
            detect(&"a".repeat(40)),
            Some(IndicatorValue::Sha1(_))
        ));
        assert!(matches!(
            detect(&"0".repeat(64)),
            Some(IndicatorValue::Sha256(_))
        ));
        assert!(matches!(
            detect("Evil.COM."),
            Some(IndicatorValue::Domain { .. })
        ));
        assert!(matches!(
            detect("http://x.org/a"),
            Some(IndicatorValue::Url(_))
        ));
        assert!(matches!(
            detect("evil.com/a.exe"),
            Some(IndicatorValue::Url(_))
        ));
        for junk in [
            "",
            "hello",
            "1.2.3",
            "a b.com",
            "com",
            "1.2.3.4.5",
            "http://",
            "::::",
            "AS",
        ] {
            assert_eq!(detect(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn urls_normalise_host_and_scheme_not_path() {
        assert_eq!(
            norm("HTTP://User:pw@Evil.COM.:80/A?b=C#frag").as_deref(),
            Some("http://evil.com/A?b=C")
        );
        assert_eq!(norm("https://x.org:443").as_deref(), Some("https://x.org/"));
        assert_eq!(
            norm("https://x.org:8443?q").as_deref(),
            Some("https://x.org:8443/?q")
        );
        assert_eq!(norm("x.org/p").as_deref(), Some("http://x.org/p"));
        assert_eq!(
            norm("http://[2001:DB8::1]:8080/").as_deref(),
            Some("http://[2001:db8::1]:8080/")
        );
        assert_eq!(norm("http:///nohost"), None);
        assert_eq!(norm("http://x.org:notaport/"), None);
        assert_eq!(url_key(b"https://x.org/a"), b"x.org/a");
        assert_eq!(url_key(b"ftp://x.org/a"), b"ftp://x.org/a");
        assert_eq!(url_host("https://u@Evil.com:8080/x"), Some("Evil.com"));
        assert_eq!(url_host("http://[::1]/"), Some("::1"));
        assert_eq!(url_host("/relative"), None);
    }

    #[test]
    fn domains_validate_and_normalise() {
        assert!(is_valid_domain("xn--p1ai.xn----9sbmbsck6b1a4b0b.ru"));
        assert!(is_valid_domain("*.evil.com"));
        assert!(!is_valid_domain("domain autuo.xicp.net"));
        assert!(!is_valid_domain("1.2.3.4"));
        assert!(!is_valid_domain("localhost"));
        let mut buf = [0u8; 256];
        let n = normalize_domain("WWW.Evil.Com.", &mut buf).unwrap();
        assert_eq!(&buf[..n], b"www.evil.com");
        assert_eq!(normalize_domain(&"a".repeat(300), &mut buf), None);
    }

    #[test]
    fn refangs() {
        assert_eq!(refang("hxxps://evil[.]com/a"), "https://evil.com/a");
        assert_eq!(refang("1.2.3(.)4"), "1.2.3.4");
        assert!(matches!(refang("plain.com"), Cow::Borrowed(_)));
    }

    #[test]
    fn hex_round_trips() {
        let b = decode_hex::<16>(b"00FFaa11223344556677889900aabbcc").unwrap();
        assert_eq!(encode_hex(&b), "00ffaa11223344556677889900aabbcc");
        assert_eq!(decode_hex::<16>(b"zz"), None);
        assert_eq!(decode_hex::<2>("éé".as_bytes()), None);
    }
}
