//! A rule's `detection` section compiled into tests over an [`EventView`].

use super::condition::{self, Condition, Quantity};
use super::modifiers::{self, Modifier, Placeholders, Work};
use super::pattern::{Pattern, SigmaString};
use crate::view::EventView;
use ipnet::IpNet;
use regex::Regex;
use serde_yaml_ng::Value as Yaml;
use std::net::IpAddr;
use std::str::FromStr;

/// Why a detection could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// Valid Sigma that this engine does not implement.
    Unsupported(String),
    /// Not valid Sigma.
    Invalid(String),
}

/// One test on one value of a field.
#[derive(Debug, Clone)]
enum Test {
    Pattern(Pattern),
    Regex(Regex),
    Compare(Cmp, f64),
    Cidr(IpNet),
    /// Field absent or empty.
    Null,
    Exists(bool),
    FieldRef(String, RefKind),
    /// An `|expand` placeholder nobody configured: matches nothing.
    Never,
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy)]
enum RefKind {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// `Field|mods: values` (or a keyword list when `field` is `None`).
#[derive(Debug, Clone)]
pub struct Item {
    field: Option<String>,
    tests: Vec<Test>,
    /// `|all`: every test must hold; otherwise any.
    all: bool,
}

/// One named search (`selection`, `filter_main`, ...).
#[derive(Debug, Clone)]
pub enum Search {
    /// A map: every item holds.
    AllOf(Vec<Item>),
    /// A list of maps: one of them holds.
    AnyOf(Vec<Vec<Item>>),
}

/// The condition with search names resolved to indexes.
#[derive(Debug, Clone)]
pub enum Cond {
    Search(usize),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    AtLeast(usize, Vec<usize>),
    Const(bool),
}

#[derive(Debug, Clone)]
pub struct Detection {
    pub names: Vec<String>,
    pub searches: Vec<Search>,
    pub condition: Cond,
    /// `|expand` placeholders with no configured values.
    pub unresolved_placeholders: Vec<String>,
}

impl Detection {
    pub fn compile(detection: &Yaml, placeholders: &Placeholders) -> Result<Self, CompileError> {
        let map = detection
            .as_mapping()
            .ok_or_else(|| CompileError::Invalid("`detection` is not a map".into()))?;
        let mut names = Vec::new();
        let mut searches = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        let mut unresolved = Vec::new();
        for (key, value) in map {
            let name = yaml_key(key)?;
            match name.as_str() {
                "condition" => match value {
                    Yaml::String(s) => conditions.push(s.clone()),
                    Yaml::Sequence(list) => {
                        for c in list {
                            match c {
                                Yaml::String(s) => conditions.push(s.clone()),
                                _ => {
                                    return Err(CompileError::Invalid(
                                        "condition is not a string".into(),
                                    ))
                                }
                            }
                        }
                    }
                    _ => return Err(CompileError::Invalid("condition is not a string".into())),
                },
                "timeframe" => {
                    return Err(CompileError::Unsupported(
                        "`timeframe` in a detection (Sigma v1 aggregation); use a correlation rule"
                            .into(),
                    ))
                }
                _ => {
                    let search = compile_search(value, placeholders, &mut unresolved)
                        .map_err(|e| prefix_error(&name, e))?;
                    names.push(name);
                    searches.push(search);
                }
            }
        }
        if conditions.is_empty() {
            return Err(CompileError::Invalid("detection has no condition".into()));
        }
        let mut compiled = Vec::new();
        for c in &conditions {
            let parsed = condition::parse(c).map_err(|e| match e {
                condition::ConditionError::Aggregation(_) => {
                    CompileError::Unsupported(e.to_string())
                }
                other => CompileError::Invalid(format!("condition `{c}`: {other}")),
            })?;
            compiled.push(resolve(&parsed, &names)?);
        }
        let condition = if compiled.len() == 1 {
            compiled.remove(0)
        } else {
            Cond::Or(compiled)
        };
        unresolved.sort();
        unresolved.dedup();
        Ok(Self {
            names,
            searches,
            condition,
            unresolved_placeholders: unresolved,
        })
    }

    pub fn matches(&self, view: &EventView) -> bool {
        eval(&self.condition, &self.searches, view)
    }

    /// Literals of which at least one (lowered) occurs in every matching event, or
    /// `None` when the condition guarantees none (e.g. it is all negations).
    pub fn required_literals(&self) -> Option<Vec<String>> {
        cond_literals(&self.condition, &self.searches)
    }

    /// The field names the rule reads (for the field-coverage report).
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for s in &self.searches {
            let items: Vec<&Item> = match s {
                Search::AllOf(items) => items.iter().collect(),
                Search::AnyOf(groups) => groups.iter().flatten().collect(),
            };
            for i in items {
                if let Some(f) = &i.field {
                    out.push(f.as_str());
                }
            }
        }
        out
    }
}

fn prefix_error(search: &str, e: CompileError) -> CompileError {
    match e {
        CompileError::Unsupported(m) => CompileError::Unsupported(format!("{search}: {m}")),
        CompileError::Invalid(m) => CompileError::Invalid(format!("{search}: {m}")),
    }
}

fn yaml_key(key: &Yaml) -> Result<String, CompileError> {
    match key {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        _ => Err(CompileError::Invalid(
            "a detection key is not a string".into(),
        )),
    }
}

fn compile_search(
    value: &Yaml,
    placeholders: &Placeholders,
    unresolved: &mut Vec<String>,
) -> Result<Search, CompileError> {
    match value {
        Yaml::Mapping(map) => Ok(Search::AllOf(compile_map(map, placeholders, unresolved)?)),
        Yaml::Sequence(list)
            if list.iter().all(|v| matches!(v, Yaml::Mapping(_))) && !list.is_empty() =>
        {
            let mut groups = Vec::new();
            for v in list {
                if let Yaml::Mapping(map) = v {
                    groups.push(compile_map(map, placeholders, unresolved)?);
                }
            }
            Ok(Search::AnyOf(groups))
        }
        Yaml::Sequence(list) => {
            if list
                .iter()
                .any(|v| matches!(v, Yaml::Mapping(_) | Yaml::Sequence(_)))
            {
                return Err(CompileError::Invalid(
                    "a list mixes keywords and maps".into(),
                ));
            }
            let item = compile_item(None, &[], list, placeholders, unresolved)?;
            Ok(Search::AllOf(vec![item]))
        }
        Yaml::String(_) | Yaml::Number(_) => {
            let item = compile_item(
                None,
                &[],
                std::slice::from_ref(value),
                placeholders,
                unresolved,
            )?;
            Ok(Search::AllOf(vec![item]))
        }
        _ => Err(CompileError::Invalid(
            "a search is neither a map nor a list".into(),
        )),
    }
}

fn compile_map(
    map: &serde_yaml_ng::Mapping,
    placeholders: &Placeholders,
    unresolved: &mut Vec<String>,
) -> Result<Vec<Item>, CompileError> {
    let mut items = Vec::new();
    for (key, value) in map {
        let spec = yaml_key(key)?;
        let mut parts = spec.split('|');
        let field = parts.next().unwrap_or_default().trim().to_owned();
        let mut mods = Vec::new();
        for m in parts {
            let m = m.trim();
            mods.push(
                Modifier::parse(m)
                    .ok_or_else(|| CompileError::Unsupported(format!("modifier `{m}`")))?,
            );
        }
        let values: Vec<Yaml> = match value {
            Yaml::Sequence(list) => list.clone(),
            other => vec![other.clone()],
        };
        // Field names are compared ignoring case; lowering them here keeps the event
        // side from lowering on every lookup.
        let field = (!field.is_empty()).then(|| field.to_ascii_lowercase());
        items.push(compile_item(
            field,
            &mods,
            &values,
            placeholders,
            unresolved,
        )?);
    }
    Ok(items)
}

fn compile_item(
    field: Option<String>,
    mods: &[Modifier],
    values: &[Yaml],
    placeholders: &Placeholders,
    unresolved: &mut Vec<String>,
) -> Result<Item, CompileError> {
    let has = |m: Modifier| mods.contains(&m);
    let all = has(Modifier::All);
    let cased = has(Modifier::Cased);
    let mut tests = Vec::new();
    if values.is_empty() {
        // An empty list can hold no value: the item is never true (pySigma agrees).
        tests.push(Test::Never);
    }
    for value in values {
        if has(Modifier::Exists) {
            let want = match value {
                Yaml::Bool(b) => *b,
                Yaml::String(s) if s.eq_ignore_ascii_case("true") => true,
                Yaml::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err(CompileError::Invalid("`exists` takes true or false".into())),
            };
            tests.push(Test::Exists(want));
            continue;
        }
        let text = match value {
            Yaml::Null => {
                tests.push(Test::Null);
                continue;
            }
            Yaml::String(s) => s.clone(),
            Yaml::Number(n) => n.to_string(),
            Yaml::Bool(b) => b.to_string(),
            _ => return Err(CompileError::Invalid("a value is a map or a list".into())),
        };
        if has(Modifier::Re) {
            let mut flags = String::new();
            if has(Modifier::ReI) {
                flags.push('i');
            }
            if has(Modifier::ReM) {
                flags.push('m');
            }
            if has(Modifier::ReS) {
                flags.push('s');
            }
            let pattern = if flags.is_empty() {
                text.clone()
            } else {
                format!("(?{flags}){text}")
            };
            let re = Regex::new(&pattern).map_err(|e| {
                CompileError::Unsupported(format!("regular expression `{text}`: {e}"))
            })?;
            tests.push(Test::Regex(re));
            continue;
        }
        if has(Modifier::Cidr) {
            let net = IpNet::from_str(text.trim())
                .or_else(|_| IpAddr::from_str(text.trim()).map(IpNet::from))
                .map_err(|_| CompileError::Invalid(format!("`{text}` is not a CIDR")))?;
            tests.push(Test::Cidr(net));
            continue;
        }
        if let Some(cmp) = mods.iter().find_map(|m| match m {
            Modifier::Lt => Some(Cmp::Lt),
            Modifier::Lte => Some(Cmp::Lte),
            Modifier::Gt => Some(Cmp::Gt),
            Modifier::Gte => Some(Cmp::Gte),
            _ => None,
        }) {
            let n: f64 = text
                .trim()
                .parse()
                .map_err(|_| CompileError::Invalid(format!("`{text}` is not a number")))?;
            tests.push(Test::Compare(cmp, n));
            continue;
        }
        if has(Modifier::FieldRef) {
            let kind = if has(Modifier::Contains) {
                RefKind::Contains
            } else if has(Modifier::StartsWith) {
                RefKind::StartsWith
            } else if has(Modifier::EndsWith) {
                RefKind::EndsWith
            } else {
                RefKind::Equals
            };
            tests.push(Test::FieldRef(text.to_ascii_lowercase(), kind));
            continue;
        }
        let sources = if has(Modifier::Expand) {
            match modifiers::expand(&text, placeholders) {
                Ok(v) => v,
                Err(name) => {
                    unresolved.push(name);
                    tests.push(Test::Never);
                    continue;
                }
            }
        } else {
            vec![text]
        };
        for source in sources {
            let mut work = vec![Work {
                value: SigmaString::parse(&source),
            }];
            for m in mods {
                work = modifiers::transform(*m, work);
            }
            if field.is_none() {
                // Keywords are searched for anywhere inside any value.
                work = modifiers::transform(Modifier::Contains, work);
            }
            tests.extend(
                work.into_iter()
                    .map(|w| Test::Pattern(Pattern::new(&w.value, cased))),
            );
        }
    }
    if field.is_none()
        && tests
            .iter()
            .any(|t| !matches!(t, Test::Pattern(_) | Test::Regex(_) | Test::Never))
    {
        return Err(CompileError::Invalid(
            "a keyword search can only hold strings".into(),
        ));
    }
    // `|all` over alternatives produced by one value (windash, base64offset) would demand
    // every spelling at once; pySigma keeps `all` across the written values only, and
    // no rule combines them, so the simple reading is kept.
    Ok(Item { field, tests, all })
}

fn resolve(c: &Condition, names: &[String]) -> Result<Cond, CompileError> {
    Ok(match c {
        Condition::Ident(name) => {
            Cond::Search(names.iter().position(|n| n == name).ok_or_else(|| {
                CompileError::Invalid(format!("condition names `{name}`, which is not defined"))
            })?)
        }
        Condition::And(items) => Cond::And(
            items
                .iter()
                .map(|i| resolve(i, names))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Or(items) => Cond::Or(
            items
                .iter()
                .map(|i| resolve(i, names))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Not(inner) => Cond::Not(Box::new(resolve(inner, names)?)),
        Condition::Of { quantity, pattern } => {
            let members: Vec<usize> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| match pattern {
                    Some(p) => condition::ident_matches(p, n),
                    // `them` leaves out identifiers starting with `_`.
                    None => !n.starts_with('_'),
                })
                .map(|(i, _)| i)
                .collect();
            if members.is_empty() {
                return Err(CompileError::Invalid(format!(
                    "`of {}` matches no search identifier",
                    pattern.as_deref().unwrap_or("them")
                )));
            }
            let need = match quantity {
                Quantity::All => members.len(),
                Quantity::AtLeast(k) => *k,
            };
            if need > members.len() {
                Cond::Const(false)
            } else {
                Cond::AtLeast(need, members)
            }
        }
    })
}

fn eval(c: &Cond, searches: &[Search], view: &EventView) -> bool {
    match c {
        Cond::Search(i) => searches.get(*i).is_some_and(|s| search_matches(s, view)),
        Cond::And(items) => items.iter().all(|i| eval(i, searches, view)),
        Cond::Or(items) => items.iter().any(|i| eval(i, searches, view)),
        Cond::Not(inner) => !eval(inner, searches, view),
        Cond::AtLeast(k, members) => {
            let mut hits = 0;
            for m in members {
                if searches.get(*m).is_some_and(|s| search_matches(s, view)) {
                    hits += 1;
                    if hits >= *k {
                        return true;
                    }
                }
            }
            false
        }
        Cond::Const(b) => *b,
    }
}

fn search_matches(s: &Search, view: &EventView) -> bool {
    match s {
        Search::AllOf(items) => items.iter().all(|i| item_matches(i, view)),
        Search::AnyOf(groups) => groups
            .iter()
            .any(|g| g.iter().all(|i| item_matches(i, view))),
    }
}

fn item_matches(item: &Item, view: &EventView) -> bool {
    let test = |t: &Test| match &item.field {
        Some(field) => field_test(t, field, view),
        None => view.values().any(|v| value_test(t, v.raw, v.lower)),
    };
    if item.all {
        item.tests.iter().all(test)
    } else {
        item.tests.iter().any(test)
    }
}

fn field_test(t: &Test, field: &str, view: &EventView) -> bool {
    match t {
        Test::Null => view.get(field).all(|v| v.raw.is_empty()),
        Test::Exists(want) => view.has(field) == *want,
        Test::FieldRef(other, kind) => view.get(field).any(|a| {
            view.get(other).any(|b| match kind {
                RefKind::Equals => a.lower == b.lower,
                RefKind::Contains => a.lower.contains(b.lower),
                RefKind::StartsWith => a.lower.starts_with(b.lower),
                RefKind::EndsWith => a.lower.ends_with(b.lower),
            })
        }),
        _ => view.get(field).any(|v| value_test(t, v.raw, v.lower)),
    }
}

fn value_test(t: &Test, raw: &str, lower: &str) -> bool {
    match t {
        Test::Pattern(p) => p.matches(raw, lower),
        Test::Regex(re) => re.is_match(raw),
        Test::Compare(cmp, n) => raw.trim().parse::<f64>().is_ok_and(|v| match cmp {
            Cmp::Lt => v < *n,
            Cmp::Lte => v <= *n,
            Cmp::Gt => v > *n,
            Cmp::Gte => v >= *n,
        }),
        Test::Cidr(net) => IpAddr::from_str(raw.trim()).is_ok_and(|ip| net.contains(&ip)),
        Test::Never | Test::Null | Test::Exists(_) | Test::FieldRef(..) => false,
    }
}

/// Literals shorter than this occur in nearly every event (a space, `=`, a port number):
/// anchoring on them costs more prefilter hits than evaluating the rule does.
const MIN_ANCHOR_BYTES: usize = 3;

/// Literals one of which must occur; `None` = no such guarantee.
fn cond_literals(c: &Cond, searches: &[Search]) -> Option<Vec<String>> {
    match c {
        Cond::Search(i) => searches.get(*i).and_then(search_literals),
        Cond::And(items) => best(items.iter().filter_map(|i| cond_literals(i, searches))),
        Cond::Or(items) => union(items.iter().map(|i| cond_literals(i, searches))),
        Cond::Not(_) | Cond::Const(_) => None,
        Cond::AtLeast(k, members) if *k == members.len() => best(
            members
                .iter()
                .filter_map(|m| searches.get(*m).and_then(search_literals)),
        ),
        Cond::AtLeast(_, members) => union(
            members
                .iter()
                .map(|m| searches.get(*m).and_then(search_literals)),
        ),
    }
}

fn search_literals(s: &Search) -> Option<Vec<String>> {
    match s {
        Search::AllOf(items) => best(items.iter().filter_map(item_literals)),
        Search::AnyOf(groups) => union(
            groups
                .iter()
                .map(|g| best(g.iter().filter_map(item_literals))),
        ),
    }
}

fn item_literals(item: &Item) -> Option<Vec<String>> {
    let lits: Vec<Option<String>> = item
        .tests
        .iter()
        .map(|t| match t {
            Test::Pattern(p) => p
                .anchor()
                .filter(|a| a.len() >= MIN_ANCHOR_BYTES)
                .map(str::to_owned),
            _ => None,
        })
        .collect();
    if item.all {
        // Every test must hold: any one literal is a guarantee; take the longest.
        lits.into_iter()
            .flatten()
            .max_by_key(String::len)
            .map(|l| vec![l])
    } else {
        lits.into_iter().collect()
    }
}

/// For an AND: any one side's literals are a guarantee; keep the most selective.
fn best(options: impl Iterator<Item = Vec<String>>) -> Option<Vec<String>> {
    options.max_by_key(|lits| {
        let shortest = lits.iter().map(String::len).min().unwrap_or(0);
        (shortest.min(12), usize::MAX - lits.len())
    })
}

/// For an OR: every branch needs a guarantee, and the guarantee is their union.
fn union(options: impl Iterator<Item = Option<Vec<String>>>) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for o in options {
        out.extend(o?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detection(yaml: &str) -> Detection {
        let y: Yaml = serde_yaml_ng::from_str(yaml).unwrap();
        Detection::compile(&y, &Placeholders::new()).unwrap()
    }

    fn ev(v: serde_json::Value) -> EventView {
        EventView::from_json(v.as_object().unwrap())
    }

    #[test]
    fn selection_and_filter() {
        let d = detection(
            r#"
selection:
    Image|endswith: '\reg.exe'
    CommandLine|contains|all: [' add ', 'AmsiEnable']
filter:
    User: SYSTEM
condition: selection and not filter
"#,
        );
        let hit =
            ev(json!({"Image": "C:\\Windows\\REG.exe", "CommandLine": "reg ADD x /v amsienable"}));
        assert!(d.matches(&hit));
        let filtered =
            ev(json!({"Image": "C:\\reg.exe", "CommandLine": " add amsienable", "User": "system"}));
        assert!(!d.matches(&filtered));
        let partial = ev(json!({"Image": "C:\\reg.exe", "CommandLine": " add x"}));
        assert!(!d.matches(&partial));
        assert_eq!(d.required_literals(), Some(vec!["amsienable".to_string()]));
    }

    #[test]
    fn lists_nulls_numbers_and_quantifiers() {
        let d = detection(
            r#"
sel_a:
    - EventID: 4688
    - EventID: [1, 2]
sel_b:
    OriginalFileName: null
sel_c:
    Count|gte: 5
condition: 1 of sel_* and not sel_b or all of sel_c
"#,
        );
        assert!(d.matches(&ev(json!({"EventID": 4688, "OriginalFileName": "x"}))));
        assert!(!d.matches(&ev(json!({"EventID": 2}))));
        assert!(d.matches(&ev(json!({"Count": "7"}))));
        assert!(!d.matches(&ev(json!({"Count": 4}))));
    }

    #[test]
    fn keywords_regex_cidr_exists_fieldref() {
        let d = detection("keywords: ['*mimikatz*', 'sekurlsa']\ncondition: keywords");
        assert!(d.matches(&ev(json!({"a": {"b": "run MIMIKATZ now"}}))));
        assert!(!d.matches(&ev(json!({"a": "clean"}))));
        let d = detection("sel:\n  CommandLine|re: '^a.c$'\ncondition: sel");
        assert!(d.matches(&ev(json!({"CommandLine": "abc"}))));
        assert!(!d.matches(&ev(json!({"CommandLine": "ABC"}))));
        let d = detection("sel:\n  CommandLine|re|i: '^a.c$'\ncondition: sel");
        assert!(d.matches(&ev(json!({"CommandLine": "ABC"}))));
        let d =
            detection("sel:\n  DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\ncondition: sel");
        assert!(d.matches(&ev(json!({"DestinationIp": "10.2.3.4"}))));
        assert!(d.matches(&ev(json!({"DestinationIp": "fe80::1"}))));
        assert!(!d.matches(&ev(json!({"DestinationIp": "11.0.0.1"}))));
        let d = detection("sel:\n  Foo|exists: false\ncondition: sel");
        assert!(d.matches(&ev(json!({"Bar": 1}))));
        let d = detection("sel:\n  TargetUserName|fieldref: SubjectUserName\ncondition: sel");
        assert!(d.matches(&ev(
            json!({"TargetUserName": "Bob", "SubjectUserName": "bob"})
        )));
        assert!(!d.matches(&ev(
            json!({"TargetUserName": "Bob", "SubjectUserName": "alice"})
        )));
    }

    #[test]
    fn windash_and_base64offset() {
        let d = detection("sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel");
        assert!(d.matches(&ev(json!({"CommandLine": "powershell /enc AAA"}))));
        assert!(d.matches(&ev(json!({"CommandLine": "powershell \u{2013}enc AAA"}))));
        let d = detection("sel:\n  CommandLine|base64offset|contains: 'IEX'\ncondition: sel");
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode("xxIEX (New-Object)");
        assert!(d.matches(&ev(
            json!({"CommandLine": format!("powershell -e {encoded}")})
        )));
    }

    #[test]
    fn errors() {
        let y: Yaml = serde_yaml_ng::from_str("sel:\n  A|nosuch: 1\ncondition: sel").unwrap();
        assert!(matches!(
            Detection::compile(&y, &Placeholders::new()),
            Err(CompileError::Unsupported(_))
        ));
        let y: Yaml = serde_yaml_ng::from_str("sel:\n  A: 1\ncondition: other").unwrap();
        assert!(matches!(
            Detection::compile(&y, &Placeholders::new()),
            Err(CompileError::Invalid(_))
        ));
        let y: Yaml =
            serde_yaml_ng::from_str("sel:\n  A: 1\ncondition: sel | count() > 3").unwrap();
        assert!(matches!(
            Detection::compile(&y, &Placeholders::new()),
            Err(CompileError::Unsupported(_))
        ));
        let y: Yaml = serde_yaml_ng::from_str("sel:\n  A: 1").unwrap();
        assert!(matches!(
            Detection::compile(&y, &Placeholders::new()),
            Err(CompileError::Invalid(_))
        ));
    }

    #[test]
    fn unresolved_placeholder_matches_nothing() {
        let y: Yaml =
            serde_yaml_ng::from_str("sel:\n  User|expand: '%admins%'\ncondition: sel").unwrap();
        let d = Detection::compile(&y, &Placeholders::new()).unwrap();
        assert_eq!(d.unresolved_placeholders, vec!["admins".to_string()]);
        assert!(!d.matches(&ev(json!({"User": "%admins%"}))));
    }
}
