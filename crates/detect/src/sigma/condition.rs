//! Sigma's condition language: `selection and not 1 of filter_*`.
//!
//! Parsed into a tree over search-identifier *names*; the rule compiler resolves the
//! names (and the `x of pattern` quantifiers) against the rule's detections.

use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    Ident(String),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `1 of sel_*`, `all of them`, `2 of x*`. `pattern` is `None` for `them`.
    Of {
        quantity: Quantity,
        pattern: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    All,
    AtLeast(usize),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConditionError {
    #[error("condition is empty")]
    Empty,
    #[error("at {position}: {message}")]
    Syntax { position: usize, message: String },
    #[error(
        "aggregation `| {0}` (Sigma v1 count()/near) is not supported; use a correlation rule"
    )]
    Aggregation(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    LParen,
    RParen,
    Pipe,
}

fn tokenize(input: &str) -> Vec<(usize, Token)> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push((i, Token::LParen));
            }
            ')' => {
                chars.next();
                out.push((i, Token::RParen));
            }
            '|' => {
                chars.next();
                out.push((i, Token::Pipe));
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '|') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push((i, Token::Word(word)));
            }
        }
    }
    out
}

/// Nesting deeper than this is refused: conditions come from files we do not control.
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
    depth: usize,
}

pub fn parse(input: &str) -> Result<Condition, ConditionError> {
    let tokens = tokenize(input);
    if tokens.is_empty() {
        return Err(ConditionError::Empty);
    }
    if let Some(i) = tokens.iter().position(|(_, t)| *t == Token::Pipe) {
        let offset = tokens[i].0;
        return Err(ConditionError::Aggregation(
            input[offset + 1..].trim().to_owned(),
        ));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        end: input.len(),
        depth: 0,
    };
    let cond = p.or()?;
    if p.pos < p.tokens.len() {
        return Err(p.error("unexpected token after the end of the condition"));
    }
    Ok(cond)
}

impl Parser {
    fn error(&self, message: &str) -> ConditionError {
        let position = self.tokens.get(self.pos).map_or(self.end, |(i, _)| *i);
        ConditionError::Syntax {
            position,
            message: message.to_owned(),
        }
    }

    fn peek_word(&self) -> Option<&str> {
        match self.tokens.get(self.pos) {
            Some((_, Token::Word(w))) => Some(w.as_str()),
            _ => None,
        }
    }

    fn keyword(&self, kw: &str) -> bool {
        self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Condition::Or(items)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut items = vec![self.not()?];
        while self.keyword("and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Condition::And(items)
        })
    }

    fn not(&mut self) -> Result<Condition, ConditionError> {
        if self.keyword("not") {
            self.pos += 1;
            self.descend()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn descend(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("condition nested too deeply"));
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<Condition, ConditionError> {
        match self.tokens.get(self.pos).cloned() {
            Some((_, Token::LParen)) => {
                self.pos += 1;
                self.descend()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.tokens.get(self.pos) {
                    Some((_, Token::RParen)) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(self.error("expected `)`")),
                }
            }
            Some((_, Token::Word(w))) => {
                let lw = w.to_ascii_lowercase();
                if matches!(lw.as_str(), "and" | "or") {
                    return Err(self.error("expected a search identifier"));
                }
                let next_is_of = matches!(
                    self.tokens.get(self.pos + 1),
                    Some((_, Token::Word(n))) if n.eq_ignore_ascii_case("of")
                );
                if next_is_of {
                    let quantity = match lw.as_str() {
                        "all" => Quantity::All,
                        "any" => Quantity::AtLeast(1),
                        n => match n.parse::<usize>() {
                            Ok(k) if k > 0 => Quantity::AtLeast(k),
                            _ => {
                                return Err(
                                    self.error("expected `all`, `any` or a number before `of`")
                                )
                            }
                        },
                    };
                    self.pos += 2;
                    let target = match self.tokens.get(self.pos) {
                        Some((_, Token::Word(t))) => t.clone(),
                        _ => return Err(self.error("expected a pattern or `them` after `of`")),
                    };
                    self.pos += 1;
                    let pattern = if target.eq_ignore_ascii_case("them") {
                        None
                    } else {
                        Some(target)
                    };
                    return Ok(Condition::Of { quantity, pattern });
                }
                self.pos += 1;
                Ok(Condition::Ident(w))
            }
            Some((_, Token::RParen)) => Err(self.error("unexpected `)`")),
            Some((_, Token::Pipe)) => Err(self.error("unexpected `|`")),
            None => Err(self.error("condition ends early")),
        }
    }
}

/// Matches an identifier against an `x of` pattern (`*` is the only wildcard).
pub fn ident_matches(pattern: &str, ident: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == ident,
        Some((head, tail)) => {
            ident.len() >= head.len() + tail.len()
                && ident.starts_with(head)
                && ident_matches_tail(tail, &ident[head.len()..])
        }
    }
}

fn ident_matches_tail(pattern: &str, rest: &str) -> bool {
    match pattern.split_once('*') {
        None => rest.ends_with(pattern),
        Some((mid, tail)) => rest
            .match_indices(mid)
            .any(|(i, _)| ident_matches_tail(tail, &rest[i + mid.len()..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Condition {
        Condition::Ident(s.into())
    }

    #[test]
    fn precedence_and_grouping() {
        assert_eq!(
            parse("a or b and not c").unwrap(),
            Condition::Or(vec![
                id("a"),
                Condition::And(vec![id("b"), Condition::Not(Box::new(id("c")))])
            ])
        );
        assert_eq!(
            parse("(a or b) and c").unwrap(),
            Condition::And(vec![Condition::Or(vec![id("a"), id("b")]), id("c")])
        );
        assert_eq!(
            parse("selection and not 1 of filter_* and not all of them").unwrap(),
            Condition::And(vec![
                id("selection"),
                Condition::Not(Box::new(Condition::Of {
                    quantity: Quantity::AtLeast(1),
                    pattern: Some("filter_*".into())
                })),
                Condition::Not(Box::new(Condition::Of {
                    quantity: Quantity::All,
                    pattern: None
                })),
            ])
        );
        assert_eq!(parse("NOT a").unwrap(), Condition::Not(Box::new(id("a"))));
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(parse("  "), Err(ConditionError::Empty));
        assert!(matches!(
            parse("a and"),
            Err(ConditionError::Syntax { position: 5, .. })
        ));
        assert!(matches!(
            parse("(a or b"),
            Err(ConditionError::Syntax { .. })
        ));
        assert!(matches!(
            parse("a b"),
            Err(ConditionError::Syntax { position: 2, .. })
        ));
        assert!(matches!(
            parse("x of them"),
            Err(ConditionError::Syntax { .. })
        ));
        assert!(matches!(
            parse("selection | count() by host > 5"),
            Err(ConditionError::Aggregation(_))
        ));
        let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).is_err());
        let nots = format!("{}a", "not ".repeat(500));
        assert!(parse(&nots).is_err());
    }

    #[test]
    fn identifier_patterns() {
        assert!(ident_matches("selection_*", "selection_img"));
        assert!(!ident_matches("selection_*", "filter_img"));
        assert!(ident_matches("*_img", "selection_img"));
        assert!(ident_matches("sel*img*", "sel_x_img_2"));
        assert!(ident_matches("exact", "exact"));
        assert!(!ident_matches("sel*", "se"));
    }
}
