//! Knowledge-base articles kept durable: the embedded starter set, analysts' own
//! articles, and lessons learned from closed incidents.
//!
//! An article is known by `(slug, lang)`: the same topic in Chinese and English shares a
//! slug, which is what `steward_kb::suggest` calls a topic.

use crate::incidents::LessonsInput;
use crate::{ObjectError, ObjectStore, Page, PageRequest, SortOrder};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use steward_secops::Category;
use utoipa::{IntoParams, ToSchema};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kb_articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    lang TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    incident_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (slug, lang)
);
CREATE INDEX IF NOT EXISTS kb_articles_category ON kb_articles(category, lang);
CREATE INDEX IF NOT EXISTS kb_articles_incident ON kb_articles(incident_id);
";

const MAX_SLUG: usize = 100;
const MAX_TITLE: usize = 300;
const MAX_BODY: usize = 200_000;
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleSource {
    /// Shipped with Steward.
    Builtin,
    /// Written from a closed incident's lessons.
    Lessons,
    /// Written by an analyst.
    Manual,
}

impl ArticleSource {
    fn as_str(self) -> &'static str {
        match self {
            ArticleSource::Builtin => "builtin",
            ArticleSource::Lessons => "lessons",
            ArticleSource::Manual => "manual",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ArticleRecord {
    pub id: i64,
    pub slug: String,
    pub lang: String,
    /// An incident category (`brute_force`, ...); starter articles may use broader
    /// topics (`web_attack`, `lateral_movement`).
    pub category: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Markdown.
    pub body: String,
    pub source: ArticleSource,
    /// The incident a lessons article came from.
    pub incident_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An analyst's article (create or replace).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Lowercase letters, digits, `-`, `_`, `.`; left out: made from the title on create,
    /// kept on update.
    #[serde(default)]
    #[schema(max_length = 100, pattern = "^[a-z0-9._-]+$")]
    pub slug: Option<String>,
    /// `zh` or `en`.
    #[schema(schema_with = crate::schema::lang)]
    pub lang: String,
    /// An incident category name (or a starter-set topic such as `web_attack`).
    #[schema(schema_with = crate::schema::article_category)]
    pub category: String,
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
    #[schema(min_length = 1, max_length = 200_000, pattern = "\\S")]
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleSort {
    Id,
    Title,
    UpdatedAt,
}

/// The article list's query string.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleFilter {
    #[param(schema_with = crate::schema::lang)]
    pub lang: Option<String>,
    #[param(schema_with = crate::schema::article_category)]
    pub category: Option<String>,
    /// Part of the title or body (case-insensitive for ASCII).
    pub q: Option<String>,
    pub source: Option<ArticleSource>,
    /// Default: id.
    pub sort: Option<ArticleSort>,
    /// Default: asc.
    pub order: Option<SortOrder>,
    /// 1 to 500; default 50.
    #[serde(default, deserialize_with = "crate::limit_param")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "crate::offset_param")]
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub offset: Option<u64>,
}

impl ArticleFilter {
    pub fn page(&self) -> PageRequest {
        PageRequest {
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// A validated article, ready to store.
struct Clean {
    slug: Option<String>,
    lang: String,
    category: String,
    title: String,
    tags: Vec<String>,
    body: String,
}

/// An incident category, or one of the starter set's broader topics (`web_attack`, ...)
/// so its articles can be edited without losing their category.
fn check_category(category: &str) -> Result<String, ObjectError> {
    let category = category.trim();
    if Category::parse(category).is_none() && !steward_kb::CATEGORIES.contains(&category) {
        return Err(ObjectError::invalid(
            "category",
            format!("`{category}` is not an incident category"),
        ));
    }
    Ok(category.to_owned())
}

fn check_slug(s: &str) -> Result<String, ObjectError> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= MAX_SLUG
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(ObjectError::invalid(
            "slug",
            format!("1 to {MAX_SLUG} of a-z, 0-9, '-', '_', '.'"),
        ))
    }
}

fn check_lang(lang: &str) -> Result<String, ObjectError> {
    let lang = lang.trim();
    if steward_kb::LANGS.contains(&lang) {
        Ok(lang.to_owned())
    } else {
        Err(ObjectError::invalid("lang", "must be zh or en"))
    }
}

impl ArticleInput {
    fn validate(&self) -> Result<Clean, ObjectError> {
        let category = check_category(&self.category)?;
        if self.tags.len() > MAX_TAGS {
            return Err(ObjectError::invalid(
                "tags",
                format!("more than {MAX_TAGS} tags"),
            ));
        }
        let tags = self
            .tags
            .iter()
            .map(|t| crate::incidents::text("tags", t, MAX_TAG, true))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Clean {
            slug: self.slug.as_deref().map(check_slug).transpose()?,
            lang: check_lang(&self.lang)?,
            category: category.to_owned(),
            title: crate::incidents::text("title", &self.title, MAX_TITLE, true)?,
            tags,
            body: crate::incidents::text("body", &self.body, MAX_BODY, true)?,
        })
    }
}

/// A slug from the title (the knowledge base's own rule, shared with lessons articles);
/// prefixed so a hash-only slug of a Chinese title still reads as an article's.
fn slug_from_title(title: &str) -> String {
    let slug = steward_kb::slug(title);
    if slug.bytes().all(|b| b.is_ascii_hexdigit()) && slug.len() == 16 {
        format!("article-{slug}")
    } else {
        slug
    }
}

const COLUMNS: &str =
    "id, slug, lang, category, title, tags, body, source, incident_id, created_at, updated_at";

type RawArticle = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
    i64,
);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawArticle> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn from_ms(v: i64) -> Result<DateTime<Utc>, ObjectError> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| ObjectError::invalid("timestamp", format!("{v} ms is out of range")))
}

fn record(r: RawArticle) -> Result<ArticleRecord, ObjectError> {
    Ok(ArticleRecord {
        id: r.0,
        slug: r.1,
        lang: r.2,
        category: r.3,
        title: r.4,
        tags: serde_json::from_str(&r.5)?,
        body: r.6,
        source: serde_json::from_value(serde_json::Value::String(r.7))?,
        incident_id: r.8,
        created_at: from_ms(r.9)?,
        updated_at: from_ms(r.10)?,
    })
}

fn load(conn: &Connection, id: i64) -> Result<ArticleRecord, ObjectError> {
    let r = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM kb_articles WHERE id = ?1"),
            [id],
            raw,
        )
        .optional()?
        .ok_or_else(|| ObjectError::not_found("article", id))?;
    record(r)
}

fn id_of(conn: &Connection, slug: &str, lang: &str) -> Result<Option<i64>, ObjectError> {
    Ok(conn
        .query_row(
            "SELECT id FROM kb_articles WHERE slug = ?1 AND lang = ?2",
            params![slug, lang],
            |r| r.get(0),
        )
        .optional()?)
}

fn taken(slug: &str, lang: &str) -> ObjectError {
    ObjectError::Conflict {
        message: format!("an article `{slug}` in `{lang}` already exists"),
        allowed: Vec::new(),
    }
}

fn insert(
    conn: &Connection,
    slug: &str,
    a: &Clean,
    source: ArticleSource,
    incident_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, ObjectError> {
    conn.execute(
        "INSERT INTO kb_articles (slug, lang, category, title, tags, body, source,
            incident_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            slug,
            a.lang,
            a.category,
            a.title,
            serde_json::to_string(&a.tags)?,
            a.body,
            source.as_str(),
            incident_id,
            now.timestamp_millis(),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

impl ObjectStore {
    /// Inserts the starter articles missing by `(slug, lang)`; returns how many.
    /// Articles already there, edited or not, are left alone.
    pub fn seed_builtin_articles(&self, now: DateTime<Utc>) -> Result<usize, ObjectError> {
        let articles = steward_kb::builtin()
            .map_err(|e| ObjectError::invalid("builtin articles", e.to_string()))?;
        self.write(|tx| {
            let mut inserted = 0;
            for a in &articles {
                let slug = a.topic();
                if id_of(tx, slug, &a.lang)?.is_some() {
                    continue;
                }
                let clean = Clean {
                    slug: None,
                    lang: a.lang.clone(),
                    category: a.category.clone(),
                    title: a.title.clone(),
                    tags: a.tags.clone(),
                    body: a.body.clone(),
                };
                insert(tx, slug, &clean, ArticleSource::Builtin, None, now)?;
                inserted += 1;
            }
            Ok(inserted)
        })
    }

    pub fn list_articles(
        &self,
        filter: &ArticleFilter,
    ) -> Result<Page<ArticleRecord>, ObjectError> {
        let page = filter.page();
        let mut conds: Vec<&str> = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        // A misspelt filter is an error, not an empty page that looks like "no articles".
        if let Some(l) = filter.lang.as_deref() {
            conds.push("lang = ?");
            args.push(Value::Text(check_lang(l)?));
        }
        if let Some(c) = filter.category.as_deref() {
            conds.push("category = ?");
            args.push(Value::Text(check_category(c)?));
        }
        if let Some(s) = filter.source {
            conds.push("source = ?");
            args.push(Value::Text(s.as_str().to_owned()));
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            conds.push("(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')");
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = Value::Text(format!("%{escaped}%"));
            args.push(pattern.clone());
            args.push(pattern);
        }
        let clause = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let sort = match filter.sort.unwrap_or(ArticleSort::Id) {
            ArticleSort::Id => "id",
            ArticleSort::Title => "title",
            ArticleSort::UpdatedAt => "updated_at",
        };
        let order = filter.order.unwrap_or(SortOrder::Asc).sql();
        self.read(|conn| {
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM kb_articles{clause}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            args.push(Value::Integer(i64::from(page.limit())));
            args.push(Value::Integer(page.offset_i64()));
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM kb_articles{clause} ORDER BY {sort} {order}, id {order}
                 LIMIT ? OFFSET ?"
            ))?;
            let raws = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), raw)?
                .collect::<Result<Vec<_>, _>>()?;
            let items = raws
                .into_iter()
                .map(record)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page.page(items, u64::try_from(total).unwrap_or(0)))
        })
    }

    pub fn get_article(&self, id: i64) -> Result<ArticleRecord, ObjectError> {
        self.read(|conn| load(conn, id))
    }

    /// An analyst's new article; a `(slug, lang)` already taken is a conflict.
    pub fn create_article(
        &self,
        input: &ArticleInput,
        now: DateTime<Utc>,
    ) -> Result<ArticleRecord, ObjectError> {
        let a = input.validate()?;
        let slug = a.slug.clone().unwrap_or_else(|| slug_from_title(&a.title));
        self.write(|tx| {
            if id_of(tx, &slug, &a.lang)?.is_some() {
                return Err(taken(&slug, &a.lang));
            }
            let id = insert(tx, &slug, &a, ArticleSource::Manual, None, now)?;
            load(tx, id)
        })
    }

    /// Replaces an article's content; its source and origin stay.
    pub fn update_article(
        &self,
        id: i64,
        input: &ArticleInput,
        now: DateTime<Utc>,
    ) -> Result<ArticleRecord, ObjectError> {
        let a = input.validate()?;
        self.write(|tx| {
            let old = load(tx, id)?;
            let slug = a.slug.clone().unwrap_or(old.slug);
            if id_of(tx, &slug, &a.lang)?.is_some_and(|other| other != id) {
                return Err(taken(&slug, &a.lang));
            }
            tx.execute(
                "UPDATE kb_articles SET slug = ?2, lang = ?3, category = ?4, title = ?5,
                    tags = ?6, body = ?7, updated_at = ?8 WHERE id = ?1",
                params![
                    id,
                    slug,
                    a.lang,
                    a.category,
                    a.title,
                    serde_json::to_string(&a.tags)?,
                    a.body,
                    now.timestamp_millis(),
                ],
            )?;
            load(tx, id)
        })
    }

    pub fn delete_article(&self, id: i64) -> Result<(), ObjectError> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM kb_articles WHERE id = ?1", [id])?;
            if n == 0 {
                return Err(ObjectError::not_found("article", id));
            }
            Ok(())
        })
    }

    /// Articles for the incident, best first: its category, then the overlap of the
    /// articles' tags with its alerts' tags and tactics; one language per topic,
    /// `lang` preferred.
    pub fn suggest_articles(
        &self,
        incident_id: i64,
        lang: &str,
    ) -> Result<Vec<ArticleRecord>, ObjectError> {
        let lang = check_lang(lang)?;
        self.read(|conn| {
            let (inc, _) = crate::incidents::load_incident(conn, incident_id)?;
            let mut tags: Vec<String> = Vec::new();
            let mut stmt =
                conn.prepare("SELECT tags FROM incident_alerts WHERE incident_id = ?1")?;
            let lists = stmt
                .query_map([incident_id], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            for list in lists {
                tags.extend(serde_json::from_str::<Vec<String>>(&list)?);
            }
            tags.extend(inc.tactics.iter().map(|t| format!("attack.{}", t.as_str())));
            tags.sort();
            tags.dedup();
            let all = self_articles(conn)?;
            let articles: Vec<steward_kb::Article> = all
                .iter()
                .map(|r| steward_kb::Article {
                    id: format!("{}.{}", r.slug, r.lang),
                    lang: r.lang.clone(),
                    category: r.category.clone(),
                    title: r.title.clone(),
                    tags: r.tags.clone(),
                    updated: None,
                    body: String::new(),
                })
                .collect();
            let picked = steward_kb::suggest(inc.category.as_str(), &tags, &lang, &articles);
            Ok(picked
                .into_iter()
                .filter_map(|a| {
                    all.iter()
                        .find(|r| format!("{}.{}", r.slug, r.lang) == a.id)
                        .cloned()
                })
                .collect())
        })
    }

    /// Turns a closed incident's lessons into an article (source `lessons`) and notes it
    /// on the incident's timeline. Writing lessons again for the same incident and
    /// language replaces that article.
    pub fn lessons_to_article(
        &self,
        incident_id: i64,
        input: &LessonsInput,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ArticleRecord, ObjectError> {
        let (lessons, lang) = input.validate()?;
        let article_id = self.write(|tx| {
            let (mut inc, _) = crate::incidents::load_incident(tx, incident_id)?;
            if !inc.state.is_terminal() {
                return Err(ObjectError::Conflict {
                    message: format!(
                        "incident {incident_id} is {}; lessons are written once it is closed",
                        inc.state
                    ),
                    allowed: steward_secops::allowed_transitions(inc.state)
                        .iter()
                        .filter(|s| s.is_terminal())
                        .map(|s| s.as_str().to_owned())
                        .collect(),
                });
            }
            let art = steward_kb::lessons_article(&inc.title, inc.category.as_str(), &lessons, lang);
            let slug = art.topic().to_owned();
            let clean = Clean {
                slug: None,
                lang: art.lang.clone(),
                category: art.category.clone(),
                title: art.title.clone(),
                tags: art.tags.clone(),
                body: art.body.clone(),
            };
            let article_id = match id_of(tx, &slug, &clean.lang)? {
                Some(existing) => {
                    let owner: Option<i64> = tx.query_row(
                        "SELECT incident_id FROM kb_articles WHERE id = ?1",
                        [existing],
                        |r| r.get(0),
                    )?;
                    if owner != Some(incident_id) {
                        return Err(taken(&slug, &clean.lang));
                    }
                    tx.execute(
                        "UPDATE kb_articles SET title = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
                        params![existing, clean.title, clean.body, now.timestamp_millis()],
                    )?;
                    existing
                }
                None => insert(tx, &slug, &clean, ArticleSource::Lessons, Some(incident_id), now)?,
            };
            inc.comment(
                actor,
                &format!("Lessons learned written to knowledge-base article {article_id} ({slug}, {lang})"),
                now,
            );
            // A comment leaves severity and so the SLA due times as they are.
            crate::incidents::save_doc(tx, &inc, now)?;
            Ok(article_id)
        })?;
        self.read(|conn| load(conn, article_id))
    }
}

fn self_articles(conn: &Connection) -> Result<Vec<ArticleRecord>, ObjectError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM kb_articles ORDER BY id"))?;
    let raws = stmt.query_map([], raw)?.collect::<Result<Vec<_>, _>>()?;
    raws.into_iter().map(record).collect()
}

#[cfg(test)]
mod tests;
