//! The knowledge base: response-plan articles per incident category, in Chinese and English.
//!
//! Articles are Markdown files with TOML front matter between `+++` lines. The starter set
//! is embedded in the binary ([`builtin`]); [`suggest`] ranks articles for an incident, and
//! [`lessons_article`] turns a closed incident's lessons into a new article.

mod article;
mod builtin;
mod error;
mod lessons;
mod suggest;

pub use article::{parse, required_sections, Article, LANGS};
pub use builtin::{builtin, builtin_files, load, CATEGORIES};
pub use error::KbError;
pub use lessons::{lessons_article, slug};
pub use suggest::suggest;
