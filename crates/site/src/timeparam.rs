//! Time bounds as users write them in URLs: `now`, `now-15m`, RFC 3339, a plain date, or
//! epoch milliseconds.

use chrono::{DateTime, Duration, NaiveDate, Utc};

pub fn parse_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s == "now" {
        return Ok(now);
    }
    if let Some(rest) = s.strip_prefix("now-") {
        return parse_span(rest).map(|d| now - d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(ms) = s.parse::<i64>() {
        if let Some(t) = DateTime::from_timestamp_millis(ms) {
            return Ok(t);
        }
    }
    Err(format!(
        "{s:?} is not a time: use RFC 3339 (2026-11-23T08:00:00Z), a date (2026-11-23), \
         epoch milliseconds, or now-15m / now-24h / now-7d"
    ))
}

/// `15m`, `24h`, `7d`, `30s`, `2w`.
pub fn parse_span(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 15m, 24h or 7d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("{s:?}: unit must be s, m, h, d or w")),
    };
    n.checked_mul(secs)
        .and_then(Duration::try_seconds)
        .ok_or_else(|| format!("{s:?} is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn forms_users_write() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(parse_time("now", now).unwrap(), now);
        assert_eq!(
            parse_time("now-15m", now).unwrap(),
            now - Duration::minutes(15)
        );
        assert_eq!(parse_time("now-7d", now).unwrap(), now - Duration::days(7));
        assert_eq!(
            parse_time("2026-11-23T16:00:00+08:00", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("2026-11-01", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(parse_time("0", now).unwrap(), DateTime::<Utc>::UNIX_EPOCH);
        for bad in [
            "",
            "yesterday",
            "now-",
            "now-5x",
            "now-99999999999999999d",
            "2026-13-01",
        ] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }
}
