//! Small text helpers shared by the importers.

use crate::error::{line_col, ImportError};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// Whole input as UTF-8; the error points at the first invalid byte.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, ImportError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(e) => {
            let offset = e.valid_up_to();
            // Only the valid prefix can be measured for line/column.
            let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
            let (line, column) = line_col(valid, offset);
            Err(ImportError {
                line: Some(line),
                column: Some(column),
                byte_offset: Some(offset),
                message: format!("invalid UTF-8 byte 0x{:02x}", bytes[offset]),
            })
        }
    }
}

/// Trimmed, non-empty owned string.
pub(crate) fn clean(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// All CVE identifiers in `s`, upper-cased, first-seen order, no repeats.
pub(crate) fn find_cves(s: &str, out: &mut Vec<String>) {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        if b[i..i + 4].eq_ignore_ascii_case(b"CVE-") {
            let year_end = i + 4 + b[i + 4..].iter().take_while(|c| c.is_ascii_digit()).count();
            if year_end - (i + 4) == 4 && b.get(year_end) == Some(&b'-') {
                let num_start = year_end + 1;
                let num_len = b[num_start..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if num_len >= 4 {
                    push_cve(&s[i..num_start + num_len], out);
                    i = num_start + num_len;
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// Adds one CVE id (normalised to upper case) unless already present.
pub(crate) fn push_cve(id: &str, out: &mut Vec<String>) {
    let id = id.trim().to_ascii_uppercase();
    if id.starts_with("CVE-") && !out.contains(&id) {
        out.push(id);
    }
}

/// Cuts evidence to the limit at a char boundary.
pub(crate) fn cut(mut s: String, limit: usize) -> String {
    if s.len() > limit {
        let mut end = limit;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// RFC 3339 timestamp in UTC.
pub(crate) fn rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Unix epoch seconds.
pub(crate) fn epoch(s: &str) -> Option<DateTime<Utc>> {
    let secs: i64 = s.trim().parse().ok()?;
    Utc.timestamp_opt(secs, 0).single()
}

/// ctime-style "Tue Jun 25 10:32:42 2013"; the scanner's zone is unknown so UTC is assumed.
pub(crate) fn ctime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&s, "%a %b %d %H:%M:%S %Y")
        .ok()
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cves_found_and_normalised() {
        let mut v = Vec::new();
        find_cves(
            "x cve-2021-44228, CVE-2021-44228 CVE-99-1 CVE-2017-0144;CVE-2020-1",
            &mut v,
        );
        assert_eq!(v, vec!["CVE-2021-44228", "CVE-2017-0144"]);
    }

    #[test]
    fn utf8_error_position() {
        let e = utf8(b"ab\ncd\xffe").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.byte_offset),
            (Some(2), Some(3), Some(5))
        );
    }

    #[test]
    fn cut_respects_char_boundary() {
        assert_eq!(cut("aé".to_string(), 2), "a");
        assert_eq!(cut("abc".to_string(), 5), "abc");
    }

    #[test]
    fn times() {
        assert!(ctime("Tue Jun 25 10:32:42 2013").is_some());
        assert!(ctime("Thu Mar  3 14:31:51 2022").is_some());
        assert_eq!(epoch("1648042311").map(|d| d.timestamp()), Some(1648042311));
        assert!(rfc3339("2025-08-22T15:00:08+02:00").is_some());
    }
}
