//! Value modifiers (`Field|windash|contains|all`): how a rule's value turns into tests.
//!
//! Transforming modifiers (encodings, `windash`, `expand`) rewrite the value, possibly
//! into several alternatives; the match-type modifiers (`re`, `cidr`, `gt`, `exists`,
//! `fieldref`, ...) decide what kind of test it becomes. They are applied in the order
//! the rule writes them, as pySigma does.

use super::pattern::{Piece, SigmaString};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Wide,
    Windash,
    Re,
    ReI,
    ReM,
    ReS,
    Cased,
    Cidr,
    Lt,
    Lte,
    Gt,
    Gte,
    Exists,
    FieldRef,
    Expand,
}

impl Modifier {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "contains" => Self::Contains,
            "startswith" => Self::StartsWith,
            "endswith" => Self::EndsWith,
            "all" => Self::All,
            "base64" => Self::Base64,
            "base64offset" => Self::Base64Offset,
            "utf16le" => Self::Utf16Le,
            "utf16be" => Self::Utf16Be,
            "utf16" => Self::Utf16,
            "wide" => Self::Wide,
            "windash" => Self::Windash,
            "re" => Self::Re,
            "i" => Self::ReI,
            "m" => Self::ReM,
            "s" => Self::ReS,
            "cased" => Self::Cased,
            "cidr" => Self::Cidr,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "exists" => Self::Exists,
            "fieldref" => Self::FieldRef,
            "expand" => Self::Expand,
            _ => return None,
        })
    }
}

/// Placeholder values for `|expand` (`%Administrators%` → a list of names).
pub type Placeholders = HashMap<String, Vec<String>>;

/// A string value on its way through the transforming modifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Work {
    pub value: SigmaString,
}

impl Work {
    fn encode(&self, f: impl Fn(&[u8]) -> Vec<u8>) -> Work {
        // Leading/trailing wildcards (from an earlier `contains`) survive the encoding;
        // the text between them is encoded as one literal.
        let pieces = self.value.pieces();
        let lead = pieces.first() == Some(&Piece::AnyRun);
        let trail = pieces.len() > 1 && pieces.last() == Some(&Piece::AnyRun);
        let encoded = f(self.value.plain().as_bytes());
        let mut value = SigmaString::literal(&String::from_utf8_lossy(&encoded));
        if lead {
            value.prepend_star();
        }
        if trail {
            value.append_star();
        }
        Work { value }
    }
}

pub fn utf16le(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn utf16be(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect()
}

/// `utf16`: UTF-16 with the little-endian byte-order mark, as Windows writes it.
fn utf16_bom(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(utf16le(bytes));
    out
}

fn base64(bytes: &[u8]) -> Vec<u8> {
    STANDARD.encode(bytes).into_bytes()
}

/// The three encodings of `value` at byte offsets 0, 1 and 2 inside a longer base64
/// text, with the characters that depend on unknown neighbours cut off.
pub fn base64_offsets(value: &[u8]) -> Vec<Vec<u8>> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut padded = vec![b' '; i];
            padded.extend_from_slice(value);
            let enc = STANDARD.encode(&padded).into_bytes();
            let end = enc.len().saturating_sub(END_TRIM[(value.len() + i) % 3]);
            enc.get(START[i]..end.max(START[i]))
                .unwrap_or_default()
                .to_vec()
        })
        .collect()
}

/// The characters Windows programs accept where a dash starts an option.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
/// More option dashes than this in one value are left as written: 5^n variants.
const MAX_WINDASH_POSITIONS: usize = 4;

/// `windash`: every `-` or `/` that starts an option (`\B[-/]\b`) in any of its forms.
pub fn windash(value: &SigmaString) -> Vec<SigmaString> {
    // (piece index, char index inside the literal)
    let mut positions = Vec::new();
    for (pi, piece) in value.pieces().iter().enumerate() {
        if let Piece::Literal(l) = piece {
            let chars: Vec<char> = l.chars().collect();
            for (ci, c) in chars.iter().enumerate() {
                let prev_word = ci > 0 && is_word(chars[ci - 1]);
                let next_word = chars.get(ci + 1).is_some_and(|n| is_word(*n));
                if matches!(c, '-' | '/') && !prev_word && next_word {
                    positions.push((pi, ci));
                }
            }
        }
    }
    positions.truncate(MAX_WINDASH_POSITIONS);
    let mut out = vec![value.clone()];
    for &(pi, ci) in &positions {
        let mut next = Vec::with_capacity(out.len() * DASHES.len());
        for v in &out {
            for d in DASHES {
                let mut w = v.clone();
                if let Some(Piece::Literal(l)) = w.pieces_mut().get_mut(pi) {
                    let mut chars: Vec<char> = l.chars().collect();
                    if let Some(slot) = chars.get_mut(ci) {
                        *slot = d;
                    }
                    *l = chars.into_iter().collect();
                }
                next.push(w);
            }
        }
        out = next;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `expand`: `%name%` placeholders replaced by each configured value. Returns `Err`
/// with the placeholder's name when no values are configured for it.
pub fn expand(raw: &str, placeholders: &Placeholders) -> Result<Vec<String>, String> {
    let mut results = vec![String::new()];
    let mut rest = raw;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else { break };
        let name = &after[..end];
        let values = placeholders
            .get(name)
            .or_else(|| {
                placeholders
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .ok_or_else(|| name.to_owned())?;
        let prefix = &rest[..start];
        results = results
            .iter()
            .flat_map(|r| values.iter().map(move |v| format!("{r}{prefix}{v}")))
            .collect();
        rest = &after[end + 1..];
    }
    for r in &mut results {
        r.push_str(rest);
    }
    Ok(results)
}

/// Applies one transforming modifier to every alternative.
pub fn transform(m: Modifier, values: Vec<Work>) -> Vec<Work> {
    match m {
        Modifier::Contains => map_each(values, |w| {
            w.value.prepend_star();
            w.value.append_star();
        }),
        Modifier::StartsWith => map_each(values, |w| w.value.append_star()),
        Modifier::EndsWith => map_each(values, |w| w.value.prepend_star()),
        Modifier::Wide | Modifier::Utf16Le => values.iter().map(|w| w.encode(utf16le)).collect(),
        Modifier::Utf16Be => values.iter().map(|w| w.encode(utf16be)).collect(),
        Modifier::Utf16 => values.iter().map(|w| w.encode(utf16_bom)).collect(),
        Modifier::Base64 => values.iter().map(|w| w.encode(base64)).collect(),
        Modifier::Base64Offset => values
            .iter()
            .flat_map(|w| {
                base64_offsets(w.value.plain().as_bytes())
                    .into_iter()
                    .map(|enc| Work {
                        value: SigmaString::literal(&String::from_utf8_lossy(&enc)),
                    })
            })
            .collect(),
        Modifier::Windash => values
            .iter()
            .flat_map(|w| windash(&w.value).into_iter().map(|value| Work { value }))
            .collect(),
        _ => values,
    }
}

fn map_each(mut values: Vec<Work>, f: impl Fn(&mut Work)) -> Vec<Work> {
    values.iter_mut().for_each(f);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> String {
        String::from_utf8(x.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn base64_offsets_match_pysigma() {
        // pySigma: `Invoke-` |base64offset → these three (see its test suite's shape).
        let got: Vec<String> = base64_offsets(b"/c start")
            .into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect();
        assert_eq!(got, vec![s("L2Mgc3Rhcn"), s("9jIHN0YXJ0"), s("vYyBzdGFyd")]);
        // Every variant is found inside the encoding of a text containing the value.
        for prefix in ["", "a", "ab", "abc"] {
            let text = STANDARD.encode(format!("{prefix}/c start now"));
            assert!(base64_offsets(b"/c start")
                .iter()
                .any(|v| text.contains(std::str::from_utf8(v).unwrap())));
        }
    }

    #[test]
    fn windash_variants() {
        let v = windash(&SigmaString::parse(" -enc "));
        assert_eq!(v.len(), 5);
        assert!(v.iter().any(|x| x.plain() == " /enc "));
        assert!(v.iter().any(|x| x.plain() == " \u{2013}enc "));
        // A dash inside a word is not an option dash.
        assert_eq!(windash(&SigmaString::parse("a-b")).len(), 1);
        assert_eq!(windash(&SigmaString::parse("-a -b")).len(), 25);
    }

    #[test]
    fn utf16_and_base64() {
        let w = Work {
            value: SigmaString::parse("cmd"),
        };
        let wide = transform(Modifier::Wide, vec![w.clone()]);
        assert_eq!(wide[0].value.plain(), "c\0m\0d\0");
        let b = transform(Modifier::Base64, vec![w]);
        assert_eq!(b[0].value.plain(), "Y21k");
    }

    #[test]
    fn expand_placeholders() {
        let mut p = Placeholders::new();
        p.insert("Admins".into(), vec!["root".into(), "admin".into()]);
        assert_eq!(
            expand("x%Admins%y", &p).unwrap(),
            vec!["xrooty".to_string(), "xadminy".into()]
        );
        assert_eq!(expand("%missing%", &p), Err("missing".into()));
        assert_eq!(
            expand("no placeholder", &p).unwrap(),
            vec!["no placeholder"]
        );
    }
}
