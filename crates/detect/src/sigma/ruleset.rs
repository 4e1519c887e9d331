//! A loaded rule tree: rules grouped by log source, one literal automaton over every
//! rule, correlations wired to the rules they reference.
//!
//! Matching is not rule by rule. For each rule the compiler derives literals of which at
//! least one must occur in a matching event (`Detection::required_literals`); one
//! Aho-Corasick pass over the event's lowered values finds which rules can match at all,
//! and only those (plus the few rules without such a literal) are evaluated.

use super::correlation::CorrelationRule;
use super::modifiers::Placeholders;
use super::rule::{parse_file, Document, FilterRule, RuleError, SigmaRule};
use crate::logsource::LogSource;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Options that shape loading.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Values for `|expand` placeholders.
    pub placeholders: Placeholders,
}

/// A rule plus what the rule set adds to it.
#[derive(Debug)]
pub struct LoadedRule {
    pub rule: SigmaRule,
    /// Index into [`RuleSet::logsources`].
    pub logsource: usize,
    /// Filters (meta-filters) that apply to it: the rule matches only if none does.
    pub filters: Vec<usize>,
    /// Correlations fed by it: (correlation index, position in its `rules`).
    pub feeds: Vec<(usize, usize)>,
    /// False when only correlations use it (`generate: false`, the default).
    pub alerts: bool,
}

#[derive(Debug)]
pub struct LoadedCorrelation {
    pub rule: CorrelationRule,
    /// Correlations that reference this one (chained correlations).
    pub feeds: Vec<(usize, usize)>,
    /// Positions in `rules` that no loaded rule or correlation answers to.
    pub dangling: Vec<String>,
    pub alerts: bool,
}

/// The whole rule tree, compiled.
#[derive(Default)]
pub struct RuleSet {
    pub rules: Vec<LoadedRule>,
    pub correlations: Vec<LoadedCorrelation>,
    pub filters: Vec<FilterRule>,
    pub logsources: Vec<LogSource>,
    /// Per log source: rules that must be evaluated on every event of that source.
    unanchored: Vec<Vec<u32>>,
    automaton: Option<AhoCorasick>,
    /// Automaton pattern → rules that need it.
    pattern_rules: Vec<Vec<u32>>,
    pub errors: Vec<RuleError>,
    /// Rules that are valid and supported but not loaded because an `|expand`
    /// placeholder they use has no configured values.
    pub unconfigured: Vec<RuleError>,
    /// Non-fatal notes (unresolved placeholders, dangling references).
    pub warnings: Vec<String>,
    pub files: usize,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("correlations", &self.correlations.len())
            .field("errors", &self.errors.len())
            .finish()
    }
}

/// Every `*.yml`/`*.yaml` below the given paths (files are taken as they are), sorted.
pub fn rule_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<RuleError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => match std::fs::read_dir(&p) {
                Ok(entries) => {
                    for e in entries.flatten() {
                        let path = e.path();
                        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                        let is_yaml = path.extension().is_some_and(|x| x == "yml" || x == "yaml");
                        if is_dir || is_yaml {
                            stack.push(path);
                        }
                    }
                }
                Err(e) => errors.push(io_error(&p, &e)),
            },
            Ok(_) => files.push(p),
            Err(e) => errors.push(io_error(&p, &e)),
        }
    }
    files.sort();
    (files, errors)
}

fn io_error(p: &Path, e: &std::io::Error) -> RuleError {
    RuleError {
        path: p.to_owned(),
        document: 0,
        rule: None,
        unsupported: false,
        message: format!("cannot read: {e}"),
    }
}

impl RuleSet {
    /// Loads every rule file below `paths`. Never fails: what cannot be loaded is in
    /// `errors`, with its path and reason.
    pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Self {
        Self::load_with(paths, &[], options)
    }

    /// Like [`RuleSet::load`], plus rule texts given in memory as `(name, text)` (the
    /// built-in rules).
    pub fn load_with(paths: &[PathBuf], inline: &[(&str, &str)], options: &LoadOptions) -> Self {
        let (files, mut errors) = rule_files(paths);
        let mut documents = Vec::new();
        for (name, text) in inline {
            for doc in parse_file(text, Path::new(name), &options.placeholders) {
                match doc {
                    Ok(d) => documents.push(d),
                    Err(e) => errors.push(e),
                }
            }
        }
        for file in &files {
            match std::fs::read(file) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    for doc in parse_file(&text, file, &options.placeholders) {
                        match doc {
                            Ok(d) => documents.push(d),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(io_error(file, &e)),
            }
        }
        let mut set = Self::from_documents(documents);
        set.files = files.len();
        errors.append(&mut set.errors);
        set.errors = errors;
        set
    }

    /// Builds a rule set from rule text (tests, rules pushed over the API).
    pub fn from_text(text: &str, options: &LoadOptions) -> Self {
        let mut documents = Vec::new();
        let mut errors = Vec::new();
        for doc in parse_file(text, Path::new("<inline>"), &options.placeholders) {
            match doc {
                Ok(d) => documents.push(d),
                Err(e) => errors.push(e),
            }
        }
        let mut set = Self::from_documents(documents);
        set.errors.extend(errors);
        set
    }

    pub fn from_documents(documents: Vec<Document>) -> Self {
        let mut set = Self::default();
        let mut logsource_ids: HashMap<LogSource, usize> = HashMap::new();
        for doc in documents {
            match doc {
                Document::Rule(rule) => {
                    // The Sigma specification: a rule whose placeholders cannot be
                    // resolved must not run. Half of such a rule is an allow-list; run
                    // without it, it would alert on everything the list should exclude.
                    if !rule.detection.unresolved_placeholders.is_empty() {
                        set.unconfigured.push(RuleError {
                            path: rule.meta.path.clone(),
                            document: 0,
                            rule: Some(rule.meta.id.clone()),
                            unsupported: false,
                            message: format!(
                                "needs values for placeholder(s) {} ([detect.placeholders] or --placeholders)",
                                rule.detection
                                    .unresolved_placeholders
                                    .iter()
                                    .map(|p| format!("%{p}%"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        });
                        continue;
                    }
                    let next = logsource_ids.len();
                    let ls = *logsource_ids.entry(rule.logsource.clone()).or_insert(next);
                    if ls == set.logsources.len() {
                        set.logsources.push(rule.logsource.clone());
                    }
                    set.rules.push(LoadedRule {
                        rule,
                        logsource: ls,
                        filters: Vec::new(),
                        feeds: Vec::new(),
                        alerts: true,
                    });
                }
                Document::Correlation(rule) => set.correlations.push(LoadedCorrelation {
                    rule,
                    feeds: Vec::new(),
                    dangling: Vec::new(),
                    alerts: true,
                }),
                Document::Filter(f) => set.filters.push(f),
            }
        }
        set.wire_references();
        set.build_prefilter();
        set
    }

    fn wire_references(&mut self) {
        let mut by_ref: HashMap<String, usize> = HashMap::new();
        for (i, r) in self.rules.iter().enumerate() {
            by_ref.entry(r.rule.meta.id.clone()).or_insert(i);
            if let Some(n) = &r.rule.meta.name {
                by_ref.entry(n.clone()).or_insert(i);
            }
        }
        let mut corr_by_ref: HashMap<String, usize> = HashMap::new();
        for (i, c) in self.correlations.iter().enumerate() {
            corr_by_ref.entry(c.rule.meta.id.clone()).or_insert(i);
            if let Some(n) = &c.rule.meta.name {
                corr_by_ref.entry(n.clone()).or_insert(i);
            }
        }
        let mut generated_rules = vec![false; self.rules.len()];
        let mut silenced_rules = vec![false; self.rules.len()];
        let mut silenced_corrs = vec![false; self.correlations.len()];
        for ci in 0..self.correlations.len() {
            let refs = self.correlations[ci].rule.rules.clone();
            let generate = self.correlations[ci].rule.generate;
            for (pos, r) in refs.iter().enumerate() {
                if let Some(&ri) = by_ref.get(r) {
                    self.rules[ri].feeds.push((ci, pos));
                    if generate {
                        generated_rules[ri] = true;
                    } else {
                        silenced_rules[ri] = true;
                    }
                } else if let Some(&cj) = corr_by_ref.get(r).filter(|&&cj| cj != ci) {
                    self.correlations[cj].feeds.push((ci, pos));
                    if !generate {
                        silenced_corrs[cj] = true;
                    }
                } else {
                    self.correlations[ci].dangling.push(r.clone());
                    self.warnings.push(format!(
                        "{} [{}]: correlation references `{r}`, which is not loaded",
                        self.correlations[ci].rule.meta.path.display(),
                        self.correlations[ci].rule.meta.id
                    ));
                }
            }
        }
        for (i, r) in self.rules.iter_mut().enumerate() {
            r.alerts = generated_rules[i] || !silenced_rules[i];
        }
        for (i, c) in self.correlations.iter_mut().enumerate() {
            c.alerts = !silenced_corrs[i];
        }
        for (fi, f) in self.filters.iter().enumerate() {
            for target in &f.rules {
                if let Some(&ri) = by_ref.get(target) {
                    self.rules[ri].filters.push(fi);
                }
            }
        }
    }

    fn build_prefilter(&mut self) {
        self.unanchored = vec![Vec::new(); self.logsources.len()];
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_ids: HashMap<String, usize> = HashMap::new();
        self.pattern_rules.clear();
        for (ri, r) in self.rules.iter().enumerate() {
            match r.rule.detection.required_literals() {
                Some(lits) if !lits.is_empty() => {
                    for lit in lits {
                        let next = patterns.len();
                        let id = *pattern_ids.entry(lit.clone()).or_insert(next);
                        if id == next {
                            patterns.push(lit);
                            self.pattern_rules.push(Vec::new());
                        }
                        if self.pattern_rules[id].last() != Some(&(ri as u32)) {
                            self.pattern_rules[id].push(ri as u32);
                        }
                    }
                }
                _ => self.unanchored[r.logsource].push(ri as u32),
            }
        }
        self.automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok();
        if self.automaton.is_none() {
            // Cannot happen for in-memory patterns of this size, but if it does every
            // rule is evaluated: slower, never wrong.
            for (ri, r) in self.rules.iter().enumerate() {
                self.unanchored[r.logsource].push(ri as u32);
            }
            self.pattern_rules.clear();
        }
    }

    /// Rules that load but have no literal to prefilter on (evaluated on every event of
    /// their log source).
    pub fn unanchored_rules(&self) -> usize {
        self.unanchored.iter().map(Vec::len).sum()
    }

    pub fn prefilter_literals(&self) -> usize {
        self.pattern_rules.len()
    }

    pub(crate) fn unanchored_for(&self, logsource: usize) -> &[u32] {
        self.unanchored.get(logsource).map_or(&[], Vec::as_slice)
    }

    /// Calls `f` with every rule the prefilter lets through for this haystack (a rule
    /// may be reported more than once).
    pub(crate) fn candidates(&self, haystack: &str, mut f: impl FnMut(u32)) {
        let Some(ac) = &self.automaton else { return };
        for m in ac.find_overlapping_iter(haystack) {
            if let Some(rules) = self.pattern_rules.get(m.pattern().as_usize()) {
                for &r in rules {
                    f(r);
                }
            }
        }
    }

    pub(crate) fn filter(&self, i: usize) -> Option<&FilterRule> {
        self.filters.get(i)
    }

    pub fn unsupported(&self) -> impl Iterator<Item = &RuleError> {
        self.errors.iter().filter(|e| e.unsupported)
    }

    pub fn find_rule(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.rule.meta.id == id)
    }
}
