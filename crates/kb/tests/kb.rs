use std::collections::HashSet;

use steward_kb::{
    builtin, builtin_files, lessons_article, load, parse, required_sections, suggest, Article,
    KbError, CATEGORIES, LANGS,
};

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn art(id: &str, lang: &str, category: &str, tags_: &[&str]) -> Article {
    Article {
        id: id.into(),
        lang: lang.into(),
        category: category.into(),
        title: id.into(),
        tags: tags(tags_),
        updated: None,
        body: "## Summary\n\ntext".into(),
    }
}

#[test]
fn every_builtin_article_parses() {
    for (name, text) in builtin_files() {
        let a = parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            *name,
            format!("{}.{}.md", a.category, a.lang),
            "file name matches"
        );
        assert_eq!(a.id, format!("{}.{}", a.category, a.lang));
        assert_eq!(a.topic(), a.category);
        assert!(a.updated.is_some(), "{name}: updated missing");
    }
    assert_eq!(builtin().unwrap().len(), CATEGORIES.len() * LANGS.len());
}

#[test]
fn every_category_has_zh_and_en() {
    let all = builtin().unwrap();
    for cat in CATEGORIES {
        for lang in LANGS {
            assert!(
                all.iter().any(|a| a.category == cat && a.lang == lang),
                "missing {cat}.{lang}"
            );
        }
    }
}

#[test]
fn ids_are_unique() {
    let all = builtin().unwrap();
    let ids: HashSet<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
}

#[test]
fn sections_present_in_order_and_sizes_sane() {
    for a in builtin().unwrap() {
        assert!(
            a.missing_sections().is_empty(),
            "{}: missing {:?}",
            a.id,
            a.missing_sections()
        );
        assert_eq!(a.sections(), required_sections(&a.lang), "{}: order", a.id);
        if a.lang == "en" {
            let words = a.body.split_whitespace().count();
            assert!((300..=700).contains(&words), "{}: {words} words", a.id);
        } else {
            // Chinese has no spaces; about 1.5 characters make an English word's worth.
            let chars = a
                .body
                .chars()
                .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                .count();
            assert!((450..=1050).contains(&chars), "{}: {chars} CJK chars", a.id);
        }
        for t in &a.tags {
            let ok = t.starts_with('T') && t[1..].split('.').all(|p| p.parse::<u32>().is_ok());
            assert!(ok, "{}: tag {t} is not an ATT&CK id", a.id);
        }
    }
}

#[test]
fn suggest_category_first_then_tag_overlap() {
    let all = builtin().unwrap();
    let got = suggest(
        "brute_force",
        &tags(&["attack.t1021.001", "T1110"]),
        "en",
        &all,
    );
    let ids: Vec<&str> = got.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids[0], "brute_force.en");
    assert!(ids.iter().all(|id| id.ends_with(".en")), "{ids:?}");
    // Only one language version of each topic.
    let topics: HashSet<&str> = got.iter().map(|a| a.topic()).collect();
    assert_eq!(topics.len(), got.len());
    // lateral_movement (T1021.001) and ransomware (T1021.001 too) match by tag; mining by T1110.
    // Ties on overlap count are ordered by id; intrusion (T1078...) shares nothing.
    assert_eq!(
        ids,
        [
            "brute_force.en",
            "lateral_movement.en",
            "mining.en",
            "ransomware.en"
        ]
    );
    let zh = suggest("brute_force", &tags(&["T1110"]), "zh", &all);
    assert_eq!(zh[0].id, "brute_force.zh");
    assert!(zh.iter().all(|a| a.lang == "zh"));
}

#[test]
fn suggest_orders_by_overlap_count() {
    let arts = vec![
        art("one.en", "en", "other", &["T1110"]),
        art("two.en", "en", "other", &["T1110", "T1078"]),
        art("cat.en", "en", "malware", &[]),
        art("none.en", "en", "other", &["T9999"]),
    ];
    let got = suggest("malware", &tags(&["T1110.001", "t1078"]), "en", &arts);
    let ids: Vec<&str> = got.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["cat.en", "two.en", "one.en"]);
}

#[test]
fn suggest_falls_back_to_other_language() {
    let arts = vec![
        art("a.zh", "zh", "malware", &[]),
        art("a.en", "en", "malware", &[]),
        art("b.en", "en", "malware", &[]),
    ];
    let got = suggest("malware", &[], "zh", &arts);
    let ids: Vec<&str> = got.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a.zh", "b.en"]);
    let got = suggest("malware", &[], "en", &arts);
    let ids: Vec<&str> = got.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a.en", "b.en"]);
    assert!(suggest("unknown", &[], "en", &arts).is_empty());
}

fn parse_err(text: &str) -> (String, usize, String) {
    match parse("bad.en.md", text) {
        Err(KbError::Parse {
            file,
            line,
            message,
        }) => (file, line, message),
        other => panic!("expected parse error, got {other:?}"),
    }
}

#[test]
fn bad_front_matter_names_file_and_line() {
    let (file, line, msg) =
        parse_err("+++\nid = \"x\"\nlang = \"en\"\ncategory = oops\n+++\nbody\n");
    assert_eq!(file, "bad.en.md");
    assert_eq!(line, 4, "{msg}");

    let (_, line, _) = parse_err("no front matter\n");
    assert_eq!(line, 1);
    let (_, line, msg) = parse_err("+++\nid = \"x\"\n");
    assert_eq!(line, 1);
    assert!(msg.contains("never closed"), "{msg}");

    let ok = "id = \"x\"\ncategory = \"c\"\ntitle = \"t\"\n";
    let (_, line, msg) = parse_err(&format!("+++\n{ok}lang = \"fr\"\n+++\nbody\n"));
    assert_eq!(line, 5);
    assert!(msg.contains("lang"), "{msg}");
    let (_, line, _) = parse_err(&format!("+++\n{ok}lang = \"en\"\n+++\n\n"));
    assert_eq!(line, 7);
    let (_, line, msg) = parse_err(&format!(
        "+++\n{ok}lang = \"en\"\nupdated = \"yesterday\"\n+++\nbody\n"
    ));
    assert_eq!(line, 6, "{msg}");
    let (_, _, msg) = parse_err(&format!(
        "+++\n{ok}lang = \"en\"\nauthor = \"me\"\n+++\nbody\n"
    ));
    assert!(msg.contains("author"), "{msg}");
    // The error text carries both for logs.
    let e = parse("f.md", "+++\nid = 1\n+++\nx").unwrap_err();
    assert!(e.to_string().starts_with("f.md:2:"), "{e}");
}

#[test]
fn lessons_article_round_trips_and_has_sections() {
    for lang in LANGS {
        let a = lessons_article(
            "OA server web shell \"upload\"",
            "web_attack",
            "Upload directory was executable.\nWAF was in detect mode.",
            lang,
        );
        assert_eq!(a.lang, lang);
        assert_eq!(
            a.id,
            format!("lessons-web_attack-oa-server-web-shell-upload.{lang}")
        );
        assert!(
            a.missing_sections().is_empty(),
            "{:?}",
            a.missing_sections()
        );
        assert!(a.body.contains("WAF was in detect mode."));
        assert!(a.title.contains("OA server"));
        let back = parse("lessons.md", &a.to_markdown()).unwrap();
        assert_eq!(back, a);
    }
    let zh = lessons_article("财务服务器勒索", "ransomware", "", "zh");
    assert!(zh.id.starts_with("lessons-ransomware-") && zh.id.ends_with(".zh"));
    assert!(zh.body.contains("未填写"));
    let other = lessons_article("x", "mining", "y", "fr");
    assert_eq!(other.lang, "en");
}

#[test]
fn builtin_round_trips_through_markdown_and_json() {
    for a in builtin().unwrap() {
        assert_eq!(parse("rt.md", &a.to_markdown()).unwrap(), a);
        let json = serde_json::to_string(&a).unwrap();
        let back: Article = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}

#[test]
fn duplicate_ids_are_rejected() {
    let text = "+++\nid = \"a.en\"\nlang = \"en\"\ncategory = \"c\"\ntitle = \"t\"\n+++\nbody\n";
    assert_eq!(load(&[("one.md", text)]).unwrap().len(), 1);
    match load(&[("one.md", text), ("two.md", text)]) {
        Err(KbError::DuplicateId { file, id, first }) => {
            assert_eq!(
                (file.as_str(), id.as_str(), first.as_str()),
                ("two.md", "a.en", "one.md")
            );
        }
        other => panic!("expected duplicate id error, got {other:?}"),
    }
}

#[test]
fn bad_updated_is_not_written_out() {
    let mut a = art("x.en", "en", "c", &["T1"]);
    a.updated = Some("soon\"\n[x]".into());
    let back = parse("rt.md", &a.to_markdown()).unwrap();
    assert_eq!(back.updated, None);
    assert_eq!(back.tags, ["T1"]);
}
