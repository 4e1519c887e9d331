//! Sigma string values: wildcards, escapes, and how one compares against a field value.
//!
//! Sigma compares strings case-insensitively unless `|cased` is given. Like pySigma's
//! SQL backends we fold ASCII case only, so the event side can be lowered once per
//! event and every pattern compares against the same lowered text.

use memchr::memmem;

/// One piece of a parsed Sigma string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    /// `*`: any run of characters, empty included.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A Sigma string split into literals and wildcards, escapes resolved.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SigmaString {
    pub pieces: Vec<Piece>,
}

impl SigmaString {
    /// Parses Sigma's escaping: `\*`, `\?` and `\\` are literal; any other backslash is
    /// itself (Windows paths are written with single backslashes).
    pub fn parse(s: &str) -> Self {
        let mut out = Self::default();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push_char(next);
                    }
                    _ => out.push_char('\\'),
                },
                '*' => out.pieces.push(Piece::Star),
                '?' => out.pieces.push(Piece::One),
                other => out.push_char(other),
            }
        }
        out
    }

    /// A string taken literally (no wildcards), e.g. the output of an encoding modifier.
    pub fn literal(s: &str) -> Self {
        let mut out = Self::default();
        if !s.is_empty() {
            out.pieces.push(Piece::Literal(s.to_owned()));
        }
        out
    }

    fn push_char(&mut self, c: char) {
        if let Some(Piece::Literal(lit)) = self.pieces.last_mut() {
            lit.push(c);
        } else {
            self.pieces.push(Piece::Literal(c.to_string()));
        }
    }

    pub fn has_wildcards(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Literal(_)))
    }

    /// The text with wildcards dropped: what encoding modifiers work on.
    pub fn plain(&self) -> String {
        let mut s = String::new();
        for p in &self.pieces {
            if let Piece::Literal(l) = p {
                s.push_str(l);
            }
        }
        s
    }

    pub fn prepend_star(&mut self) {
        if self.pieces.first() != Some(&Piece::Star) {
            self.pieces.insert(0, Piece::Star);
        }
    }

    pub fn append_star(&mut self) {
        if self.pieces.last() != Some(&Piece::Star) {
            self.pieces.push(Piece::Star);
        }
    }

    /// The longest literal run: a string any matching value must contain.
    pub fn longest_literal(&self) -> Option<&str> {
        self.pieces
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
    /// Anything with inner wildcards.
    Glob(Vec<Piece>),
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
        let kind = match s.pieces.as_slice() {
            [] => PatternKind::Exact(String::new()),
            [Piece::Star] => PatternKind::Any,
            [Piece::Literal(l)] => PatternKind::Exact(fold(l)),
            [Piece::Literal(l), Piece::Star] => PatternKind::Prefix(fold(l)),
            [Piece::Star, Piece::Literal(l)] => PatternKind::Suffix(fold(l)),
            [Piece::Star, Piece::Literal(l), Piece::Star] => PatternKind::Contains(Box::new(
                memmem::Finder::new(fold(l).as_bytes()).into_owned(),
            )),
            pieces => PatternKind::Glob(
                pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Literal(l) => Piece::Literal(fold(l)),
                        other => other.clone(),
                    })
                    .collect(),
            ),
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
            PatternKind::Glob(pieces) => glob_match(pieces, text),
        }
    }
}

/// Iterative wildcard match with single-star backtracking: linear in practice, and
/// never recursive, so hostile values cannot blow the stack.
fn glob_match(pieces: &[Piece], text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    // Where to resume after the last star: (piece after the star, text position).
    let mut resume: Option<(usize, usize)> = None;
    loop {
        if p < pieces.len() {
            match &pieces[p] {
                Piece::Star => {
                    resume = Some((p + 1, t));
                    p += 1;
                    continue;
                }
                Piece::One if t < chars.len() => {
                    p += 1;
                    t += 1;
                    continue;
                }
                Piece::Literal(l) => {
                    let n = l.chars().count();
                    if t + n <= chars.len() && chars[t..t + n].iter().copied().eq(l.chars()) {
                        p += 1;
                        t += n;
                        continue;
                    }
                }
                Piece::One => {}
            }
        } else if t == chars.len() {
            return true;
        }
        match resume {
            Some((rp, rt)) if rt < chars.len() => {
                resume = Some((rp, rt + 1));
                p = rp;
                t = rt + 1;
            }
            _ => return false,
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
            SigmaString::parse(r"C:\Windows\*.exe").pieces,
            vec![Piece::Literal(r"C:\Windows*.exe".into())]
        );
        assert_eq!(
            SigmaString::parse(r"a\\*").pieces,
            vec![Piece::Literal(r"a\".into()), Piece::Star]
        );
        assert_eq!(
            SigmaString::parse(r"x\?").pieces,
            vec![Piece::Literal("x?".into())]
        );
        assert_eq!(
            SigmaString::parse(r"\Temp\x").pieces,
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
