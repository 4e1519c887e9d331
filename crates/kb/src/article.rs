use serde::{Deserialize, Serialize};

use crate::KbError;

/// Languages the knowledge base is written in.
pub const LANGS: [&str; 2] = ["zh", "en"];

const FENCE: &str = "+++";

/// One knowledge-base article: front matter fields plus the Markdown body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    pub lang: String,
    pub category: String,
    pub title: String,
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`; absent on freshly generated lessons articles.
    pub updated: Option<String>,
    pub body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    lang: String,
    category: String,
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    updated: Option<toml::value::Datetime>,
}

/// The `##` headings every response-plan article carries, in order, for a language.
pub fn required_sections(lang: &str) -> &'static [&'static str] {
    if lang == "zh" {
        &[
            "概述",
            "研判清单",
            "遏制",
            "根除",
            "恢复",
            "证据留存",
            "经验与预防",
        ]
    } else {
        &[
            "Summary",
            "Triage checklist",
            "Containment",
            "Eradication",
            "Recovery",
            "Evidence to keep",
            "Lessons and prevention",
        ]
    }
}

impl Article {
    /// The id without its `.<lang>` suffix: translations of one article share it.
    pub fn topic(&self) -> &str {
        self.id
            .strip_suffix(self.lang.as_str())
            .and_then(|s| s.strip_suffix('.'))
            .unwrap_or(&self.id)
    }

    /// The `## ` headings of the body, in order.
    pub fn sections(&self) -> Vec<&str> {
        self.body
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(str::trim)
            .collect()
    }

    /// Required sections (for the article's language) the body lacks.
    pub fn missing_sections(&self) -> Vec<&'static str> {
        let have = self.sections();
        required_sections(&self.lang)
            .iter()
            .filter(|s| !have.contains(s))
            .copied()
            .collect()
    }

    /// The article in its file format, readable back by [`parse`].
    pub fn to_markdown(&self) -> String {
        // A JSON string literal is also a valid TOML basic string, which spares the
        // TOML writer feature.
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let tags: Vec<String> = self.tags.iter().map(|t| quote(t)).collect();
        let mut front = format!(
            "id = {}\nlang = {}\ncategory = {}\ntitle = {}\ntags = [{}]\n",
            quote(&self.id),
            quote(&self.lang),
            quote(&self.category),
            quote(&self.title),
            tags.join(", ")
        );
        // Only a real date goes out unquoted, so a stray value cannot break the TOML.
        if let Some(d) = self
            .updated
            .as_deref()
            .and_then(|d| d.parse::<toml::value::Datetime>().ok())
        {
            front.push_str(&format!("updated = {d}\n"));
        }
        format!("{FENCE}\n{front}{FENCE}\n\n{}", self.body.trim_start())
    }
}

fn err(file: &str, line: usize, message: impl Into<String>) -> KbError {
    KbError::Parse {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Parses one article file. `name` only labels errors. The text must open with a `+++` line,
/// then TOML front matter, then a closing `+++` line, then the Markdown body.
pub fn parse(name: &str, text: &str) -> Result<Article, KbError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        return Err(err(
            name,
            1,
            "expected front matter opening `+++` on the first line",
        ));
    }
    let front_start = first.len();
    let mut offset = front_start;
    let mut close = None;
    for (i, line) in lines.enumerate() {
        if line.trim_end() == FENCE {
            close = Some((offset, offset + line.len(), i + 2));
            break;
        }
        offset += line.len();
    }
    let Some((front_end, body_start, close_line)) = close else {
        return Err(err(
            name,
            1,
            "front matter opened with `+++` is never closed",
        ));
    };
    let front = &text[front_start..front_end];
    let fm: FrontMatter = toml::from_str(front).map_err(|e| {
        // The TOML span is relative to the front matter, which starts on line 2.
        let line = e
            .span()
            .map(|s| 2 + front[..s.start.min(front.len())].matches('\n').count())
            .unwrap_or(2);
        err(name, line, format!("front matter: {}", e.message()))
    })?;
    let field_line = |key: &str| {
        front
            .lines()
            .position(|l| l.trim_start().starts_with(key))
            .map_or(2, |i| i + 2)
    };
    for (key, value) in [
        ("id", &fm.id),
        ("category", &fm.category),
        ("title", &fm.title),
    ] {
        if value.trim().is_empty() {
            return Err(err(name, field_line(key), format!("`{key}` is empty")));
        }
    }
    if !LANGS.contains(&fm.lang.as_str()) {
        return Err(err(
            name,
            field_line("lang"),
            format!("`lang` is `{}`, expected one of {LANGS:?}", fm.lang),
        ));
    }
    let updated = match fm.updated {
        Some(d) if d.date.is_none() || d.time.is_some() => {
            return Err(err(
                name,
                field_line("updated"),
                "`updated` must be a plain date (YYYY-MM-DD)",
            ))
        }
        Some(d) => Some(d.to_string()),
        None => None,
    };
    let body = text[body_start..].trim().to_string();
    if body.is_empty() {
        return Err(err(name, close_line + 1, "article body is empty"));
    }
    Ok(Article {
        id: fm.id,
        lang: fm.lang,
        category: fm.category,
        title: fm.title,
        tags: fm.tags,
        updated,
        body,
    })
}
