//! One CSV row into fields, tolerant of the variants feeds publish: quoted or bare
//! fields, `""` escapes, spaces around separators (ThreatFox writes `", "`), an
//! unterminated quote (the rest of the line is the field).

use std::borrow::Cow;

/// Splits `line` at `delim` (an ASCII separator) into `out` (cleared first).
pub(crate) fn split_row<'a>(line: &'a str, delim: u8, out: &mut Vec<Cow<'a, str>>) {
    out.clear();
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' && delim != b' ' {
            i += 1;
        }
        if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut seg = i;
            let mut owned: Option<String> = None;
            let field = loop {
                match b[i..].iter().position(|&c| c == b'"') {
                    None => {
                        let rest = &line[seg..];
                        i = b.len();
                        break join(owned, rest);
                    }
                    Some(off) => {
                        let q = i + off;
                        if b.get(q + 1) == Some(&b'"') {
                            owned
                                .get_or_insert_with(String::new)
                                .push_str(&line[seg..=q]);
                            i = q + 2;
                            seg = i;
                        } else {
                            i = q + 1;
                            break join(owned, &line[seg..q]);
                        }
                    }
                }
            };
            // Anything between the closing quote and the separator is dropped.
            while i < b.len() && b[i] != delim {
                i += 1;
            }
            out.push(field);
        } else {
            let start = i;
            while i < b.len() && b[i] != delim {
                i += 1;
            }
            out.push(Cow::Borrowed(line[start..i].trim()));
        }
        if i >= b.len() {
            return;
        }
        i += 1;
        if i == b.len() {
            out.push(Cow::Borrowed(""));
            return;
        }
    }
}

fn join<'a>(owned: Option<String>, tail: &'a str) -> Cow<'a, str> {
    match owned {
        None => Cow::Borrowed(tail),
        Some(mut s) => {
            s.push_str(tail);
            Cow::Owned(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: &str, delim: u8) -> Vec<String> {
        let mut out = Vec::new();
        split_row(line, delim, &mut out);
        out.into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn feed_variants() {
        assert_eq!(row(r#""a","b,c","""q""""#, b','), ["a", "b,c", "\"q\""]);
        assert_eq!(
            row(r#""2025-12-07", "1668950", "http://x/""#, b','),
            ["2025-12-07", "1668950", "http://x/"]
        );
        assert_eq!(row("a, b ,c,", b','), ["a", "b", "c", ""]);
        assert_eq!(
            row("1.2.3.0\t1.2.3.255\t24", b'\t'),
            ["1.2.3.0", "1.2.3.255", "24"]
        );
        assert_eq!(row(r#""open"#, b','), ["open"]);
        assert_eq!(row(r#""x"junk,y"#, b','), ["x", "y"]);
        assert_eq!(row("", b','), [""]);
        assert_eq!(row("é,ü", b','), ["é", "ü"]);
    }
}
