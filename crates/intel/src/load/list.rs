//! Plain and CSV indicator lists.
//!
//! - Blank lines and comments (`#`, `;`, `//`) are skipped.
//! - A header names the columns: either the first non-comment line (Feodo, DShield)
//!   or the last comment line before the data that reads like one (URLhaus and
//!   ThreatFox put it in a `#` comment). Separator: tab if the header has one, else
//!   comma, else semicolon. The value column is [`LoadOptions::value_column`] or the
//!   first known name (`ioc_value`, `ioc`, `indicator`, `value`, `url`, `domain`,
//!   `hostname`, `host`, `dst_ip`, `ip`, `ip_address`, `md5`, `sha256`, ...); a header
//!   with `start` and `end` columns is an address-range list. Optional columns:
//!   `ioc_type`/`type` (value type), `id`/`ioc_id`, `confidence`/`confidence_level`,
//!   `malware_printable`/`malware`/`threat` (title), `tags`, and last/first-seen
//!   times (for [`LoadOptions::max_age`]).
//! - Without a header, each line's first token is the value (`1.4.0.0/17 ; SBL256893`
//!   → `1.4.0.0/17`); `a-b` is an address range.
//! - Values are refanged (`hxxp`, `[.]`) and their type detected unless
//!   [`LoadOptions::kind`] forces one. Lines that hold no indicator are counted as
//!   invalid; the first few are named in the report.

use super::csv::split_row;
use super::{parse_time, LoadOptions, LoadReport};
use crate::set::IndicatorSetBuilder;
use crate::types::{Attrs, IndicatorMeta, IndicatorType, IndicatorValue, MetaId};
use crate::value::{self, detect, refang};
use std::borrow::Cow;

const VALUE_COLUMNS: &[&str] = &[
    "ioc_value",
    "ioc",
    "indicator",
    "observable",
    "value",
    "url",
    "domain",
    "hostname",
    "host",
    "fqdn",
    "dst_ip",
    "ip",
    "ip_address",
    "ipaddress",
    "ip_addr",
    "ipv4",
    "ipv6",
    "address",
    "cidr",
    "network",
    "md5",
    "md5_hash",
    "sha1",
    "sha1_hash",
    "sha256",
    "sha256_hash",
    "hash",
];
const TYPE_COLUMNS: &[&str] = &["ioc_type", "type", "indicator_type"];
const ID_COLUMNS: &[&str] = &["ioc_id", "id"];
const CONFIDENCE_COLUMNS: &[&str] = &["confidence_level", "confidence"];
const TITLE_COLUMNS: &[&str] = &["malware_printable", "malware", "threat", "threat_type"];
const TAG_COLUMNS: &[&str] = &["tags"];
const LAST_SEEN_COLUMNS: &[&str] = &["last_seen_utc", "last_seen", "last_online", "lastseen"];
const FIRST_SEEN_COLUMNS: &[&str] = &[
    "first_seen_utc",
    "first_seen",
    "dateadded",
    "date_added",
    "firstseen",
];

/// Loads a list. Never fails: unreadable lines are counted (bytes that are not
/// UTF-8 are replaced first).
pub fn load_list(
    builder: &mut IndicatorSetBuilder,
    bytes: &[u8],
    file: &str,
    opts: &LoadOptions,
) -> LoadReport {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut report = LoadReport {
        files: 1,
        ..Default::default()
    };
    let plain_meta = builder.meta(IndicatorMeta {
        source: opts.source.clone(),
        ..Default::default()
    });
    let mut pending: Option<&str> = None;
    let mut layout: Option<Layout> = None;
    let mut data_seen = false;
    let mut fields = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(body) = comment_body(line) {
            if !data_seen && Layout::from_header(body, opts).is_some() {
                pending = Some(body);
            }
            continue;
        }
        if !data_seen {
            data_seen = true;
            if let Some(l) = Layout::from_header(line, opts) {
                layout = Some(l);
                continue;
            }
            layout = pending.and_then(|h| Layout::from_header(h, opts));
        }
        match &layout {
            Some(l) => l.row(
                builder,
                line,
                line_no,
                file,
                opts,
                plain_meta,
                &mut fields,
                &mut report,
            ),
            None => plain_line(builder, line, line_no, file, opts, plain_meta, &mut report),
        }
    }
    report
}

fn comment_body(line: &str) -> Option<&str> {
    if line.starts_with('#') || line.starts_with(';') {
        Some(line.trim_start_matches(['#', ';']).trim())
    } else {
        line.strip_prefix("//").map(str::trim)
    }
}

/// The value an entry's text names, with the feed's type and subdomain policy.
fn read_value<'a>(
    text: &'a str,
    kind: Option<IndicatorType>,
    opts: &LoadOptions,
) -> Option<IndicatorValue<'a>> {
    let v = match kind.or(opts.kind) {
        Some(k) => value::parse_as(text, k),
        None => detect(text),
    }?;
    Some(match v {
        IndicatorValue::Domain { name, .. } => IndicatorValue::Domain {
            name,
            subdomains: opts.subdomains,
        },
        other => other,
    })
}

/// `a-b` or `a - b` with two addresses of one family.
fn parse_range(line: &str) -> Option<IndicatorValue<'_>> {
    let (a, b) = line.split_once('-')?;
    let b = b.split_whitespace().next()?;
    let a = value::parse_ip_loose(a.trim())?;
    let b = value::parse_ip_loose(b.trim())?;
    Some(IndicatorValue::Range(a, b))
}

fn plain_line(
    builder: &mut IndicatorSetBuilder,
    line: &str,
    line_no: usize,
    file: &str,
    opts: &LoadOptions,
    meta: MetaId,
    report: &mut LoadReport,
) {
    let line = refang(line);
    let end = if line.contains("://") {
        line.find(char::is_whitespace)
    } else {
        line.find(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '|' | '#'))
    };
    let token = line[..end.unwrap_or(line.len())].trim_matches(['"', '\'']);
    let value = parse_range(&line).or_else(|| read_value(token, None, opts));
    let attrs = Attrs {
        meta,
        id: None,
        confidence: opts.confidence,
        expiry: opts.expiry(None, None),
    };
    match value {
        Some(v) => report.put(builder, &v, &attrs, file, line_no),
        None => report.invalid(
            file,
            line_no,
            format_args!("not an indicator: {:?}", clip(token)),
        ),
    }
}

fn clip(s: &str) -> &str {
    let mut end = s.len().min(80);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

enum ValueAt {
    Column(usize),
    Range(usize, usize),
}

/// Column positions read from a header.
struct Layout {
    delim: u8,
    value: ValueAt,
    value_name: String,
    kind: Option<usize>,
    id: Option<usize>,
    confidence: Option<usize>,
    title: Option<usize>,
    tags: Option<usize>,
    last_seen: Option<usize>,
    first_seen: Option<usize>,
}

/// `Dateadded (UTC)` → `dateadded`; `IP Address` → `ip_address`.
fn column_name(s: &str) -> String {
    let s = s.trim().trim_matches(['"', '\'']);
    let s = s.split(" (").next().unwrap_or(s);
    s.trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

impl Layout {
    fn from_header(line: &str, opts: &LoadOptions) -> Option<Layout> {
        let delim = if line.contains('\t') {
            b'\t'
        } else if line.contains(',') {
            b','
        } else if line.contains(';') {
            b';'
        } else {
            return None;
        };
        let mut cells = Vec::new();
        split_row(line, delim, &mut cells);
        if cells.len() < 2 || cells.iter().any(|c| detect(c).is_some()) {
            return None;
        }
        let names: Vec<String> = cells.iter().map(|c| column_name(c)).collect();
        let find = |wanted: &[&str]| {
            wanted
                .iter()
                .find_map(|w| names.iter().position(|n| n == w))
        };
        let (value, value_name) = match &opts.value_column {
            Some(col) => {
                let col = column_name(col);
                (ValueAt::Column(names.iter().position(|n| *n == col)?), col)
            }
            None => match find(VALUE_COLUMNS) {
                Some(i) => (ValueAt::Column(i), names[i].clone()),
                None => (
                    ValueAt::Range(find(&["start"])?, find(&["end"])?),
                    "start-end".to_owned(),
                ),
            },
        };
        Some(Layout {
            delim,
            value,
            value_name,
            kind: find(TYPE_COLUMNS),
            id: find(ID_COLUMNS),
            confidence: find(CONFIDENCE_COLUMNS),
            title: find(TITLE_COLUMNS),
            tags: find(TAG_COLUMNS),
            last_seen: find(LAST_SEEN_COLUMNS),
            first_seen: find(FIRST_SEEN_COLUMNS),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn row<'t>(
        &self,
        builder: &mut IndicatorSetBuilder,
        line: &'t str,
        line_no: usize,
        file: &str,
        opts: &LoadOptions,
        plain_meta: MetaId,
        fields: &mut Vec<Cow<'t, str>>,
        report: &mut LoadReport,
    ) {
        split_row(line, self.delim, fields);
        let cell = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty() && !is_placeholder(c))
        };
        let refanged: Cow<'_, str>;
        let value = match self.value {
            ValueAt::Column(i) => {
                let Some(text) = cell(Some(i)) else {
                    report.invalid(
                        file,
                        line_no,
                        format_args!("no value in column {}", self.value_name),
                    );
                    return;
                };
                refanged = refang(text);
                let kind = cell(self.kind).and_then(IndicatorType::parse);
                match read_value(&refanged, kind, opts) {
                    Some(v) => v,
                    None => {
                        report.invalid(
                            file,
                            line_no,
                            format_args!("not an indicator: {:?}", clip(&refanged)),
                        );
                        return;
                    }
                }
            }
            ValueAt::Range(s, e) => {
                let a = cell(Some(s)).and_then(value::parse_ip_loose);
                let b = cell(Some(e)).and_then(value::parse_ip_loose);
                match (a, b) {
                    (Some(a), Some(b)) => IndicatorValue::Range(a, b),
                    _ => {
                        report.invalid(file, line_no, "no address range in start/end columns");
                        return;
                    }
                }
            }
        };
        let title = cell(self.title).map(str::to_owned);
        let tags: Vec<String> = cell(self.tags)
            .map(|t| {
                t.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty() && !is_placeholder(t))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let meta = if title.is_none() && tags.is_empty() {
            plain_meta
        } else {
            builder.meta(IndicatorMeta {
                source: opts.source.clone(),
                title,
                tags,
                ..Default::default()
            })
        };
        let id = cell(self.id).map(|id| format!("{}:{id}", opts.source));
        let confidence = cell(self.confidence)
            .and_then(|c| c.parse::<u16>().ok())
            .map_or(opts.confidence, |c| c.min(100) as u8);
        let seen = cell(self.last_seen)
            .and_then(parse_time)
            .or_else(|| cell(self.first_seen).and_then(parse_time));
        let attrs = Attrs {
            meta,
            id: id.as_deref(),
            confidence,
            expiry: opts.expiry(None, seen),
        };
        report.put(builder, &value, &attrs, file, line_no);
    }
}

/// Feeds write these for "no value".
fn is_placeholder(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "none" | "null" | "n/a" | "-" | "unknown" | "unknown malware"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn load(text: &str, opts: &LoadOptions) -> (LoadReport, crate::IndicatorSet) {
        let mut b = IndicatorSetBuilder::new();
        let r = load_list(&mut b, text.as_bytes(), "l.txt", opts);
        (r, b.build())
    }

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn plain_lines_of_every_type() {
        let text = "\u{feff}# comment\n; another\n// third\n\n1.2.3.4\n10.0.0.0/8 ; SBL1\nAS260 ; AE | X\nevil[.]com # c2\nhxxp://bad.org/x.exe\n\
                    d41d8cd98f00b204e9800998ecf8427e\n192.0.2.0 - 192.0.2.255\n\"quoted.net\"\ngarbage here\n!!!\n";
        let (r, set) = load(text, &LoadOptions::new("plain"));
        assert_eq!(r.loaded, 8, "{r:?}");
        assert_eq!(r.invalid, 2);
        assert_eq!(r.problems[0], "l.txt:13: not an indicator: \"garbage\"");
        for q in [
            "1.2.3.4",
            "10.9.9.9",
            "AS260",
            "www.evil.com",
            "http://bad.org/x.exe",
            "D41D8CD98F00B204E9800998ECF8427E",
            "192.0.2.77",
            "quoted.net",
        ] {
            assert_eq!(set.lookup(q, at()).len(), 1, "{q}");
        }
    }

    #[test]
    fn forced_type_and_subdomain_policy() {
        let mut opts = LoadOptions::new("f");
        opts.kind = Some(IndicatorType::Domain);
        opts.subdomains = false;
        let (r, set) = load("evil.com\n1.2.3.4\n", &opts);
        assert_eq!((r.loaded, r.invalid), (1, 1));
        assert_eq!(set.lookup("evil.com", at()).len(), 1);
        assert!(set.lookup("a.evil.com", at()).is_empty());
    }

    #[test]
    fn csv_with_header_in_a_comment() {
        let text = "################\n# Feed\n# Last updated: 2024-04-04 07:03:03 UTC\n#\n\
                    # \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\",\"tags\"\n\
                    \"2025-12-07 13:05:49\", \"1\", \"http://195.133.9.204/skare.odd\", \"url\", \"Unknown malware\", \"\", \"100\", \"ClickFix,Fake OS Update\"\n\
                    \"2025-12-07 10:24:02\", \"2\", \"shilohbn.ru.com\", \"domain\", \"DCRat\", \"2025-12-08 00:00:00\", \"50\", \"None\"\n\
                    \"2025-12-07 10:24:02\", \"3\", \"1.2.3.4:443\", \"ip:port\", \"DCRat\", \"\", \"75\", \"c2\"\n\
                    \"2025-12-07 10:24:02\", \"4\", \"\", \"url\", \"DCRat\", \"\", \"75\", \"c2\"\n\
                    # END\n";
        let mut opts = LoadOptions::new("threatfox");
        opts.max_age = Some(Duration::days(30));
        let (r, set) = load(text, &opts);
        assert_eq!((r.loaded, r.invalid), (3, 1), "{r:?}");
        let t = Utc.with_ymd_and_hms(2025, 12, 20, 0, 0, 0).unwrap();
        let url = &set.lookup("http://195.133.9.204/skare.odd", t)[0].0;
        assert_eq!(url.id, "threatfox:1");
        assert_eq!(url.confidence, 100);
        assert_eq!(url.title, None);
        assert_eq!(url.tags, ["ClickFix", "Fake OS Update"]);
        assert_eq!(
            url.expiry,
            Some(Utc.with_ymd_and_hms(2026, 1, 6, 13, 5, 49).unwrap())
        );
        let dom = &set.lookup("shilohbn.ru.com", t)[0].0;
        assert_eq!(dom.title.as_deref(), Some("DCRat"));
        assert!(dom.tags.is_empty());
        assert_eq!(
            dom.expiry,
            Some(Utc.with_ymd_and_hms(2026, 1, 7, 0, 0, 0).unwrap())
        );
        assert_eq!(set.lookup("1.2.3.4", t)[0].0.confidence, 75);
    }

    #[test]
    fn header_line_and_tab_ranges() {
        let feodo = "# c\n\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"malware\"\n\"2021-01-17 07:30:05\",\"10.213.75.205\",\"443\",\"Dridex\"\n";
        let (r, set) = load(feodo, &LoadOptions::new("feodo"));
        assert_eq!(r.loaded, 1);
        assert_eq!(
            set.lookup("10.213.75.205", at())[0].0.title.as_deref(),
            Some("Dridex")
        );

        let dshield = "#\tcomment\nStart\tEnd\tNetblock\tAttacks\n43.229.53.0\t43.229.53.255\t24\t788\nbad\tworse\t1\t2\n";
        let (r, set) = load(dshield, &LoadOptions::new("dshield"));
        assert_eq!((r.loaded, r.invalid), (1, 1), "{r:?}");
        assert_eq!(set.lookup("43.229.53.9", at())[0].0.value, "43.229.53.0/24");

        let mut opts = LoadOptions::new("custom");
        opts.value_column = Some("Bad Host".into());
        let (r, set) = load("when,Bad Host\n2024-01-01,evil.example\n", &opts);
        assert_eq!(r.loaded, 1);
        assert_eq!(set.lookup("evil.example", at()).len(), 1);
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\n\n",
            "#",
            "\"",
            ",,,,",
            "a,b\n\"",
            "\t\t",
            "ip,url\n\"x",
            "\u{0}\u{1}",
            "é,ü\n1,2",
        ] {
            let (r, _) = load(text, &LoadOptions::new("g"));
            assert_eq!(r.loaded, 0, "{text:?}");
        }
        let mut b = IndicatorSetBuilder::new();
        let r = load_list(
            &mut b,
            &[0xff, 0xfe, b'\n', b'1', b'.', b'2', b'.', b'3', b'.', b'4'],
            "bin",
            &LoadOptions::new("g"),
        );
        assert_eq!(r.loaded, 1);
    }
}
