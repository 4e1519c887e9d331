//! The part of the STIX 2.1 patterning language an indicator index can express.
//!
//! A pattern becomes a list of values, any one of which indicates: comparisons
//! `path = 'value'` (or `IN (...)`, or `ISSUBSET 'cidr'` on addresses) joined by OR,
//! within one observation (`[a OR b]`) or across observations (`[a] OR [b]`).
//! AND inside one observation is accepted only over the same `file` object when it
//! names a hash (the hash already identifies the file; the other conditions narrow
//! nothing we could check). Everything else (AND or FOLLOWEDBY across observations,
//! NOT, MATCHES, LIKE, ranges, qualifiers such as WITHIN, REPEATS, START/STOP, paths
//! we do not index) is unsupported. Unsupported alternatives of an OR are dropped
//! and counted; the rest still load.

use crate::types::IndicatorType;

/// Deepest nesting of brackets and parentheses accepted (hostile input must not
/// exhaust the stack).
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Term {
    /// An address or CIDR.
    Ip(String),
    Domain(String),
    Url(String),
    Hash(IndicatorType, String),
    Asn(u32),
    /// `network-traffic:dst_ref.value`: an address or a domain.
    Host(String),
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub terms: Vec<Term>,
    /// Alternatives dropped because they were unsupported.
    pub dropped: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// Valid STIX (as far as we read it) that the index cannot express.
    Unsupported(String),
    /// Not a pattern.
    Syntax(String),
}

pub(crate) fn parse(pattern: &str) -> Result<Parsed, PatternError> {
    let tokens = lex(pattern).map_err(PatternError::Syntax)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let node = p.observation_followed()?;
    if p.pos != p.tokens.len() {
        return Err(PatternError::Syntax(format!(
            "unexpected {:?} after the pattern",
            p.tokens[p.pos]
        )));
    }
    let mut parsed = Parsed::default();
    match collect(&node, &mut parsed) {
        Ok(()) if !parsed.terms.is_empty() => Ok(parsed),
        Ok(()) => Err(PatternError::Unsupported("no supported comparison".into())),
        Err(why) => Err(PatternError::Unsupported(why)),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    /// Keyword or object path (quoted path segments keep their quotes).
    Word(String),
    Str(String),
    Num(String),
    /// `t'...'`, `h'...'`, `b'...'`.
    Typed(char, String),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '[' => {
                out.push(Tok::LBrack);
                i += 1;
            }
            ']' => {
                out.push(Tok::RBrack);
                i += 1;
            }
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '\'' => {
                let (text, next) = string_literal(&chars, i)?;
                out.push(Tok::Str(text));
                i = next;
            }
            '=' => {
                out.push(Tok::Op("="));
                i += 1;
            }
            '!' | '<' | '>' => {
                let two = chars.get(i + 1) == Some(&'=');
                out.push(Tok::Op(match (c, two) {
                    ('!', true) => "!=",
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    _ => return Err(format!("stray '{c}'")),
                }));
                i += if two { 2 } else { 1 };
            }
            't' | 'h' | 'b' if chars.get(i + 1) == Some(&'\'') => {
                let (text, next) = string_literal(&chars, i + 1)?;
                out.push(Tok::Typed(c, text));
                i = next;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                out.push(Tok::Num(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() {
                    let d = chars[i];
                    if d.is_ascii_alphanumeric() || matches!(d, '_' | '-' | ':' | '.' | '*') {
                        i += 1;
                    } else if d == '[' {
                        // A list index inside a path: `body_multipart[*]`.
                        let close = chars[i..]
                            .iter()
                            .position(|&x| x == ']')
                            .ok_or("unclosed '[' in an object path")?;
                        i += close + 1;
                    } else if d == '\'' && chars[i - 1] == '.' {
                        // A quoted path segment: `hashes.'SHA-256'`.
                        let (_, next) = string_literal(&chars, i)?;
                        i = next;
                    } else {
                        break;
                    }
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(out)
}

/// A `'...'` literal starting at `chars[start]`; `\'` and `\\` are escapes.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let next = *chars.get(i + 1).ok_or("unterminated string")?;
                text.push(next);
                i += 2;
            }
            '\'' => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err("unterminated string".into())
}

#[derive(Debug)]
enum Node {
    /// One comparison: its object type, and its values or why it is unsupported.
    Leaf {
        object: String,
        terms: Result<Vec<Term>, String>,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    /// A construct that makes this whole sub-expression unsupported.
    Unsupported(String),
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, want: Tok) -> Result<(), PatternError> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            other => Err(PatternError::Syntax(format!(
                "expected {want:?}, found {other:?}"
            ))),
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PatternError::Syntax("nested too deeply".into()));
        }
        Ok(())
    }

    // Observation operators, loosest first: FOLLOWEDBY, OR, AND.
    fn observation_followed(&mut self) -> Result<Node, PatternError> {
        let first = self.observation_or()?;
        if !self.keyword("FOLLOWEDBY") {
            return Ok(first);
        }
        while self.keyword("FOLLOWEDBY") {
            self.pos += 1;
            self.observation_or()?;
        }
        Ok(Node::Unsupported("FOLLOWEDBY between observations".into()))
    }

    fn observation_or(&mut self) -> Result<Node, PatternError> {
        let mut alts = vec![self.observation_and()?];
        while self.keyword("OR") {
            self.pos += 1;
            alts.push(self.observation_and()?);
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Node::Or(alts)
        })
    }

    fn observation_and(&mut self) -> Result<Node, PatternError> {
        let first = self.observation_term()?;
        if !self.keyword("AND") {
            return Ok(first);
        }
        while self.keyword("AND") {
            self.pos += 1;
            self.observation_term()?;
        }
        Ok(Node::Unsupported("AND between observations".into()))
    }

    fn observation_term(&mut self) -> Result<Node, PatternError> {
        self.enter()?;
        let node = match self.next() {
            Some(Tok::LBrack) => {
                let n = self.comparison_or()?;
                self.expect(Tok::RBrack)?;
                n
            }
            Some(Tok::LParen) => {
                let n = self.observation_followed()?;
                self.expect(Tok::RParen)?;
                n
            }
            other => {
                return Err(PatternError::Syntax(format!(
                    "expected '[' or '(', found {other:?}"
                )))
            }
        };
        self.depth -= 1;
        // Qualifiers bind to the observation before them.
        if self.keyword("WITHIN") || self.keyword("REPEATS") || self.keyword("START") {
            while let Some(Tok::Word(w)) = self.peek() {
                let w = w.to_ascii_uppercase();
                if !matches!(
                    w.as_str(),
                    "WITHIN" | "REPEATS" | "START" | "STOP" | "SECONDS" | "TIMES"
                ) {
                    break;
                }
                self.pos += 1;
                if matches!(self.peek(), Some(Tok::Num(_)) | Some(Tok::Typed(..))) {
                    self.pos += 1;
                }
            }
            return Ok(Node::Unsupported("temporal qualifier".into()));
        }
        Ok(node)
    }

    fn comparison_or(&mut self) -> Result<Node, PatternError> {
        let mut alts = vec![self.comparison_and()?];
        while self.keyword("OR") {
            self.pos += 1;
            alts.push(self.comparison_and()?);
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Node::Or(alts)
        })
    }

    fn comparison_and(&mut self) -> Result<Node, PatternError> {
        let mut all = vec![self.comparison_term()?];
        while self.keyword("AND") {
            self.pos += 1;
            all.push(self.comparison_term()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Node::And(all)
        })
    }

    fn comparison_term(&mut self) -> Result<Node, PatternError> {
        if self.peek() == Some(&Tok::LParen) {
            self.enter()?;
            self.pos += 1;
            let n = self.comparison_or()?;
            self.expect(Tok::RParen)?;
            self.depth -= 1;
            return Ok(n);
        }
        if self.keyword("EXISTS") {
            self.pos += 1;
            let path = self.path()?;
            return Ok(Node::Leaf {
                object: object_of(&path),
                terms: Err("EXISTS".into()),
            });
        }
        let path = self.path()?;
        let object = object_of(&path);
        let negated = self.keyword("NOT");
        if negated {
            self.pos += 1;
        }
        let op = match self.next() {
            Some(Tok::Op(op)) => op.to_owned(),
            Some(Tok::Word(w)) => w.to_ascii_uppercase(),
            other => {
                return Err(PatternError::Syntax(format!(
                    "expected an operator, found {other:?}"
                )))
            }
        };
        let values = self.values(&op)?;
        let terms = if negated {
            Err("NOT".to_owned())
        } else {
            terms_for(&path, &op, &values)
        };
        Ok(Node::Leaf { object, terms })
    }

    fn path(&mut self) -> Result<String, PatternError> {
        match self.next() {
            Some(Tok::Word(w)) if w.contains(':') => Ok(w),
            other => Err(PatternError::Syntax(format!(
                "expected an object path, found {other:?}"
            ))),
        }
    }

    /// The right-hand side: one literal, or a parenthesised list for IN.
    fn values(&mut self, op: &str) -> Result<Vec<Tok>, PatternError> {
        if op == "IN" {
            self.expect(Tok::LParen)?;
            let mut out = Vec::new();
            loop {
                match self.next() {
                    Some(t @ (Tok::Str(_) | Tok::Num(_) | Tok::Typed(..) | Tok::Word(_))) => {
                        out.push(t)
                    }
                    other => {
                        return Err(PatternError::Syntax(format!("bad IN list item {other:?}")))
                    }
                }
                match self.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RParen) => return Ok(out),
                    other => return Err(PatternError::Syntax(format!("bad IN list: {other:?}"))),
                }
            }
        }
        match self.next() {
            Some(t @ (Tok::Str(_) | Tok::Num(_) | Tok::Typed(..))) => Ok(vec![t]),
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") =>
            {
                Ok(vec![Tok::Word(w)])
            }
            other => Err(PatternError::Syntax(format!(
                "expected a value, found {other:?}"
            ))),
        }
    }
}

fn object_of(path: &str) -> String {
    path.split(':').next().unwrap_or("").to_ascii_lowercase()
}

/// The values a supported comparison names.
fn terms_for(path: &str, op: &str, values: &[Tok]) -> Result<Vec<Term>, String> {
    let (object, property) = path.split_once(':').unwrap_or((path, ""));
    let property = property.replace('\'', "");
    let strings = || -> Result<Vec<String>, String> {
        values
            .iter()
            .map(|v| match v {
                Tok::Str(s) => Ok(s.clone()),
                other => Err(format!("{path}: non-string value {other:?}")),
            })
            .collect()
    };
    let equality = op == "=" || op == "IN";
    match (object.to_ascii_lowercase().as_str(), property.as_str()) {
        ("ipv4-addr" | "ipv6-addr", "value") if equality || op == "ISSUBSET" => {
            Ok(strings()?.into_iter().map(Term::Ip).collect())
        }
        ("domain-name", "value") if equality => {
            Ok(strings()?.into_iter().map(Term::Domain).collect())
        }
        ("url", "value") if equality => Ok(strings()?.into_iter().map(Term::Url).collect()),
        ("network-traffic", "dst_ref.value" | "src_ref.value") if equality => {
            Ok(strings()?.into_iter().map(Term::Host).collect())
        }
        ("file" | "artifact", p) if equality && p.starts_with("hashes.") => {
            let alg = p["hashes.".len()..]
                .to_ascii_uppercase()
                .replace(['-', '_'], "");
            let kind = match alg.as_str() {
                "MD5" => IndicatorType::Md5,
                "SHA1" => IndicatorType::Sha1,
                "SHA256" => IndicatorType::Sha256,
                other => return Err(format!("hash algorithm {other} is not indexed")),
            };
            Ok(strings()?
                .into_iter()
                .map(|s| Term::Hash(kind, s))
                .collect())
        }
        ("autonomous-system", "number") if equality => values
            .iter()
            .map(|v| match v {
                Tok::Num(n) => n
                    .parse()
                    .map(Term::Asn)
                    .map_err(|_| format!("bad AS number {n}")),
                other => Err(format!("bad AS number {other:?}")),
            })
            .collect(),
        _ if !equality => Err(format!("operator {op} on {path}")),
        _ => Err(format!("{path} is not indexed")),
    }
}

fn collect(node: &Node, out: &mut Parsed) -> Result<(), String> {
    match node {
        Node::Leaf { terms, .. } => match terms {
            Ok(t) => {
                out.terms.extend(t.iter().cloned());
                Ok(())
            }
            Err(why) => Err(why.clone()),
        },
        Node::Unsupported(why) => Err(why.clone()),
        Node::Or(alts) => {
            let mut first_err = None;
            let mut any = false;
            for alt in alts {
                let mut sub = Parsed::default();
                match collect(alt, &mut sub) {
                    Ok(()) => {
                        any = true;
                        out.terms.extend(sub.terms);
                        out.dropped += sub.dropped;
                    }
                    Err(why) => {
                        out.dropped += 1;
                        first_err.get_or_insert(why);
                    }
                }
            }
            match (any, first_err) {
                (false, Some(why)) => Err(why),
                _ => Ok(()),
            }
        }
        Node::And(all) => {
            let same_file = all
                .iter()
                .all(|n| matches!(n, Node::Leaf { object, .. } if object == "file"));
            let hashes: Vec<Term> = all
                .iter()
                .filter_map(|n| match n {
                    Node::Leaf { terms: Ok(t), .. } => Some(t),
                    _ => None,
                })
                .flatten()
                .filter(|t| matches!(t, Term::Hash(..)))
                .cloned()
                .collect();
            if same_file && !hashes.is_empty() {
                out.terms.extend(hashes);
                Ok(())
            } else {
                Err("AND of comparisons".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(p: &str) -> Vec<Term> {
        parse(p).unwrap_or_else(|e| panic!("{p}: {e:?}")).terms
    }

    fn unsupported(p: &str) -> bool {
        matches!(parse(p), Err(PatternError::Unsupported(_)))
    }

    #[test]
    fn simple_and_or_patterns() {
        assert_eq!(
            terms("[ipv4-addr:value = '1.2.3.4']"),
            [Term::Ip("1.2.3.4".into())]
        );
        assert_eq!(
            terms("[ ipv4-addr:value = '10.0.0.0' ]"),
            [Term::Ip("10.0.0.0".into())]
        );
        assert_eq!(
            terms("[file:hashes.'SHA-256' = 'ab' OR file:hashes.MD5 = 'cd']"),
            [
                Term::Hash(IndicatorType::Sha256, "ab".into()),
                Term::Hash(IndicatorType::Md5, "cd".into())
            ]
        );
        assert_eq!(
            terms("[domain-name:value = 'x.com'] OR ([url:value = 'http://y/\\'q'])"),
            [
                Term::Domain("x.com".into()),
                Term::Url("http://y/'q".into())
            ]
        );
        assert_eq!(
            terms("[ipv4-addr:value IN ('1.1.1.1', '2.2.2.2')]"),
            [Term::Ip("1.1.1.1".into()), Term::Ip("2.2.2.2".into())]
        );
        assert_eq!(
            terms("[ipv4-addr:value ISSUBSET '10.0.0.0/8']"),
            [Term::Ip("10.0.0.0/8".into())]
        );
        assert_eq!(
            terms("[autonomous-system:number = 64500]"),
            [Term::Asn(64500)]
        );
        assert_eq!(
            terms("[network-traffic:dst_ref.value = 'c2.example']"),
            [Term::Host("c2.example".into())]
        );
    }

    #[test]
    fn and_over_one_file_keeps_its_hashes() {
        assert_eq!(
            terms("[file:name = 'a.exe' AND file:hashes.'SHA-1' = 'aa']"),
            [Term::Hash(IndicatorType::Sha1, "aa".into())]
        );
        assert!(unsupported("[file:name = 'a.exe' AND file:size = 3]"));
        assert!(unsupported(
            "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c']"
        ));
        assert!(unsupported(
            "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x.com']"
        ));
    }

    #[test]
    fn unsupported_constructs() {
        assert!(unsupported(
            "[email-message:subject MATCHES '^[IMPORTANT] Please']"
        ));
        assert!(unsupported(
            "[email-message:body_multipart[*].body_raw_ref.name MATCHES '^F.+\\\\.exe$']"
        ));
        assert!(unsupported(
            "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.com']"
        ));
        assert!(unsupported(
            "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'x.com']"
        ));
        assert!(unsupported(
            "[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS"
        ));
        assert!(unsupported("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES"));
        assert!(unsupported(
            "[ipv4-addr:value = '1.2.3.4'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'"
        ));
        assert!(unsupported("[ipv4-addr:value NOT = '1.2.3.4']"));
        assert!(unsupported("[file:name = 'CBricksDoc']"));
        assert!(unsupported("[file:hashes.'SHA-512' = 'aa']"));
    }

    #[test]
    fn partial_or_drops_the_unsupported_part() {
        let p = parse("[domain-name:value = 'x.com' OR email-addr:value = 'a@b.c'] OR [ipv4-addr:value = '1.2.3.4'] AND [url:value = 'http://z/']").unwrap();
        assert_eq!(p.terms, [Term::Domain("x.com".into())]);
        assert_eq!(p.dropped, 2);
    }

    #[test]
    fn garbage_is_a_syntax_error() {
        for p in [
            "",
            "[",
            "]",
            "ipv4-addr:value = '1'",
            "[ipv4-addr:value = '1.2.3.4'",
            "[ipv4-addr:value = '1.2.3.4]",
            "[ipv4-addr:value '1.2.3.4']",
            "[ipv4-addr:value = ]",
            "[ipv4-addr:value IN ('a' 'b')]",
            "[a:b = 'c'] extra",
            "[a:b = 'c'] OR",
            "#",
        ] {
            assert!(
                matches!(parse(p), Err(PatternError::Syntax(_))),
                "{p:?}: {:?}",
                parse(p)
            );
        }
        let deep = format!("{}[a:b = 'c']{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).is_err());
    }
}
