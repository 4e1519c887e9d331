//! The SigmaHQ tree from the corpus: every rule loads, and over every regression event
//! the engine reports exactly the (rule, event) pairs the peer engine reports
//! (`regression/peer-matches.tsv`), no more and no fewer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steward_detect::{Detector, EventView, Limits, LoadOptions, RuleSet};

fn corpus() -> Option<PathBuf> {
    let root = std::env::var("STEWARD_CORPUS").unwrap_or_else(|_| "../../../shared/corpus".into());
    let sigma = Path::new(&root).join("sigma");
    if sigma.join("regression/peer-matches.tsv").is_file() {
        Some(PathBuf::from(root))
    } else {
        eprintln!("SKIP: no Sigma corpus under {root} (set STEWARD_CORPUS)");
        None
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn whole_tree_matches_the_peer_exactly() {
    let Some(root) = corpus() else { return };
    let rules = RuleSet::load(&[root.join("sigma/rules")], &LoadOptions::default());
    let errors: Vec<String> = rules.errors.iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "rules not loaded: {errors:#?}");
    assert!(rules.rules.len() > 3700, "{}", rules.rules.len());
    // Correlation base rules and the unanchored remainder stay a small minority: the
    // prefilter is what makes whole-tree matching cheap.
    assert!(
        rules.unanchored_rules() * 10 < rules.rules.len(),
        "{}",
        rules.unanchored_rules()
    );

    let mut detector = Detector::new(Arc::new(rules), Limits::default());
    let mut files = Vec::new();
    json_files(&root.join("sigma/regression"), &mut files);
    files.sort();
    let mut ours = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        for (i, v) in serde_json::Deserializer::from_str(&text)
            .into_iter::<serde_json::Value>()
            .enumerate()
        {
            let v = v.unwrap();
            let view = EventView::from_json(v.as_object().unwrap());
            for m in detector.matching_rules(&view) {
                let id = detector.rules().rules[m.rule].rule.meta.id.clone();
                ours.insert((id, format!("corpus/{rel}"), i));
            }
        }
    }
    let peer: BTreeSet<(String, String, usize)> =
        std::fs::read_to_string(root.join("sigma/regression/peer-matches.tsv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                (c[0].to_owned(), c[3].to_owned(), c[4].parse().unwrap())
            })
            .collect();
    let missing: Vec<_> = peer.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&peer).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
}
