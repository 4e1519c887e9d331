//! Wildcard patterns: `web*`, `adm?n`.

/// One piece of a [`WildcardPattern`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WildcardPart {
    /// Characters matched literally (ASCII case-insensitively).
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
}

/// A value pattern with `*` and `?` wildcards. Matching is whole-value and ASCII
/// case-insensitive; `?` stands for one character (not one byte).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WildcardPattern {
    /// The pieces, normalised by [`WildcardPattern::new`]: adjacent literals merged, no
    /// empty literal, no two `AnyRun` in a row.
    pub parts: Vec<WildcardPart>,
}

/// The escape character of the patterns [`WildcardPattern::to_like`] produces.
pub const LIKE_ESCAPE: char = '\\';

impl WildcardPattern {
    /// Builds a pattern, normalising the parts.
    pub fn new(parts: impl IntoIterator<Item = WildcardPart>) -> Self {
        let mut pattern = WildcardPattern::default();
        for part in parts {
            pattern.push(part);
        }
        pattern
    }

    /// Appends a part, keeping the pattern normalised.
    pub fn push(&mut self, part: WildcardPart) {
        match (self.parts.last_mut(), part) {
            (_, WildcardPart::Literal(s)) if s.is_empty() => {}
            (Some(WildcardPart::Literal(prev)), WildcardPart::Literal(s)) => prev.push_str(&s),
            (Some(WildcardPart::AnyRun), WildcardPart::AnyRun) => {}
            (_, part) => self.parts.push(part),
        }
    }

    /// Appends one literal character.
    pub fn push_char(&mut self, c: char) {
        match self.parts.last_mut() {
            Some(WildcardPart::Literal(prev)) => prev.push(c),
            _ => self.parts.push(WildcardPart::Literal(c.to_string())),
        }
    }

    pub fn parts(&self) -> &[WildcardPart] {
        &self.parts
    }

    /// Whether the pattern has any `*` or `?` (a pattern without is an exact value).
    pub fn has_wildcards(&self) -> bool {
        self.parts
            .iter()
            .any(|p| !matches!(p, WildcardPart::Literal(_)))
    }

    /// Whether the pattern is a lone `*`: it matches every value.
    pub fn is_match_all(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, WildcardPart::AnyRun)) && !self.parts.is_empty()
    }

    /// The literal text every match starts with (`web` for `web*01`), useful for an
    /// index range scan before the exact pattern test. Empty when the pattern starts
    /// with a wildcard.
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(WildcardPart::Literal(s)) => s,
            _ => "",
        }
    }

    /// Tests a whole value, ASCII case-insensitively.
    pub fn matches(&self, value: &str) -> bool {
        self.matches_case(value, false)
    }

    /// Tests a whole value; `case_sensitive` compares literals exactly (Sigma's `cased`).
    pub fn matches_case(&self, value: &str, case_sensitive: bool) -> bool {
        #[derive(Clone, Copy)]
        enum Tok {
            Lit(char),
            One,
            Any,
        }
        let mut pattern = Vec::new();
        for part in &self.parts {
            match part {
                WildcardPart::Literal(s) => pattern.extend(s.chars().map(Tok::Lit)),
                WildcardPart::AnyRun => pattern.push(Tok::Any),
                WildcardPart::AnyChar => pattern.push(Tok::One),
            }
        }
        let text: Vec<char> = value.chars().collect();
        // Iterative matcher with single-star backtracking: O(len(pattern) * len(text)).
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pattern.get(p) {
                Some(Tok::Any) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Tok::One) => {
                    p += 1;
                    t += 1;
                }
                Some(Tok::Lit(c))
                    if if case_sensitive {
                        *c == text[t]
                    } else {
                        c.eq_ignore_ascii_case(&text[t])
                    } =>
                {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern[p.min(pattern.len())..]
            .iter()
            .all(|tok| matches!(tok, Tok::Any))
    }

    /// The pattern as a SQL `LIKE` pattern and its escape character (always
    /// [`LIKE_ESCAPE`], a backslash): `*` → `%`, `?` → `_`, and literal `%`, `_` and `\`
    /// escaped. Use as `value LIKE ?1 ESCAPE '\'`. SQLite's `LIKE` is ASCII
    /// case-insensitive, as the query language is; elsewhere use `ILIKE` or lowercase both
    /// sides.
    pub fn to_like(&self) -> (String, char) {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                WildcardPart::Literal(s) => {
                    for c in s.chars() {
                        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
                            out.push(LIKE_ESCAPE);
                        }
                        out.push(c);
                    }
                }
                WildcardPart::AnyRun => out.push('%'),
                WildcardPart::AnyChar => out.push('_'),
            }
        }
        (out, LIKE_ESCAPE)
    }

    /// The pattern as a SQLite `GLOB` pattern, ASCII-lowercased: compare it with the
    /// lowercased value (`lower(value) GLOB ?`), since `GLOB` is case-sensitive. Literal
    /// `*`, `?` and `[` are written as the bracket expressions `[*]`, `[?]`, `[[]`
    /// (`GLOB` has no escape character).
    pub fn to_glob(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                WildcardPart::Literal(s) => {
                    for c in s.chars() {
                        match c {
                            '*' => out.push_str("[*]"),
                            '?' => out.push_str("[?]"),
                            '[' => out.push_str("[[]"),
                            c => out.push(c.to_ascii_lowercase()),
                        }
                    }
                }
                WildcardPart::AnyRun => out.push('*'),
                WildcardPart::AnyChar => out.push('?'),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::WildcardPart::*;
    use super::*;

    fn lit(s: &str) -> WildcardPart {
        Literal(s.to_owned())
    }

    #[test]
    fn normalises() {
        let p = WildcardPattern::new([lit("a"), lit(""), lit("b"), AnyRun, AnyRun, lit("")]);
        assert_eq!(p.parts, vec![lit("ab"), AnyRun]);
        assert_eq!(p.literal_prefix(), "ab");
        assert!(WildcardPattern::new([AnyRun, AnyRun]).is_match_all());
        assert!(!WildcardPattern::new([AnyRun, AnyChar]).is_match_all());
    }

    #[test]
    fn matching() {
        let web = WildcardPattern::new([lit("web"), AnyRun]);
        assert!(web.matches("web01"));
        assert!(web.matches("WEB"));
        assert!(!web.matches("aweb"));
        let admin = WildcardPattern::new([lit("adm"), AnyChar, lit("n")]);
        assert!(admin.matches("admin"));
        assert!(admin.matches("ADMIN"));
        assert!(admin.matches("adm€n"));
        assert!(!admin.matches("admn"));
        assert!(!admin.matches("admiin"));
        let mid = WildcardPattern::new([AnyRun, lit("a"), AnyRun, lit("b"), AnyChar]);
        assert!(mid.matches("xxaxxbx"));
        assert!(mid.matches("abb"));
        assert!(!mid.matches("ab"));
        assert!(!mid.matches("xxaxxb"));
        let all = WildcardPattern::new([AnyRun]);
        assert!(all.matches(""));
        assert!(all.matches("anything"));
        let exact = WildcardPattern::new([lit("a")]);
        assert!(exact.matches("A"));
        assert!(!exact.matches(""));
        assert!(!WildcardPattern::new([AnyChar]).matches(""));
        // Pathological backtracking stays quadratic.
        let many = WildcardPattern::new((0..50).flat_map(|_| [AnyRun, lit("a")]));
        assert!(!many.matches(&"a".repeat(49)));
        assert!(many.matches(&"a".repeat(5000)));
    }

    #[test]
    fn like_escapes_sql_wildcards() {
        let p = WildcardPattern::new([lit("100%_a\\b"), AnyRun, lit("x"), AnyChar]);
        assert_eq!(p.to_like(), ("100\\%\\_a\\\\b%x_".to_owned(), '\\'));
        let q = WildcardPattern::new([lit("A*?[b]"), AnyRun]);
        assert_eq!(q.to_glob(), "a[*][?][[]b]*");
    }
}
