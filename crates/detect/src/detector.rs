//! The in-stream detector: a shared [`RuleSet`] plus this detector's correlation state.

use crate::sigma::correlation::{CorrelationHit, CorrelationState, Observation};
use crate::sigma::ruleset::RuleSet;
use crate::view::EventView;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use steward_model::{Detection, DetectionSource, Entities, Level};

/// Bounds on correlation state.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Groups tracked per correlation before the least recently seen are evicted.
    pub max_groups_per_correlation: usize,
    /// Events kept per group (oldest dropped, counted).
    pub max_events_per_group: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_groups_per_correlation: 100_000,
            max_events_per_group: 10_000,
        }
    }
}

/// A rule that matched one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleMatch {
    pub rule: usize,
}

/// Counters a running detector exposes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetectorStats {
    pub events: u64,
    pub rule_evaluations: u64,
    /// (literal, rule) pairs the prefilter reported.
    pub prefilter_hits: u64,
    /// Bytes of lowered values the prefilter scanned.
    pub haystack_bytes: u64,
    pub rule_matches: u64,
    pub correlation_hits: u64,
    pub correlation_groups: u64,
    pub correlation_evictions: u64,
    pub correlation_dropped_events: u64,
}

pub struct Detector {
    rules: Arc<RuleSet>,
    states: Vec<CorrelationState>,
    limits: Limits,
    /// Per rule: the event number it was last evaluated for (dedupes prefilter hits).
    evaluated: Vec<u64>,
    applicable: HashMap<crate::logsource::EventSource, Arc<Vec<bool>>>,
    stats: DetectorStats,
}

/// Chained correlations deeper than this are not followed (guards reference cycles).
const MAX_CHAIN: usize = 8;

impl Detector {
    pub fn new(rules: Arc<RuleSet>, limits: Limits) -> Self {
        let states = (0..rules.correlations.len())
            .map(|_| {
                CorrelationState::new(
                    limits.max_groups_per_correlation,
                    limits.max_events_per_group,
                )
            })
            .collect();
        Self {
            evaluated: vec![0; rules.rules.len()],
            rules,
            states,
            limits,
            applicable: HashMap::new(),
            stats: DetectorStats::default(),
        }
    }

    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// Swaps in a new rule set. Correlation state carries over for correlations whose
    /// id is unchanged.
    pub fn reload(&mut self, rules: Arc<RuleSet>) {
        let mut old: HashMap<String, CorrelationState> = self
            .rules
            .correlations
            .iter()
            .map(|c| c.rule.meta.id.clone())
            .zip(std::mem::take(&mut self.states))
            .collect();
        self.states = rules
            .correlations
            .iter()
            .map(|c| {
                old.remove(&c.rule.meta.id).unwrap_or_else(|| {
                    CorrelationState::new(
                        self.limits.max_groups_per_correlation,
                        self.limits.max_events_per_group,
                    )
                })
            })
            .collect();
        self.evaluated = vec![0; rules.rules.len()];
        self.applicable.clear();
        self.rules = rules;
    }

    pub fn stats(&self) -> DetectorStats {
        let mut s = self.stats.clone();
        s.correlation_groups = self.states.iter().map(|c| c.groups() as u64).sum();
        s.correlation_evictions = self.states.iter().map(|c| c.evictions).sum();
        s.correlation_dropped_events = self.states.iter().map(|c| c.dropped_events).sum();
        s
    }

    /// The rules (stateless Sigma rules only) that match this event, in rule order.
    pub fn matching_rules(&mut self, view: &EventView) -> Vec<RuleMatch> {
        self.stats.events += 1;
        let epoch = self.stats.events;
        let applicable = self.applicable_logsources(view);
        let rules = Arc::clone(&self.rules);
        let mut out = Vec::new();
        let mut evaluations = 0u64;
        let mut consider = |ri: u32, evaluated: &mut Vec<u64>| {
            let i = ri as usize;
            let Some(lr) = rules.rules.get(i) else { return };
            if evaluated[i] == epoch || !applicable[lr.logsource] {
                return;
            }
            evaluated[i] = epoch;
            evaluations += 1;
            if lr.rule.detection.matches(view) && !filtered(&rules, lr, view) {
                out.push(RuleMatch { rule: i });
            }
        };
        for (ls, ok) in applicable.iter().enumerate() {
            if *ok {
                for &ri in rules.unanchored_for(ls) {
                    consider(ri, &mut self.evaluated);
                }
            }
        }
        let evaluated = &mut self.evaluated;
        let mut hits = 0u64;
        rules.candidates(view.haystack(), |ri| {
            hits += 1;
            consider(ri, evaluated)
        });
        self.stats.prefilter_hits += hits;
        self.stats.haystack_bytes += view.haystack().len() as u64;
        self.stats.rule_evaluations += evaluations;
        self.stats.rule_matches += out.len() as u64;
        out.sort();
        out
    }

    fn applicable_logsources(&mut self, view: &EventView) -> Arc<Vec<bool>> {
        if let Some(a) = self.applicable.get(&view.source) {
            return Arc::clone(a);
        }
        let a: Arc<Vec<bool>> = Arc::new(
            self.rules
                .logsources
                .iter()
                .map(|ls| ls.applies_to(&view.source))
                .collect(),
        );
        // Event shapes are few; the bound only guards against hostile variety.
        if self.applicable.len() > 4096 {
            self.applicable.clear();
        }
        self.applicable.insert(view.source.clone(), Arc::clone(&a));
        a
    }

    /// Runs everything on one event: Sigma rules, then the correlations they feed.
    /// `now` stands in for the event's time when it has none.
    pub fn process(&mut self, event: &Map<String, Value>, now: DateTime<Utc>) -> Vec<Detection> {
        let view = EventView::from_json(event);
        self.process_view(&view, event, now)
    }

    pub fn process_view(
        &mut self,
        view: &EventView,
        event: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Vec<Detection> {
        let matches = self.matching_rules(view);
        if matches.is_empty() {
            return Vec::new();
        }
        let time = view.time.unwrap_or(now);
        let entities = entities(view);
        let event_ids: Vec<String> = event
            .get("event")
            .and_then(|e| e.get("id"))
            .and_then(Value::as_str)
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default();
        let rules = Arc::clone(&self.rules);
        let mut out = Vec::new();
        for m in matches {
            let lr = &rules.rules[m.rule];
            if lr.alerts {
                let r = &lr.rule;
                let mut details = Map::new();
                details.insert("rule_path".into(), json!(r.meta.path.display().to_string()));
                if let Some(s) = &r.meta.status {
                    details.insert("status".into(), json!(s));
                }
                out.push(Detection {
                    source: DetectionSource::Sigma,
                    rule_id: r.meta.id.clone(),
                    title: r.meta.title.clone(),
                    level: r.meta.level.unwrap_or(Level::Medium),
                    tags: r.meta.tags.clone(),
                    author: r.meta.author.clone(),
                    timestamp: time,
                    entities: entities.clone(),
                    event_ids: event_ids.clone(),
                    details,
                });
            }
            for &(ci, pos) in &lr.feeds {
                let corr = &rules.correlations[ci].rule;
                let rule_ref = &corr.rules[pos];
                // An event without a group-by field belongs to no group (as in the SQL
                // backends, where NULL groups drop out), not to one shared "" group.
                let group: Option<Vec<String>> = corr
                    .group_by
                    .iter()
                    .map(|g| {
                        view.first(corr.field_for(g, rule_ref))
                            .filter(|v| !v.raw.is_empty())
                            .map(|v| v.raw.to_owned())
                    })
                    .collect();
                let Some(group) = group else { continue };
                let value = corr
                    .condition
                    .field
                    .as_deref()
                    .and_then(|f| view.first(corr.field_for(f, rule_ref)))
                    .map(|v| v.raw);
                let obs = Observation {
                    rule_position: pos,
                    time,
                    group,
                    value,
                };
                self.correlate(ci, obs, &entities, &event_ids, &mut out, 0);
            }
        }
        out
    }

    fn correlate(
        &mut self,
        ci: usize,
        obs: Observation<'_>,
        entities: &Entities,
        event_ids: &[String],
        out: &mut Vec<Detection>,
        depth: usize,
    ) {
        if depth > MAX_CHAIN {
            return;
        }
        let rules = Arc::clone(&self.rules);
        let lc = &rules.correlations[ci];
        let Some(state) = self.states.get_mut(ci) else {
            return;
        };
        let Some(hit) = state.observe(&lc.rule, obs) else {
            return;
        };
        self.stats.correlation_hits += 1;
        if lc.alerts {
            out.push(correlation_detection(lc, &hit, entities, event_ids));
        }
        for &(parent, pos) in &lc.feeds {
            let pc = &rules.correlations[parent].rule;
            let group: Option<Vec<String>> = pc
                .group_by
                .iter()
                .map(|g| {
                    let field = pc.field_for(g, &pc.rules[pos]);
                    hit.group
                        .iter()
                        .find(|(k, _)| k == field)
                        .map(|(_, v)| v.clone())
                })
                .collect();
            let Some(group) = group else { continue };
            let obs = Observation {
                rule_position: pos,
                time: hit.last_seen,
                group,
                value: None,
            };
            self.correlate(parent, obs, entities, event_ids, out, depth + 1);
        }
    }
}

fn filtered(rules: &RuleSet, lr: &crate::sigma::ruleset::LoadedRule, view: &EventView) -> bool {
    lr.filters.iter().any(|&fi| {
        rules
            .filter(fi)
            .is_some_and(|f| f.logsource.applies_to(&view.source) && f.detection.matches(view))
    })
}

fn correlation_detection(
    lc: &crate::sigma::ruleset::LoadedCorrelation,
    hit: &CorrelationHit,
    entities: &Entities,
    event_ids: &[String],
) -> Detection {
    let r = &lc.rule;
    let mut details = Map::new();
    details.insert("correlation_type".into(), json!(r.kind.as_str()));
    details.insert(
        "group".into(),
        Value::Object(
            hit.group
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
        ),
    );
    details.insert("value".into(), json!(hit.value));
    details.insert("events".into(), json!(hit.events));
    details.insert(
        "first_seen".into(),
        json!(steward_model::time::ecs_timestamp(hit.first_seen)),
    );
    details.insert("timespan_seconds".into(), json!(r.timespan.num_seconds()));
    details.insert("rule_path".into(), json!(r.meta.path.display().to_string()));
    Detection {
        source: DetectionSource::Correlation,
        rule_id: r.meta.id.clone(),
        title: r.meta.title.clone(),
        level: r.meta.level.unwrap_or(Level::Medium),
        tags: r.meta.tags.clone(),
        author: r.meta.author.clone(),
        timestamp: hit.last_seen,
        entities: entities.clone(),
        event_ids: event_ids.to_vec(),
        details,
    }
}

/// The entities, read through the view: ECS paths first, then the Windows names. No
/// copy of the event is made (this runs for every match).
fn entities(view: &EventView) -> Entities {
    let pick = |names: &[&str]| {
        names.iter().find_map(|n| {
            view.get(n)
                .find(|v| !v.raw.is_empty())
                .map(|v| v.raw.to_owned())
        })
    };
    Entities {
        source_ip: pick(&["source.ip", "client.ip", "sourceip", "ipaddress", "src_ip"]),
        destination_ip: pick(&["destination.ip", "server.ip", "destinationip", "dst_ip"]),
        user: pick(&[
            "user.name",
            "source.user.name",
            "user.target.name",
            "user",
            "targetusername",
            "subjectusername",
        ]),
        host: pick(&[
            "host.name",
            "host.hostname",
            "observer.hostname",
            "computer",
        ]),
        process: pick(&[
            "process.executable",
            "process.name",
            "image",
            "newprocessname",
        ]),
        file: pick(&["file.path", "file.name", "targetfilename", "imageloaded"]),
        domain: pick(&[
            "dns.question.name",
            "url.domain",
            "destination.domain",
            "queryname",
            "destinationhostname",
        ]),
        url: pick(&["url.original", "url.full"]),
        hash: pick(&["file.hash.sha256", "file.hash.md5", "file.hash.sha1"]),
    }
}
