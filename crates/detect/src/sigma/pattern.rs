//! Sigma string values: wildcards, escapes, and how one compares against a field value.
//!
//! Sigma compares strings case-insensitively unless `|cased` is given. Like pySigma's
//! SQL backends we fold ASCII case only, so the event side can be lowered once per
//! event and every pattern compares against the same lowered text.

use memchr::memmem;
pub use steward_query::WildcardPart as Piece;
use steward_query::WildcardPattern;

/// A Sigma string: the search language's wildcard pattern, read with Sigma's escapes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SigmaString {
    pattern: WildcardPattern,
}

impl SigmaString {
    /// Parses Sigma's escaping: `\*`, `\?` and `\\` are literal; any other backslash is
    /// itself (Windows paths are written with single backslashes).
    pub fn parse(s: &str) -> Self {
        let mut pattern = WildcardPattern::default();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        pattern.push_char(next);
                    }
                    _ => pattern.push_char('\\'),
                },
                '*' => pattern.push(Piece::AnyRun),
                '?' => pattern.push(Piece::AnyChar),
                other => pattern.push_char(other),
            }
        }
        Self { pattern }
    }

    /// A string taken literally (no wildcards), e.g. the output of an encoding modifier.
    pub fn literal(s: &str) -> Self {
        Self {
            pattern: WildcardPattern::new([Piece::Literal(s.to_owned())]),
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pattern.parts
    }

    /// Mutable pieces, for modifiers that rewrite literals in place (`windash`).
    pub fn pieces_mut(&mut self) -> &mut [Piece] {
        &mut self.pattern.parts
    }

    /// The text with wildcards dropped: what encoding modifiers work on.
    pub fn plain(&self) -> String {
        let mut s = String::new();
        for p in self.pieces() {
            if let Piece::Literal(l) = p {
                s.push_str(l);
            }
        }
        s
    }

    pub fn prepend_star(&mut self) {
        if self.pieces().first() != Some(&Piece::AnyRun) {
            self.pattern.parts.insert(0, Piece::AnyRun);
        }
    }

    pub fn append_star(&mut self) {
        self.pattern.push(Piece::AnyRun);
    }

    /// The longest literal run: a string any matching value must contain.
    pub fn longest_literal(&self) -> Option<&str> {
        self.pieces()
            .iter()
            .filter_map(|p| match p {
                Piece::Literal(l) => Some(l.as_str()),
                _ => None,
            })
            .max_by_key(|l| l.len())
    }
}

/// A compiled comparison of one Sigma string against one field value.
#[derive(Clone, Debug)]
pub struct Pattern {
    kind: PatternKind,
    cased: bool,
    /// The longest literal any match contains (lowered): the prefilter's key.
    anchor: Option<String>,
}

#[derive(Clone, Debug)]
enum PatternKind {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(Box<memmem::Finder<'static>>),
    /// Anything with inner wildcards: the search language's matcher.
    Glob(WildcardPattern),
    /// `*` alone: any value, even empty.
    Any,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

impl Pattern {
    pub fn new(s: &SigmaString, cased: bool) -> Self {
        let fold = |l: &str| if cased { l.to_owned() } else { lower(l) };
        let anchor = s.longest_literal().map(lower);
        let kind = match s.pieces() {
            [] => PatternKind::Exact(String::new()),
            [Piece::AnyRun] => PatternKind::Any,
            [Piece::Literal(l)] => PatternKind::Exact(fold(l)),
            [Piece::Literal(l), Piece::AnyRun] => PatternKind::Prefix(fold(l)),
            [Piece::AnyRun, Piece::Literal(l)] => PatternKind::Suffix(fold(l)),
            [Piece::AnyRun, Piece::Literal(l), Piece::AnyRun] => PatternKind::Contains(Box::new(
                memmem::Finder::new(fold(l).as_bytes()).into_owned(),
            )),
            _ => PatternKind::Glob(s.pattern.clone()),
        };
        Self {
            kind,
            cased,
            anchor,
        }
    }

    pub fn anchor(&self) -> Option<&str> {
        self.anchor.as_deref()
    }

    /// `raw` is the value as the event has it, `lowered` its ASCII-lowercased form.
    pub fn matches(&self, raw: &str, lowered: &str) -> bool {
        let text = if self.cased { raw } else { lowered };
        match &self.kind {
            PatternKind::Any => true,
            PatternKind::Exact(l) => text == l,
            PatternKind::Prefix(l) => text.starts_with(l.as_str()),
            PatternKind::Suffix(l) => text.ends_with(l.as_str()),
            PatternKind::Contains(f) => f.find(text.as_bytes()).is_some(),
            PatternKind::Glob(p) => p.matches_case(text, self.cased),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, value: &str) -> bool {
        Pattern::new(&SigmaString::parse(pattern), false).matches(value, &lower(value))
    }

    #[test]
    fn escapes_follow_sigma() {
        // `\*` is an escaped star; a backslash before anything else is itself.
        assert_eq!(
            SigmaString::parse(r"C:\Windows\*.exe").pieces().to_vec(),
            vec![Piece::Literal(r"C:\Windows*.exe".into())]
        );
        assert_eq!(
            SigmaString::parse(r"a\\*").pieces().to_vec(),
            vec![Piece::Literal(r"a\".into()), Piece::AnyRun]
        );
        assert_eq!(
            SigmaString::parse(r"x\?").pieces().to_vec(),
            vec![Piece::Literal("x?".into())]
        );
        assert_eq!(
            SigmaString::parse(r"\Temp\x").pieces().to_vec(),
            vec![Piece::Literal(r"\Temp\x".into())]
        );
    }

    #[test]
    fn shapes_and_case() {
        assert!(m(r"*\cmd.exe", r"C:\Windows\System32\CMD.EXE"));
        assert!(m("powershell*", "PowerShell.exe -nop"));
        assert!(m("*-enc*", "powershell -ENC abc"));
        assert!(m("exact", "EXACT"));
        assert!(!m("exact", "exact "));
        assert!(m("a*b?d*", "aXXbcd"));
        assert!(!m("a*b?d", "aXXbcdz"));
        assert!(m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("*a*a*a*a*b", &"a".repeat(50).add_b()));
        assert!(!Pattern::new(&SigmaString::parse("Foo"), true).matches("foo", "foo"));
        assert!(Pattern::new(&SigmaString::parse("Foo*"), true).matches("Foobar", "foobar"));
    }

    trait AddB {
        fn add_b(self) -> String;
    }
    impl AddB for String {
        fn add_b(mut self) -> String {
            self.push('b');
            self
        }
    }

    #[test]
    fn non_ascii_values() {
        assert!(m("*ü*", "Grüße"));
        assert!(m("gr??e", "grüße"));
        assert!(m("?", "ü"));
    }
}
