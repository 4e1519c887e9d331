use std::cmp::Reverse;
use std::collections::HashMap;

use crate::Article;

/// ATT&CK ids compare case-insensitively, with or without Sigma's `attack.` prefix.
fn normalise_tag(tag: &str) -> String {
    let t = tag.trim();
    let t = t
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("attack."))
        .map_or(t, |_| &t[7..]);
    t.to_ascii_uppercase()
}

/// A sub-technique (`T1059.001`) also matches its parent (`T1059`) and vice versa,
/// since detections and articles pick different levels of detail.
fn tags_match(a: &str, b: &str) -> bool {
    a == b
        || a.strip_prefix(b).is_some_and(|r| r.starts_with('.'))
        || b.strip_prefix(a).is_some_and(|r| r.starts_with('.'))
}

fn overlap(incident: &[String], article: &Article) -> usize {
    let mine: Vec<String> = article.tags.iter().map(|t| normalise_tag(t)).collect();
    incident
        .iter()
        .filter(|t| mine.iter().any(|m| tags_match(t, m)))
        .count()
}

/// Articles for an incident: those of the same category first, then by how many of the
/// incident's ATT&CK tags they share; articles matching neither are left out. Each topic
/// appears once, in `lang` when available, otherwise in the other language.
pub fn suggest<'a>(
    category: &str,
    tags: &[String],
    lang: &str,
    articles: &'a [Article],
) -> Vec<&'a Article> {
    let incident: Vec<String> = tags
        .iter()
        .map(|t| normalise_tag(t))
        .filter(|t| !t.is_empty())
        .collect();
    // Per topic keep the best language version: the wanted one wins over any other.
    let mut by_topic: HashMap<&str, &Article> = HashMap::new();
    for a in articles {
        let slot = by_topic.entry(a.topic()).or_insert(a);
        if slot.lang != lang && a.lang == lang {
            *slot = a;
        }
    }
    let mut ranked: Vec<(bool, usize, &Article)> = by_topic
        .into_values()
        .map(|a| (a.category == category, overlap(&incident, a), a))
        .filter(|(same, n, _)| *same || *n > 0)
        .collect();
    ranked.sort_by(|x, y| {
        (Reverse(x.0), Reverse(x.1), &x.2.id).cmp(&(Reverse(y.0), Reverse(y.1), &y.2.id))
    });
    ranked.into_iter().map(|(_, _, a)| a).collect()
}
