//! Text normalisation shared by the signature checks (command lines, domains).

/// Command lines longer than this are only looked at up to here: real ones are short,
/// and a hostile megabyte must not cost a megabyte of work per model.
pub(crate) const MAX_COMMAND_LINE: usize = 32 * 1024;

/// Lower-cases a command line and removes what shells ignore but signatures trip on:
/// cmd's caret escapes (`v^ssadmin`), quotes, and runs of whitespace.
pub(crate) fn normalize_command_line(s: &str) -> String {
    let bytes = &s.as_bytes()[..s.len().min(MAX_COMMAND_LINE)];
    let mut out = String::with_capacity(bytes.len());
    let mut space = false;
    for &b in bytes {
        match b {
            b'^' | b'"' | b'\'' | b'`' => {}
            b if b.is_ascii_whitespace() => space = true,
            b => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                // Non-ASCII bytes become a neutral marker: signatures are ASCII.
                out.push(if b.is_ascii() {
                    b.to_ascii_lowercase() as char
                } else {
                    '?'
                });
            }
        }
    }
    out
}

/// Whether `tokens` occur in `haystack` in this order (each after the previous one).
pub(crate) fn in_order(haystack: &str, tokens: &[&str]) -> bool {
    let mut rest = haystack;
    for token in tokens {
        match rest.find(token) {
            Some(i) => rest = &rest[i + token.len()..],
            None => return false,
        }
    }
    true
}

/// A domain as DNS compares it: lower case, no trailing dot; `None` for what cannot be a
/// domain name (too long, spaces, empty).
pub(crate) fn normalize_domain(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('.');
    if s.is_empty() || s.len() > 253 || s.bytes().any(|b| b.is_ascii_whitespace() || b == b'/') {
        return None;
    }
    Some(s.to_ascii_lowercase())
}

/// The domain itself, then each parent at a label boundary (`a.b.c`, `b.c`, `c`).
pub(crate) fn suffixes(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::once(domain).chain(
        domain
            .char_indices()
            .filter(|&(_, c)| c == '.')
            .map(move |(i, _)| &domain[i + 1..]),
    )
}

/// The host part of a URL (`scheme://user@host:port/...`), if it has one.
pub(crate) fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split(']').next()?.trim_start_matches('[')
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The last path component, lower-cased, without a Windows `.exe`.
pub(crate) fn program_name(path: &str) -> String {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path).trim();
    let base = base.to_ascii_lowercase();
    match base.strip_suffix(".exe") {
        Some(stem) => stem.to_owned(),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_lose_obfuscation() {
        assert_eq!(
            normalize_command_line("  V^SS\"admin\"   Delete\tShadows /All /Quiet "),
            "vssadmin delete shadows /all /quiet"
        );
        assert!(in_order(
            "vssadmin delete shadows /all",
            &["vssadmin", "delete", "shadows"]
        ));
        assert!(!in_order(
            "vssadmin list shadows",
            &["vssadmin", "delete", "shadows"]
        ));
        assert!(!in_order(
            "shadows delete vssadmin",
            &["vssadmin", "delete", "shadows"]
        ));
    }

    #[test]
    fn domains_and_hosts() {
        assert_eq!(
            normalize_domain("Pool.SupportXMR.com."),
            Some("pool.supportxmr.com".into())
        );
        assert_eq!(normalize_domain("a b"), None);
        let s: Vec<_> = suffixes("a.b.c").collect();
        assert_eq!(s, vec!["a.b.c", "b.c", "c"]);
        assert_eq!(
            url_host("stratum+tcp://user:pw@xmr.pool.example:3333/x"),
            Some("xmr.pool.example")
        );
        assert_eq!(url_host("http://[2001:db8::1]:80/"), Some("2001:db8::1"));
        assert_eq!(url_host("/relative"), None);
        assert_eq!(program_name("C:\\Tools\\XMRig.EXE"), "xmrig");
        assert_eq!(program_name("/usr/bin/minerd"), "minerd");
    }
}
