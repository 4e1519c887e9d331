//! The full-text tokenizer, shared by the in-memory evaluator and the storage indexes.

use crate::TextQuery;
use std::iter::Peekable;
use std::str::Chars;

/// Splits text into lowercase search tokens.
///
/// * A token is a maximal run of letters, digits (Unicode `alphanumeric`) and `_`;
///   everything else separates tokens. Tokens are lowercased (Unicode lowercase; any
///   non-alphanumeric character the lowercase mapping introduces, such as the combining
///   dot of `İ`, is dropped so that tokenizing a token gives the token back).
/// * CJK characters (Han, Hiragana, Katakana, Hangul) are not run together: every pair of
///   consecutive CJK characters is emitted as one overlapping **bigram**
///   (`登录失败` → `登录`, `录失`, `失败`), and a CJK character with no CJK neighbour is
///   emitted alone. A CJK run also ends an adjacent Latin run (`abc登录` → `abc`, `登录`).
///
/// Full-text indexes must be built with exactly this function so that queries built by
/// [`text_query_tokens`] find what [`crate::Query::matches`] finds.
pub fn tokenize_text(s: &str) -> TextTokens<'_> {
    TextTokens {
        chars: s.chars().peekable(),
        prev_cjk: false,
    }
}

/// Iterator returned by [`tokenize_text`].
#[derive(Clone, Debug)]
pub struct TextTokens<'a> {
    chars: Peekable<Chars<'a>>,
    prev_cjk: bool,
}

impl Iterator for TextTokens<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            let c = self.chars.next()?;
            if is_cjk(c) {
                let prev = std::mem::replace(&mut self.prev_cjk, true);
                match self.chars.peek() {
                    Some(&d) if is_cjk(d) => {
                        let mut token = String::with_capacity(8);
                        push_lower(&mut token, c);
                        push_lower(&mut token, d);
                        return Some(token);
                    }
                    _ if !prev => {
                        let mut token = String::with_capacity(4);
                        push_lower(&mut token, c);
                        return Some(token);
                    }
                    _ => continue,
                }
            }
            self.prev_cjk = false;
            if !is_token_char(c) {
                continue;
            }
            let mut token = String::new();
            push_lower(&mut token, c);
            while let Some(&d) = self.chars.peek() {
                if !is_token_char(d) || is_cjk(d) {
                    break;
                }
                push_lower(&mut token, d);
                self.chars.next();
            }
            if !token.is_empty() {
                return Some(token);
            }
        }
    }
}

fn is_token_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn push_lower(token: &mut String, c: char) {
    if c.is_ascii() {
        token.push(c.to_ascii_lowercase());
    } else {
        token.extend(c.to_lowercase().filter(|&l| is_token_char(l)));
    }
}

/// Whether `c` is a Han, Hiragana, Katakana or Hangul letter: the characters
/// [`tokenize_text`] indexes as bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x1100..=0x11FF     // Hangul Jamo
        | 0x3005..=0x3007   // 々 〆 〇
        | 0x3040..=0x309F   // Hiragana
        | 0x30A0..=0x30FF   // Katakana
        | 0x3130..=0x318F   // Hangul Compatibility Jamo
        | 0x31F0..=0x31FF   // Katakana Phonetic Extensions
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xA960..=0xA97F   // Hangul Jamo Extended-A
        | 0xAC00..=0xD7FF   // Hangul Syllables, Jamo Extended-B
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F   // Halfwidth Katakana
        | 0x20000..=0x323AF // CJK Extensions B–H, Compatibility Supplement
    ) && c.is_alphanumeric()
}

/// The full-text term for some query text, consistent with [`tokenize_text`]: the text is
/// tokenized with the same tokenizer, one token becomes a [`TextQuery::Word`] (or
/// [`TextQuery::Prefix`] when `prefix`), several become a [`TextQuery::Phrase`] of
/// consecutive tokens — so a CJK word becomes a phrase of its bigrams
/// (`登录失败` → `Phrase(["登录", "录失", "失败"])`).
///
/// Special cases:
/// * a single CJK character becomes a `Prefix`: in indexed text it is usually part of a
///   bigram, which a prefix search finds when the character starts it;
/// * with `prefix` and several tokens, the result is a `Phrase` when the last token is a
///   CJK bigram (a CJK phrase already matches wherever the text continues), and `None`
///   otherwise: a prefix on the last word of a phrase cannot be expressed;
/// * text with no token at all gives `None`.
pub fn text_query_tokens(text: &str, prefix: bool) -> Option<TextQuery> {
    let mut tokens: Vec<String> = tokenize_text(text).collect();
    let last = tokens.last()?;
    let mut last_chars = last.chars();
    let last_cjk = last_chars.next().is_some_and(is_cjk);
    let last_single = last_chars.next().is_none();
    if tokens.len() == 1 {
        let token = tokens.pop()?;
        return Some(if prefix || (last_cjk && last_single) {
            TextQuery::Prefix(token)
        } else {
            TextQuery::Word(token)
        });
    }
    let last_is_bigram = last_cjk && !last_single;
    if prefix && !last_is_bigram {
        return None;
    }
    Some(TextQuery::Phrase(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokenize_text(s).collect()
    }

    #[test]
    fn latin_tokens() {
        assert_eq!(
            toks("Failed password for root from 10.0.0.5 port 22 ssh2"),
            [
                "failed", "password", "for", "root", "from", "10", "0", "0", "5", "port", "22",
                "ssh2"
            ]
        );
        assert_eq!(
            toks("user_name=Bob; é ÄRGER"),
            ["user_name", "bob", "é", "ärger"]
        );
        assert_eq!(toks("İstanbul"), ["istanbul"]);
        assert!(toks("  ,.;!-- ").is_empty());
        assert!(toks("").is_empty());
    }

    #[test]
    fn cjk_bigrams() {
        assert_eq!(toks("登录失败"), ["登录", "录失", "失败"]);
        assert_eq!(toks("用户 登录"), ["用户", "登录"]);
        assert_eq!(toks("a登b"), ["a", "登", "b"]);
        assert_eq!(toks("abc登录x"), ["abc", "登录", "x"]);
        assert_eq!(
            toks("ログイン失敗"),
            ["ログ", "グイ", "イン", "ン失", "失敗"]
        );
        assert_eq!(toks("로그인"), ["로그", "그인"]);
        assert_eq!(
            toks("用户admin登录失败。"),
            ["用户", "admin", "登录", "录失", "失败"]
        );
        assert_eq!(toks("登"), ["登"]);
    }

    #[test]
    fn tokens_are_idempotent() {
        for s in ["ÅNGSTRÖM İi ǅ ﬃ", "登录失败 abc", "x_1 Σίσυφος"] {
            for t in toks(s) {
                assert_eq!(toks(&t), std::slice::from_ref(&t), "{t}");
            }
        }
    }

    #[test]
    fn query_terms() {
        use TextQuery::*;
        assert_eq!(
            text_query_tokens("Failed", false),
            Some(Word("failed".into()))
        );
        assert_eq!(text_query_tokens("fail", true), Some(Prefix("fail".into())));
        assert_eq!(
            text_query_tokens("Failed password", false),
            Some(Phrase(vec!["failed".into(), "password".into()]))
        );
        assert_eq!(
            text_query_tokens("登录失败", false),
            Some(Phrase(vec!["登录".into(), "录失".into(), "失败".into()]))
        );
        assert_eq!(text_query_tokens("登", false), Some(Prefix("登".into())));
        assert_eq!(text_query_tokens("登录", true), Some(Prefix("登录".into())));
        assert_eq!(
            text_query_tokens("登录失", true),
            Some(Phrase(vec!["登录".into(), "录失".into()]))
        );
        assert_eq!(text_query_tokens("foo.ba", true), None);
        assert_eq!(text_query_tokens("--", false), None);
    }
}
