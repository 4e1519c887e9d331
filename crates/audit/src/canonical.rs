//! The canonical byte forms that the chain hashes: canonical JSON and the entry encoding.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain tag that opens every hashed record, so a hash of some other Steward structure can
/// never be passed off as an audit entry and the layout can evolve under a new tag.
pub const HASH_DOMAIN: &[u8] = b"steward-audit-v1";

/// JSON with object keys sorted by their UTF-8 bytes, no insignificant whitespace, strings
/// escaped minimally. Written by hand rather than through `serde_json::to_string` because
/// key order there depends on whether some crate in the build enables `preserve_order`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_value(v, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The fields one entry's hash commits to, as they are stored (text columns verbatim).
#[derive(Debug, Clone, Copy)]
pub struct HashInput<'a> {
    pub seq: u64,
    pub time: &'a str,
    pub actor_kind: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    /// Canonical JSON of the details.
    pub details: &'a str,
    pub prev_hash: &'a str,
}

impl HashInput<'_> {
    /// Lower-case hex SHA-256 of `HASH_DOMAIN || u64be(seq) || field(time) || field(actor_kind)
    /// || field(actor) || field(action) || field(object_type) || field(object_id)
    /// || field(details) || field(prev_hash)` with `field(s) = u64be(len(s)) || utf8(s)`.
    /// Length prefixes make the encoding injective: no two field tuples share bytes.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(HASH_DOMAIN);
        h.update(self.seq.to_be_bytes());
        for field in [
            self.time,
            self.actor_kind,
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            self.details,
            self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        let digest = h.finalize();
        let mut hex = String::with_capacity(64);
        for b in digest {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": null, "x": true}], "c": "q\"\n\u{1}"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"q\"\n\u0001","z":[3,{"x":true,"y":null}]},"b":1}"#
        );
    }

    #[test]
    fn canonical_form_is_stable_under_reparse() {
        let v = json!({"f": 1.5e300, "n": -7, "u": "é€😀", "e": {}, "l": []});
        let once = canonical_json(&v);
        let again: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(canonical_json(&again), once);
    }

    #[test]
    fn length_prefixes_separate_fields() {
        let base = HashInput {
            seq: 1,
            time: "t",
            actor_kind: "user",
            actor: "ab",
            action: "c",
            object_type: "",
            object_id: "",
            details: "{}",
            prev_hash: GENESIS_HASH,
        };
        let shifted = HashInput {
            actor: "a",
            action: "bc",
            ..base
        };
        assert_ne!(base.hash(), shifted.hash());
        assert_eq!(base.hash().len(), 64);
        assert_eq!(base.hash(), base.hash());
    }
}
