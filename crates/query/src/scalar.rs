//! Typed query values and the rules that turn a bare value into one.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::fmt;
use std::net::IpAddr;

/// A typed value from the query.
///
/// How a value gets its type (see the crate docs for the full rules):
///
/// * quoted values (`"..."`) are always [`Scalar::Str`];
/// * in `field:value`, a bare value is [`Scalar::Int`] / [`Scalar::Float`] only when it is
///   written canonically (`42`, `-7`, `1.5`, not `0042`, `+5`, `1e3`), so that the
///   scalar alone reproduces what the user typed and a backend may compare it as text
///   too (`event.code:4624` must match both `4624` and `"4624"`); [`Scalar::Ip`] when
///   it parses as an IP address; otherwise [`Scalar::Str`];
/// * in comparisons and ranges, a bare value is `Int` when it parses as `i64`, `Float`
///   when it parses as a finite `f64`, [`Scalar::Time`] when it is an RFC 3339 timestamp,
///   a zone-less `YYYY-MM-DDTHH:MM:SS[.fff]` (taken as UTC) or a `YYYY-MM-DD` date
///   (midnight UTC), `Ip` when it parses as an IP address, otherwise `Str`.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Time(DateTime<Utc>),
    Ip(IpAddr),
}

/// Where a bare value stands; the typing rules differ (see [`Scalar`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueContext {
    /// `field:value`
    Equality,
    /// `field:>value`, `field:[a TO b]`
    Comparison,
}

impl Scalar {
    /// Types a bare (unquoted, unescaped) value as the parser does.
    pub fn from_bare(text: &str, context: ValueContext) -> Scalar {
        match context {
            ValueContext::Equality => {
                if let Ok(i) = text.parse::<i64>() {
                    if i.to_string() == text {
                        return Scalar::Int(i);
                    }
                } else if let Some(x) = parse_float(text) {
                    if format!("{x:?}") == text {
                        return Scalar::Float(x);
                    }
                }
            }
            ValueContext::Comparison => {
                if let Ok(i) = text.parse::<i64>() {
                    return Scalar::Int(i);
                }
                if let Some(x) = parse_float(text) {
                    return Scalar::Float(x);
                }
                if let Some(t) = parse_time(text) {
                    return Scalar::Time(t);
                }
            }
        }
        match text.parse::<IpAddr>() {
            Ok(ip) => Scalar::Ip(ip),
            Err(_) => Scalar::Str(text.to_owned()),
        }
    }

    /// A short name of the type, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Scalar::Str(_) => "text",
            Scalar::Int(_) | Scalar::Float(_) => "number",
            Scalar::Time(_) => "time",
            Scalar::Ip(_) => "IP address",
        }
    }

    /// The value as text: strings as they are, numbers and addresses in canonical form,
    /// times as RFC 3339 UTC (the form Steward stores timestamps in).
    pub fn to_text(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => format!("{x:?}"),
            Scalar::Time(t) => format_time(*t),
            Scalar::Ip(ip) => ip.to_string(),
        }
    }
}

impl fmt::Display for Scalar {
    /// The plain text of the value (no quoting); see [`Scalar::to_text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    steward_model::time::ecs_timestamp(t)
}

/// A finite float written with digits (not `inf`, `NaN` or `infinity`).
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    let numeric = text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !numeric {
        return None;
    }
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Parses a time as the query language accepts it: RFC 3339 (`2026-01-01T10:00:00Z`,
/// `2026-01-01T10:00:00.5+02:00`), a zone-less date-time taken as UTC
/// (`2026-01-01T10:00:00`), or a date meaning midnight UTC (`2026-01-01`).
///
/// The in-memory evaluator reads field values with the same function, so backends that
/// want identical results should accept the same forms.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    // Cheap rejection before chrono: every accepted form starts with a 4-digit year.
    let b = text.as_bytes();
    if b.len() < 10 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    if b.len() == 10 {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// A number read from a field: JSON numbers and strings that are entirely a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

impl Num {
    pub(crate) fn from_str(s: &str) -> Option<Num> {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Num::I(i));
        }
        parse_float(s).map(Num::F)
    }

    pub(crate) fn from_scalar(s: &Scalar) -> Option<Num> {
        match s {
            Scalar::Int(i) => Some(Num::I(*i)),
            Scalar::Float(x) => Some(Num::F(*x)),
            _ => None,
        }
    }

    pub(crate) fn cmp(self, other: Num) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(x) => x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn equality_typing_is_canonical() {
        use ValueContext::Equality as E;
        assert_eq!(Scalar::from_bare("4624", E), Scalar::Int(4624));
        assert_eq!(Scalar::from_bare("-5", E), Scalar::Int(-5));
        assert_eq!(Scalar::from_bare("0042", E), Scalar::Str("0042".into()));
        assert_eq!(Scalar::from_bare("+5", E), Scalar::Str("+5".into()));
        assert_eq!(Scalar::from_bare("1.5", E), Scalar::Float(1.5));
        assert_eq!(Scalar::from_bare("1.50", E), Scalar::Str("1.50".into()));
        assert_eq!(Scalar::from_bare("1e3", E), Scalar::Str("1e3".into()));
        assert_eq!(Scalar::from_bare("nan", E), Scalar::Str("nan".into()));
        assert_eq!(Scalar::from_bare("inf", E), Scalar::Str("inf".into()));
        assert_eq!(
            Scalar::from_bare("10.0.0.5", E),
            Scalar::Ip("10.0.0.5".parse().unwrap())
        );
        assert_eq!(
            Scalar::from_bare("2001:DB8::1", E),
            Scalar::Ip("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            Scalar::from_bare("2026-01-01", E),
            Scalar::Str("2026-01-01".into())
        );
    }

    #[test]
    fn comparison_typing() {
        use ValueContext::Comparison as C;
        assert_eq!(Scalar::from_bare("0042", C), Scalar::Int(42));
        assert_eq!(Scalar::from_bare("1e3", C), Scalar::Float(1000.0));
        assert_eq!(Scalar::from_bare("1e999", C), Scalar::Str("1e999".into()));
        let midnight = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(Scalar::from_bare("2026-01-01", C), Scalar::Time(midnight));
        assert_eq!(
            Scalar::from_bare("2026-01-01T02:00:00+02:00", C),
            Scalar::Time(midnight)
        );
        assert_eq!(
            Scalar::from_bare("2026-01-01T00:00:00", C),
            Scalar::Time(midnight)
        );
        assert_eq!(
            Scalar::from_bare("2026-13-01", C),
            Scalar::Str("2026-13-01".into())
        );
        assert_eq!(Scalar::from_bare("now-1h", C), Scalar::Str("now-1h".into()));
    }

    #[test]
    fn canonical_text_retypes_identically() {
        for (text, ctx) in [
            ("1e3", ValueContext::Comparison),
            ("1.5", ValueContext::Equality),
            ("100000.0", ValueContext::Equality),
            ("2026-01-01", ValueContext::Comparison),
            ("2001:DB8::1", ValueContext::Comparison),
            ("-9223372036854775808", ValueContext::Equality),
            ("99999999999999999999", ValueContext::Comparison),
        ] {
            let s = Scalar::from_bare(text, ctx);
            assert_eq!(Scalar::from_bare(&s.to_text(), ctx), s, "{text}");
        }
    }
}
