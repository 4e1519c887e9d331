//! Backslash escapes, which every text format here has in a slightly different set.

/// Undoes `\x` for every `x` in `escapable` (and `\n`, `\r` as line breaks when
/// `line_breaks` is set). Any other backslash is kept literally, as the formats say.
pub(crate) fn unescape(raw: &str, escapable: &[char], line_breaks: bool) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') if line_breaks => out.push('\n'),
            Some('r') if line_breaks => out.push('\r'),
            Some(next) if escapable.contains(&next) => out.push(next),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn only_the_given_escapes_are_undone() {
        assert_eq!(unescape(r#"a\"b\]c\x\"#, &['"', ']'], false), r#"a"b]c\x\"#);
        assert_eq!(unescape(r"k\=v\nnext\\", &['=', '\\'], true), "k=v\nnext\\");
        assert_eq!(unescape(r"\n", &[], false), r"\n");
        assert_eq!(unescape("plain", &[], true), "plain");
    }
}
