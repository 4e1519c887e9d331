use std::collections::HashMap;

use crate::{parse, Article, KbError};

/// Incident categories the starter set covers (one zh and one en article each).
pub const CATEGORIES: [&str; 12] = [
    "malware",
    "intrusion",
    "brute_force",
    "exploitation",
    "data_leak",
    "mining",
    "ransomware",
    "policy_violation",
    "availability",
    "phishing",
    "web_attack",
    "lateral_movement",
];

// One include per file keeps the list checked by the compiler: a missing file fails the build.
macro_rules! articles {
    ($($cat:literal),* $(,)?) => {
        &[$(
            (concat!($cat, ".zh.md"), include_str!(concat!("../articles/", $cat, ".zh.md"))),
            (concat!($cat, ".en.md"), include_str!(concat!("../articles/", $cat, ".en.md"))),
        )*]
    };
}

static FILES: &[(&str, &str)] = articles!(
    "malware",
    "intrusion",
    "brute_force",
    "exploitation",
    "data_leak",
    "mining",
    "ransomware",
    "policy_violation",
    "availability",
    "phishing",
    "web_attack",
    "lateral_movement",
);

/// The embedded article files as `(file name, text)`.
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    FILES
}

/// Parses the embedded starter set; ids must be unique across it.
pub fn builtin() -> Result<Vec<Article>, KbError> {
    load(FILES)
}

/// Parses article files given as `(file name, text)`, e.g. read from a directory; ids must
/// be unique across them. Stops at the first error.
pub fn load(files: &[(&str, &str)]) -> Result<Vec<Article>, KbError> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::with_capacity(files.len());
    for (name, text) in files {
        let article = parse(name, text)?;
        if let Some(first) = seen.insert(article.id.clone(), name) {
            return Err(KbError::DuplicateId {
                file: (*name).to_string(),
                id: article.id,
                first: first.to_string(),
            });
        }
        out.push(article);
    }
    Ok(out)
}
