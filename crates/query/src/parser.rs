//! A hand-written recursive-descent parser over the input's characters.
//!
//! Positions in errors are 0-based character (not byte) offsets. Recursion depth is
//! bounded by [`MAX_DEPTH`] and the input by [`MAX_QUERY_BYTES`], so no input can
//! overflow the stack.

use crate::ast::{is_special, FieldQuery, Predicate, Query};
use crate::scalar::{Scalar, ValueContext};
use crate::text::text_query_tokens;
use crate::wildcard::{WildcardPart, WildcardPattern};
use crate::QueryError;
use std::net::IpAddr;
use std::ops::Bound;

/// Longest accepted query, in bytes of UTF-8.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// Deepest accepted nesting of parentheses, groups and `NOT`s.
pub const MAX_DEPTH: usize = 64;

/// Parses a query string. See the crate documentation for the language.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    if input.len() > MAX_QUERY_BYTES {
        let position = input
            .char_indices()
            .take_while(|(i, _)| *i < MAX_QUERY_BYTES)
            .count();
        return Err(QueryError::new(
            position,
            format!(
                "query is too long ({} bytes; the limit is {MAX_QUERY_BYTES})",
                input.len()
            ),
        ));
    }
    let mut p = Parser {
        chars: input.chars().collect(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.at_end() {
        return Ok(Query::All);
    }
    let query = p.parse_or(Ctx::Top)?;
    p.skip_ws();
    if !p.at_end() {
        // parse_or stops only at the end or at a ')' it has no '(' for.
        return Err(p.error("unexpected ')' without a matching '('"));
    }
    Ok(query)
}

#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// Top level: terms are `field:value`, words and phrases.
    Top,
    /// Inside `field:( ... )`: terms are values of that field.
    Group(&'a str),
}

/// What comes next, at a place where a term or an operator may stand.
#[derive(Clone, Copy)]
enum Tok {
    End,
    Open,
    Close,
    /// `AND` or `&&`, with its length.
    And(usize),
    /// `OR` or `||`.
    Or(usize),
    /// `NOT`, `!` or `-`.
    Not(usize),
    Term,
}

/// A scanned bare value: its text (escapes resolved) and the same as a pattern.
struct Bare {
    text: String,
    pattern: WildcardPattern,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> QueryError {
        QueryError::new(self.pos, message)
    }

    fn error_at(&self, position: usize, message: impl Into<String>) -> QueryError {
        QueryError::new(position, message)
    }

    fn text(&self, from: usize, len: usize) -> String {
        self.chars[from..(from + len).min(self.chars.len())]
            .iter()
            .collect()
    }

    /// Where a keyword or a bare token may end.
    fn is_boundary(c: Option<char>) -> bool {
        match c {
            None => true,
            Some(c) => c.is_whitespace() || matches!(c, '(' | ')' | '"'),
        }
    }

    fn keyword_at(&self, kw: &str) -> bool {
        let n = kw.chars().count();
        kw.chars()
            .enumerate()
            .all(|(i, k)| self.peek_at(i) == Some(k))
            && Self::is_boundary(self.peek_at(n))
    }

    fn peek_tok(&self) -> Tok {
        let Some(c) = self.peek() else {
            return Tok::End;
        };
        match c {
            '(' => Tok::Open,
            ')' => Tok::Close,
            '&' if self.peek_at(1) == Some('&') => Tok::And(2),
            '|' if self.peek_at(1) == Some('|') => Tok::Or(2),
            '!' | '-' => Tok::Not(1),
            _ if self.keyword_at("AND") => Tok::And(3),
            _ if self.keyword_at("OR") => Tok::Or(2),
            _ if self.keyword_at("NOT") => Tok::Not(3),
            _ => Tok::Term,
        }
    }

    /// Enters one level of nesting.
    fn enter(&mut self, at: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                at,
                format!("query is nested too deeply (the limit is {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self, ctx: Ctx<'_>) -> Result<Query, QueryError> {
        let mut items = vec![self.parse_and(ctx, None)?];
        loop {
            self.skip_ws();
            match self.peek_tok() {
                Tok::Or(len) => {
                    let op = self.text(self.pos, len);
                    self.pos += len;
                    self.skip_ws();
                    items.push(self.parse_and(ctx, Some(&op))?);
                }
                _ => return Ok(Query::or(items)),
            }
        }
    }

    fn parse_and(&mut self, ctx: Ctx<'_>, after: Option<&str>) -> Result<Query, QueryError> {
        let mut items = vec![self.parse_unary(ctx, after)?];
        loop {
            self.skip_ws();
            match self.peek_tok() {
                Tok::And(len) => {
                    let op = self.text(self.pos, len);
                    self.pos += len;
                    self.skip_ws();
                    items.push(self.parse_unary(ctx, Some(&op))?);
                }
                // Adjacent terms: implicit AND.
                Tok::Not(_) | Tok::Open | Tok::Term => items.push(self.parse_unary(ctx, None)?),
                Tok::Or(_) | Tok::Close | Tok::End => return Ok(Query::and(items)),
            }
        }
    }

    /// `after` names the operator just read, for messages.
    fn parse_unary(&mut self, ctx: Ctx<'_>, after: Option<&str>) -> Result<Query, QueryError> {
        let start = self.pos;
        let expected = match after {
            Some(op) => format!("expected a term after '{op}'"),
            None => "expected a term".to_owned(),
        };
        match self.peek_tok() {
            Tok::Not(len) => {
                let op = self.text(start, len);
                self.pos += len;
                if len == 1 && (self.at_end() || self.peek().is_some_and(char::is_whitespace)) {
                    return Err(self.error(format!(
                        "expected a term right after '{op}' (no space between)"
                    )));
                }
                self.enter(start)?;
                self.skip_ws();
                let inner = self.parse_unary(ctx, Some(&op))?;
                self.depth -= 1;
                Ok(Query::Not(Box::new(inner)))
            }
            Tok::Open => self.parse_parens(ctx),
            Tok::Term => self.parse_term(ctx),
            Tok::End => Err(self.error(expected)),
            Tok::Close if after.is_some() => Err(self.error(format!("{expected}, found ')'"))),
            Tok::Close => Err(self.error("unexpected ')'")),
            Tok::And(len) | Tok::Or(len) => {
                let op = self.text(start, len);
                Err(self.error(match after {
                    Some(_) => format!("{expected}, found '{op}'"),
                    None => format!("unexpected '{op}': an operator needs a term before it"),
                }))
            }
        }
    }

    /// `( ... )` at the current position.
    fn parse_parens(&mut self, ctx: Ctx<'_>) -> Result<Query, QueryError> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(')') {
            return Err(self.error("empty parentheses"));
        }
        let inner = self.parse_or(ctx)?;
        self.skip_ws();
        if self.peek() != Some(')') {
            return Err(self.error(format!("expected ')' to close the '(' at position {open}")));
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(inner)
    }

    fn parse_term(&mut self, ctx: Ctx<'_>) -> Result<Query, QueryError> {
        match ctx {
            Ctx::Group(field) => self.parse_value(field),
            Ctx::Top => {
                if self.peek() == Some('"') {
                    return self.parse_phrase();
                }
                match self.scan_field()? {
                    Some(field) => self.parse_field_value(&field),
                    None => self.parse_word(),
                }
            }
        }
    }

    /// `name:` at the current position: returns the name and moves past the colon, or
    /// returns `None` and stays put.
    fn scan_field(&mut self) -> Result<Option<String>, QueryError> {
        let start = self.pos;
        let len = self.chars[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '.' | '-'))
            .count();
        if len == 0 || self.peek_at(len) != Some(':') {
            return Ok(None);
        }
        let name = self.text(start, len);
        if name.split('.').any(str::is_empty) {
            return Err(self.error_at(
                start,
                format!("invalid field name '{name}': empty path segment"),
            ));
        }
        self.pos += len + 1;
        Ok(Some(name))
    }

    /// After `field:`.
    fn parse_field_value(&mut self, field: &str) -> Result<Query, QueryError> {
        match self.peek() {
            None | Some(')') => Err(self.error(format!("expected a value after '{field}:'"))),
            Some(c) if c.is_whitespace() => Err(self.error(format!(
                "expected a value after '{field}:' (no space between)"
            ))),
            Some('(') => {
                let open = self.pos;
                self.enter(open)?;
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(')') {
                    return Err(self.error(format!("empty value group for '{field}'")));
                }
                let inner = self.parse_or(Ctx::Group(field))?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(
                        self.error(format!("expected ')' to close the '(' at position {open}"))
                    );
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(_) => self.parse_value(field),
        }
    }

    /// One value of `field` (after `field:`, or inside a value group).
    fn parse_value(&mut self, field: &str) -> Result<Query, QueryError> {
        let start = self.pos;
        let predicate = match self.peek() {
            Some('[' | '{') => self.parse_range()?,
            Some('>' | '<') => self.parse_comparison()?,
            Some('"') => {
                let text = self.parse_quoted(false)?;
                equality(text, true, start)?
            }
            _ => {
                let bare = self.scan_bare(false)?;
                if bare.pattern.is_match_all() {
                    Predicate::Exists
                } else if bare.pattern.has_wildcards() {
                    Predicate::Wildcard(bare.pattern)
                } else {
                    equality(bare.text, false, start)?
                }
            }
        };
        Ok(Query::Field(FieldQuery {
            field: field.to_owned(),
            predicate,
        }))
    }

    /// `>x`, `>=x`, `<x`, `<=x`.
    fn parse_comparison(&mut self) -> Result<Predicate, QueryError> {
        let greater = self.peek() == Some('>');
        let inclusive = self.peek_at(1) == Some('=');
        let op = match (greater, inclusive) {
            (true, true) => ">=",
            (true, false) => ">",
            (false, true) => "<=",
            (false, false) => "<",
        };
        self.pos += op.len();
        let value = match self.peek() {
            None | Some(')') => return Err(self.error(format!("expected a value after '{op}'"))),
            Some(c) if c.is_whitespace() => {
                return Err(self.error(format!("expected a value after '{op}' (no space between)")))
            }
            Some('"') => Scalar::Str(self.parse_quoted(false)?),
            Some(_) => {
                let start = self.pos;
                let bare = self.scan_bare(false)?;
                if bare.pattern.has_wildcards() {
                    return Err(self.error_at(start, "wildcards cannot be compared"));
                }
                Scalar::from_bare(&bare.text, ValueContext::Comparison)
            }
        };
        let bound = if inclusive {
            Bound::Included(value)
        } else {
            Bound::Excluded(value)
        };
        Ok(if greater {
            Predicate::Range {
                lower: bound,
                upper: Bound::Unbounded,
            }
        } else {
            Predicate::Range {
                lower: Bound::Unbounded,
                upper: bound,
            }
        })
    }

    /// `[a TO b]`, `{a TO b}` and the mixed forms; `*` for an open end.
    fn parse_range(&mut self) -> Result<Predicate, QueryError> {
        let open = self.pos;
        let lower_inclusive = self.peek() == Some('[');
        self.pos += 1;
        self.skip_ws();
        let lower = self.parse_bound()?;
        if !self.peek().is_some_and(char::is_whitespace) {
            return Err(self.error("expected ' TO ' after the range's first bound"));
        }
        self.skip_ws();
        if !(self.peek() == Some('T')
            && self.peek_at(1) == Some('O')
            && self
                .peek_at(2)
                .is_none_or(|c| c.is_whitespace() || matches!(c, ']' | '}')))
        {
            return Err(self.error("expected 'TO' between the range bounds"));
        }
        self.pos += 2;
        self.skip_ws();
        let upper = self.parse_bound()?;
        self.skip_ws();
        let upper_inclusive = match self.peek() {
            Some(']') => true,
            Some('}') => false,
            _ => {
                return Err(self.error(format!(
                    "expected ']' or '}}' to close the range opened at position {open}"
                )))
            }
        };
        self.pos += 1;
        self.expect_value_end()?;
        if let (Some(a), Some(b)) = (&lower, &upper) {
            let numeric = |s: &Scalar| matches!(s, Scalar::Int(_) | Scalar::Float(_));
            let same = (numeric(a) && numeric(b))
                || std::mem::discriminant(a) == std::mem::discriminant(b);
            if !same {
                return Err(self.error_at(
                    open,
                    format!(
                        "range bounds have different types ({} and {}); quote both to \
                         compare as text",
                        a.kind_name(),
                        b.kind_name()
                    ),
                ));
            }
        }
        let bound = |value: Option<Scalar>, inclusive: bool| match value {
            None => Bound::Unbounded,
            Some(v) if inclusive => Bound::Included(v),
            Some(v) => Bound::Excluded(v),
        };
        let (lower, upper) = (bound(lower, lower_inclusive), bound(upper, upper_inclusive));
        Ok(match (&lower, &upper) {
            (Bound::Unbounded, Bound::Unbounded) => Predicate::Exists,
            _ => Predicate::Range { lower, upper },
        })
    }

    /// One range bound; `None` for `*`.
    fn parse_bound(&mut self) -> Result<Option<Scalar>, QueryError> {
        let start = self.pos;
        match self.peek() {
            None | Some(']' | '}') => Err(self.error("expected a range bound")),
            Some('*')
                if self
                    .peek_at(1)
                    .is_none_or(|c| c.is_whitespace() || matches!(c, ']' | '}')) =>
            {
                self.pos += 1;
                Ok(None)
            }
            Some('"') => Ok(Some(Scalar::Str(self.parse_quoted(true)?))),
            Some(_) => {
                let bare = self.scan_bare(true)?;
                if bare.pattern.has_wildcards() {
                    return Err(self.error_at(start, "wildcards are not allowed in a range"));
                }
                Ok(Some(Scalar::from_bare(
                    &bare.text,
                    ValueContext::Comparison,
                )))
            }
        }
    }

    /// A quoted string at the current position; `\"` and `\\` are escapes, any other
    /// backslash is literal.
    fn parse_quoted(&mut self, in_range: bool) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(
                        self.error_at(open, "unterminated quoted string (missing closing '\"')")
                    )
                }
                Some('\\') if matches!(self.peek_at(1), Some('"' | '\\')) => {
                    text.extend(self.peek_at(1));
                    self.pos += 2;
                }
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        if in_range {
            if !matches!(self.peek(), Some(']' | '}')) && !Self::is_boundary(self.peek()) {
                return Err(self.error("expected a space after the closing quote"));
            }
        } else {
            self.expect_value_end()?;
        }
        Ok(text)
    }

    /// After a quoted value or a range: the term must end here.
    fn expect_value_end(&self) -> Result<(), QueryError> {
        match self.peek() {
            None | Some(')') => Ok(()),
            Some(c) if c.is_whitespace() => Ok(()),
            Some(c) => Err(self.error(format!(
                "unexpected '{c}' right after the value; add a space"
            ))),
        }
    }

    /// A bare value or word: up to whitespace or ')' (and ']' / '}' in a range).
    /// `\` escapes a following special character; before anything else it is literal.
    fn scan_bare(&mut self, in_range: bool) -> Result<Bare, QueryError> {
        let start = self.pos;
        let mut text = String::new();
        let mut pattern = WildcardPattern::default();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ')' || (in_range && matches!(c, ']' | '}')) {
                break;
            }
            match c {
                '(' | '"' => {
                    return Err(self.error(format!(
                        "unexpected '{c}' inside a value; put the value in double quotes or \
                         escape it as '\\{c}'"
                    )))
                }
                '\\' => match self.peek_at(1) {
                    Some(next) if is_special(next) => {
                        text.push(next);
                        pattern.push_char(next);
                        self.pos += 2;
                        continue;
                    }
                    _ => {
                        text.push(c);
                        pattern.push_char(c);
                    }
                },
                '*' => {
                    text.push(c);
                    pattern.push(WildcardPart::AnyRun);
                }
                '?' => {
                    text.push(c);
                    pattern.push(WildcardPart::AnyChar);
                }
                _ => {
                    text.push(c);
                    pattern.push_char(c);
                }
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("expected a value"));
        }
        Ok(Bare { text, pattern })
    }

    /// A quoted phrase at top level: full-text search.
    fn parse_phrase(&mut self) -> Result<Query, QueryError> {
        let start = self.pos;
        let text = self.parse_quoted(false)?;
        text_query_tokens(&text, false)
            .map(Query::Text)
            .ok_or_else(|| {
                self.error_at(
                    start,
                    "the quoted text has no letters or digits to search for; to match a \
                     field's exact value use field:\"...\"",
                )
            })
    }

    /// A bare word at top level: full-text search, or `*` for everything.
    fn parse_word(&mut self) -> Result<Query, QueryError> {
        let start = self.pos;
        let bare = self.scan_bare(false)?;
        if bare.pattern.is_match_all() {
            return Ok(Query::All);
        }
        let parts = bare.pattern.parts();
        let (stem, prefix) = match parts {
            [WildcardPart::Literal(stem)] => (stem.as_str(), false),
            [WildcardPart::Literal(stem), WildcardPart::AnyRun] => (stem.as_str(), true),
            _ => {
                return Err(self.error_at(
                    start,
                    format!(
                        "'{}': full-text search allows '*' only at the end of a word \
                         (prefix search); use field:pattern for other wildcards",
                        bare.text
                    ),
                ))
            }
        };
        match text_query_tokens(stem, prefix) {
            Some(t) => Ok(Query::Text(t)),
            None if prefix && crate::tokenize_text(stem).next().is_some() => Err(self.error_at(
                start,
                format!(
                    "'{}': prefix search ('*') works on a single word, and this is several",
                    bare.text
                ),
            )),
            None => Err(self.error_at(
                start,
                format!(
                    "'{}' has no letters or digits to search for; to match a field's exact \
                     value use field:\"...\"",
                    bare.text
                ),
            )),
        }
    }
}

/// `field:value` for a plain value: a network when it looks like one (quoted or not),
/// else equality; quoted values are always strings.
fn equality(text: String, quoted: bool, start: usize) -> Result<Predicate, QueryError> {
    if let Some((addr, prefix)) = text.split_once('/') {
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let net = prefix
                .parse::<u8>()
                .ok()
                .filter(|_| prefix.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|len| ipnet::IpNet::new(ip, len).ok());
            return match net {
                Some(net) => Ok(Predicate::Cidr(net.trunc())),
                None => Err(QueryError::new(
                    start,
                    format!(
                        "invalid network '{text}': the prefix length must be a number from 0 \
                         to {max}"
                    ),
                )),
            };
        }
    }
    Ok(Predicate::Equals(if quoted {
        Scalar::Str(text)
    } else {
        Scalar::from_bare(&text, ValueContext::Equality)
    }))
}
