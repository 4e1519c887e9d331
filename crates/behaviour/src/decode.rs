//! Undoing the encodings attackers hide web payloads behind.
//!
//! Signatures run on one canonical form: percent-decoded repeatedly (double and triple
//! encoding, `+` as space, IIS `%uXXXX`), overlong UTF-8 dots and slashes folded,
//! HTML character references and JavaScript `\xHH`/`\uXXXX` escapes decoded, SQL
//! comments turned into spaces, NUL bytes dropped and ASCII lower-cased. The result is
//! bytes, not text: decoded payloads need not be UTF-8.

/// Percent-decoding rounds at most: three undoes triple encoding; more is never needed
/// by a browser-facing server and would let one field cost unbounded work.
const ROUNDS: usize = 3;

pub(crate) fn canonical(input: &[u8], max: usize) -> Vec<u8> {
    let mut s = input[..input.len().min(max)].to_vec();
    for _ in 0..ROUNDS {
        let (next, changed) = percent_round(&s);
        s = fold_overlong(&next);
        if !changed {
            break;
        }
    }
    s = decode_references(&s);
    s = strip_sql_comments(&s);
    s.retain(|&b| b != 0);
    s.make_ascii_lowercase();
    s
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn push_char(out: &mut Vec<u8>, code: u32) {
    let c = char::from_u32(code).unwrap_or('\u{fffd}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// One round of `%XX`, `%uXXXX` and `+` decoding; reports whether anything changed.
fn percent_round(s: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if let (Some(&h), Some(&l)) = (s.get(i + 1), s.get(i + 2)) {
                    if let (Some(h), Some(l)) = (hex(h), hex(l)) {
                        out.push(h << 4 | l);
                        i += 3;
                        changed = true;
                        continue;
                    }
                }
                if matches!(s.get(i + 1), Some(b'u' | b'U')) {
                    let digits: Option<Vec<u8>> = (2..6)
                        .map(|k| s.get(i + k).copied().and_then(hex))
                        .collect();
                    if let Some(d) = digits {
                        let code = d.iter().fold(0u32, |acc, &x| acc << 4 | u32::from(x));
                        push_char(&mut out, code);
                        i += 6;
                        changed = true;
                        continue;
                    }
                }
                out.push(b'%');
            }
            b'+' => {
                out.push(b' ');
                changed = true;
            }
            b => out.push(b),
        }
        i += 1;
    }
    (out, changed)
}

/// Overlong UTF-8 encodings of `.`, `/` and `\` (`%c0%ae`, `%c0%af`, `%e0%80%af`, ...),
/// which old decoders turned into the real characters.
fn fold_overlong(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let two = match (s[i], s.get(i + 1)) {
            (0xc0, Some(0xae)) => Some(b'.'),
            (0xc0, Some(0xaf)) => Some(b'/'),
            (0xc1, Some(0x9c)) => Some(b'\\'),
            _ => None,
        };
        if let Some(c) = two {
            out.push(c);
            i += 2;
            continue;
        }
        let three = match (s[i], s.get(i + 1), s.get(i + 2)) {
            (0xe0, Some(0x80), Some(0xae)) => Some(b'.'),
            (0xe0, Some(0x80), Some(0xaf)) => Some(b'/'),
            _ => None,
        };
        if let Some(c) = three {
            out.push(c);
            i += 3;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// HTML character references (`&lt;`, `&#60;`, `&#x3c;`) and JavaScript escapes
/// (`\x3c`, `\u003c`) for ASCII characters.
fn decode_references(s: &[u8]) -> Vec<u8> {
    const NAMED: &[(&[u8], u8)] = &[
        (b"lt", b'<'),
        (b"gt", b'>'),
        (b"quot", b'"'),
        (b"apos", b'\''),
        (b"amp", b'&'),
        (b"sol", b'/'),
        (b"lpar", b'('),
        (b"rpar", b')'),
        (b"colon", b':'),
        (b"semi", b';'),
        (b"tab", b'\t'),
        (b"newline", b'\n'),
    ];
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&' {
            if let Some((byte, len)) = html_reference(&s[i + 1..], NAMED) {
                out.push(byte);
                i += 1 + len;
                continue;
            }
        }
        if s[i] == b'\\' {
            if let Some((byte, len)) = js_escape(&s[i + 1..]) {
                out.push(byte);
                i += 1 + len;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Decodes the reference after `&`; returns the byte and how many bytes it used.
fn html_reference(s: &[u8], named: &[(&[u8], u8)]) -> Option<(u8, usize)> {
    if s.first() == Some(&b'#') {
        let (radix, start) = match s.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = s[start..]
            .iter()
            .take(8)
            .take_while(|b| {
                if radix == 16 {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let text = std::str::from_utf8(&s[start..start + digits]).ok()?;
        let code = u32::from_str_radix(text, radix).ok()?;
        let byte = u8::try_from(code).ok().filter(u8::is_ascii)?;
        let semi = usize::from(s.get(start + digits) == Some(&b';'));
        return Some((byte, start + digits + semi));
    }
    named.iter().find_map(|(name, byte)| {
        let len = name.len();
        let matches = s.len() > len && s[..len].eq_ignore_ascii_case(name) && s[len] == b';';
        matches.then_some((*byte, len + 1))
    })
}

/// Decodes the escape after `\`: `xHH` or `uHHHH` for ASCII characters.
fn js_escape(s: &[u8]) -> Option<(u8, usize)> {
    let digits = match s.first()? {
        b'x' | b'X' => 2,
        b'u' | b'U' => 4,
        _ => return None,
    };
    let code = (1..=digits).try_fold(0u32, |acc, k| {
        s.get(k)
            .copied()
            .and_then(hex)
            .map(|d| acc << 4 | u32::from(d))
    })?;
    let byte = u8::try_from(code).ok().filter(u8::is_ascii)?;
    Some((byte, 1 + digits))
}

/// SQL comments used as whitespace (`UNION/**/SELECT`) become a space; MySQL's
/// executable comments (`/*!50000SELECT*/`) keep their content.
fn strip_sql_comments(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'/' && s.get(i + 1) == Some(&b'*') {
            if s.get(i + 2) == Some(&b'!') {
                let digits = s[i + 3..].iter().take_while(|b| b.is_ascii_digit()).count();
                out.push(b' ');
                i += 3 + digits;
                continue;
            }
            if let Some(end) = s[i + 2..].windows(2).position(|w| w == b"*/") {
                out.push(b' ');
                i += 2 + end + 2;
                continue;
            }
        }
        if s[i] == b'*' && s.get(i + 1) == Some(&b'/') {
            // The end of an executable comment whose start was handled above.
            out.push(b' ');
            i += 2;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        String::from_utf8_lossy(&canonical(s.as_bytes(), 1 << 20)).into_owned()
    }

    #[test]
    fn percent_plus_and_double_encoding() {
        assert_eq!(c("a%20b+c"), "a b c");
        assert_eq!(c("%253Cscript%253E"), "<script>");
        assert_eq!(c("%25252e%25252e%25252f"), "../");
        assert_eq!(c("%u003cSVG"), "<svg");
        assert_eq!(c("100%"), "100%");
        assert_eq!(c("%zz"), "%zz");
    }

    #[test]
    fn overlong_and_references() {
        assert_eq!(c("..%c0%af..%c0%afetc"), "../../etc");
        assert_eq!(
            c("&lt;img src=x onerror=alert&#40;1&#x29;&gt;"),
            "<img src=x onerror=alert(1)>"
        );
        assert_eq!(c("\\x3cscript\\u003e"), "<script>");
        assert_eq!(c("&notareference;"), "&notareference;");
    }

    #[test]
    fn sql_comments_become_spaces() {
        assert_eq!(c("UNION/**/SELECT"), "union select");
        assert_eq!(c("/*!50000UNION*/ SELECT"), " union  select");
        assert_eq!(c("/* unterminated"), "/* unterminated");
    }

    #[test]
    fn input_is_cut() {
        assert_eq!(canonical(b"abcdef", 3), b"abc");
    }
}
