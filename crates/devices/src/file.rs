//! The on-disk shape of a family file (TOML), and where its mapping sits in it.

use serde::Deserialize;

/// One device family, as written by a content author. See `docs/parsers/writing.md`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FamilyFile {
    /// Registry name, `vendor_product` in snake case (e.g. `fortinet_fortigate`).
    pub name: String,
    pub vendor: String,
    pub product: String,
    /// `event.dataset` for every record of the family (e.g. `fortinet.firewall`).
    pub dataset: String,
    /// Kind of device: firewall, ids, waf, web, proxy, os, database, dns, dhcp, ...
    pub category: String,
    #[serde(default)]
    pub description: String,
    /// Where the samples behind the mapping came from: `corpus` (real logs with a peer's
    /// expected output), `documented` (fixtures written from the vendor's format guide).
    #[serde(default = "default_samples")]
    pub samples: String,
    /// What the mapping receives; see [`Envelope`].
    #[serde(default)]
    pub envelope: Envelope,
    /// Auto-detection: regular expressions (Rust `regex` syntax); the family claims a
    /// record when any matches and none of `detect_unless` does.
    pub detect: Vec<String>,
    #[serde(default)]
    pub detect_unless: Vec<String>,
    /// Confidence when claimed, 1–100. The generic parsers score 80–95, so families use
    /// 96–99; a more specific family outranks a broader one with a higher score.
    #[serde(default = "default_score")]
    pub detect_score: u8,
    /// The VRL program mapping the record to ECS.
    pub remap: toml::Spanned<String>,
}

fn default_samples() -> String {
    "documented".to_owned()
}

/// What the VRL program starts from.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Envelope {
    /// `.message` and `.event.original` hold the whole record.
    #[default]
    None,
    /// A leading syslog header (RFC 5424 or 3164) is parsed first by Steward's own
    /// syslog parser: `.@timestamp`, `.host.hostname`, `.log.syslog.*`, `.process.*` are
    /// set and `.message` holds the payload. Records without a header go in as `None`.
    Syslog,
}

fn default_score() -> u8 {
    97
}

/// The 1-based line in `text` that holds byte `offset`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The file line on which the remap program's first line sits. A TOML multi-line string
/// drops a newline right after its opening quotes, so the program then starts a line below.
pub(crate) fn program_first_line(file: &str, value_start: usize) -> usize {
    let line = line_of(file, value_start);
    let rest = file.get(value_start..).unwrap_or_default();
    let multi = rest.starts_with("'''") || rest.starts_with("\"\"\"");
    let after = rest.get(3..).unwrap_or_default();
    if multi && (after.starts_with('\n') || after.starts_with("\r\n")) {
        line + 1
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
        let file = "name = 'x'\nremap = '''\n.a = 1\n'''\n";
        let start = file.find("'''").unwrap();
        assert_eq!(program_first_line(file, start), 3);
        let file = "remap = '.a = 1'\n";
        assert_eq!(program_first_line(file, 8), 1);
    }
}
