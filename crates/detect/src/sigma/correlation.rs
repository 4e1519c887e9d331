//! Sigma correlation rules, evaluated in-stream.
//!
//! State is kept per (correlation, group-by values) and only for the rule's timespan;
//! each correlation tracks at most `max_groups` groups (the least recently seen are
//! evicted and counted), so memory is bounded whatever the traffic.

use super::detection::CompileError;
use super::rule::{string_list, RuleMeta};
use chrono::{DateTime, Duration, Utc};
use serde_yaml_ng::Value as Yaml;
use std::collections::{HashMap, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

impl CorrelationType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "event_count" => Self::EventCount,
            "value_count" => Self::ValueCount,
            "temporal" => Self::Temporal,
            "temporal_ordered" => Self::TemporalOrdered,
            "value_sum" => Self::ValueSum,
            "value_avg" => Self::ValueAvg,
            "value_percentile" => Self::ValuePercentile,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EventCount => "event_count",
            Self::ValueCount => "value_count",
            Self::Temporal => "temporal",
            Self::TemporalOrdered => "temporal_ordered",
            Self::ValueSum => "value_sum",
            Self::ValueAvg => "value_avg",
            Self::ValuePercentile => "value_percentile",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Threshold {
    ops: Vec<(Op, f64)>,
    pub field: Option<String>,
}

impl Threshold {
    pub fn holds(&self, v: f64) -> bool {
        self.ops.iter().all(|(op, t)| match op {
            Op::Gt => v > *t,
            Op::Gte => v >= *t,
            Op::Lt => v < *t,
            Op::Lte => v <= *t,
            Op::Eq => v == *t,
            Op::Neq => v != *t,
        })
    }
}

#[derive(Clone, Debug)]
pub struct CorrelationRule {
    pub meta: RuleMeta,
    pub kind: CorrelationType,
    /// Referenced rules, by `name` or `id`, as written.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan: Duration,
    pub condition: Threshold,
    /// Whether the referenced rules also raise their own alerts.
    pub generate: bool,
    /// alias → (referenced rule → that rule's field).
    pub aliases: HashMap<String, HashMap<String, String>>,
}

/// `30s`, `5m`, `1h`, `2d`, `1w` (`M`/`y` approximated as 30/365 days).
pub fn parse_timespan(s: &str) -> Option<Duration> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    if n <= 0 {
        return None;
    }
    Some(match unit {
        's' => Duration::seconds(n),
        'm' => Duration::minutes(n),
        'h' => Duration::hours(n),
        'd' => Duration::days(n),
        'w' => Duration::weeks(n),
        'M' => Duration::days(30 * n),
        'y' => Duration::days(365 * n),
        _ => return None,
    })
}

impl CorrelationRule {
    pub fn parse(meta: RuleMeta, corr: &Yaml) -> Result<Self, CompileError> {
        let invalid = |m: &str| CompileError::Invalid(m.to_owned());
        let map = corr
            .as_mapping()
            .ok_or_else(|| invalid("`correlation` is not a map"))?;
        let kind_text = map
            .get("type")
            .and_then(Yaml::as_str)
            .ok_or_else(|| invalid("correlation has no `type`"))?;
        let kind = CorrelationType::parse(kind_text)
            .ok_or_else(|| CompileError::Unsupported(format!("correlation type `{kind_text}`")))?;
        let rules = map.get("rules").map(string_list).unwrap_or_default();
        if rules.is_empty() {
            return Err(invalid("correlation names no rules"));
        }
        let group_by = map.get("group-by").map(string_list).unwrap_or_default();
        let timespan_text = map
            .get("timespan")
            .or_else(|| map.get("timeframe"))
            .and_then(|v| match v {
                Yaml::String(s) => Some(s.clone()),
                _ => None,
            })
            .ok_or_else(|| invalid("correlation has no `timespan`"))?;
        let timespan = parse_timespan(&timespan_text)
            .ok_or_else(|| invalid(&format!("timespan `{timespan_text}`")))?;
        let condition = match map.get("condition") {
            None => Threshold::default(),
            Some(Yaml::Mapping(c)) => {
                let mut t = Threshold::default();
                for (k, v) in c {
                    let key = k.as_str().unwrap_or_default();
                    if key == "field" {
                        t.field = match v {
                            Yaml::String(s) => Some(s.clone()),
                            Yaml::Sequence(_) => string_list(v).into_iter().next(),
                            _ => None,
                        };
                        continue;
                    }
                    let op = match key {
                        "gt" => Op::Gt,
                        "gte" => Op::Gte,
                        "lt" => Op::Lt,
                        "lte" => Op::Lte,
                        "eq" => Op::Eq,
                        "neq" => Op::Neq,
                        other => {
                            return Err(CompileError::Unsupported(format!(
                                "correlation condition `{other}`"
                            )))
                        }
                    };
                    let n = match v {
                        Yaml::Number(n) => n.as_f64(),
                        Yaml::String(s) => s.trim().parse().ok(),
                        _ => None,
                    }
                    .ok_or_else(|| invalid("correlation condition value is not a number"))?;
                    t.ops.push((op, n));
                }
                t
            }
            Some(_) => return Err(invalid("correlation `condition` is not a map")),
        };
        let needs_field = matches!(
            kind,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        );
        if needs_field && condition.field.is_none() {
            return Err(invalid("this correlation type needs `condition.field`"));
        }
        if condition.ops.is_empty()
            && !matches!(
                kind,
                CorrelationType::Temporal | CorrelationType::TemporalOrdered
            )
        {
            return Err(invalid("correlation has no condition"));
        }
        let generate = matches!(map.get("generate"), Some(Yaml::Bool(true)));
        let mut aliases = HashMap::new();
        if let Some(Yaml::Mapping(a)) = map.get("aliases") {
            for (alias, per_rule) in a {
                let (Some(alias), Some(per_rule)) = (alias.as_str(), per_rule.as_mapping()) else {
                    return Err(invalid("correlation `aliases` is malformed"));
                };
                let fields = per_rule
                    .iter()
                    .filter_map(|(r, f)| Some((r.as_str()?.to_owned(), f.as_str()?.to_owned())))
                    .collect();
                aliases.insert(alias.to_owned(), fields);
            }
        }
        Ok(Self {
            meta,
            kind,
            rules,
            group_by,
            timespan,
            condition,
            generate,
            aliases,
        })
    }

    /// The field to read for group-by `field` from an event of referenced rule `rule`.
    pub fn field_for<'a>(&'a self, field: &'a str, rule: &str) -> &'a str {
        self.aliases
            .get(field)
            .and_then(|m| m.get(rule))
            .map_or(field, String::as_str)
    }
}

/// One observation fed to a correlation: a referenced rule matched.
pub struct Observation<'a> {
    /// Position of the matched rule in the correlation's `rules`.
    pub rule_position: usize,
    pub time: DateTime<Utc>,
    /// Group-by values, in `group_by` order.
    pub group: Vec<String>,
    /// The value of `condition.field` in this event, for the value_* types.
    pub value: Option<&'a str>,
}

/// What a correlation reports when its condition holds for a group.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationHit {
    pub group: Vec<(String, String)>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The aggregated figure: event count, distinct values, sum, average, share (%).
    pub value: f64,
    pub events: usize,
}

#[derive(Default)]
struct GroupState {
    /// (time, rule position, value)
    events: VecDeque<(DateTime<Utc>, usize, Option<String>)>,
    last_seen: Option<DateTime<Utc>>,
}

/// Live state of one correlation.
pub struct CorrelationState {
    groups: HashMap<Vec<String>, GroupState>,
    max_groups: usize,
    max_events_per_group: usize,
    pub evictions: u64,
    pub dropped_events: u64,
    observations: u64,
}

impl CorrelationState {
    pub fn new(max_groups: usize, max_events_per_group: usize) -> Self {
        Self {
            groups: HashMap::new(),
            max_groups: max_groups.max(1),
            max_events_per_group: max_events_per_group.max(1),
            evictions: 0,
            dropped_events: 0,
            observations: 0,
        }
    }

    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    pub fn observe(
        &mut self,
        rule: &CorrelationRule,
        obs: Observation<'_>,
    ) -> Option<CorrelationHit> {
        self.observations += 1;
        if self.observations.is_multiple_of(4096) {
            self.expire(obs.time - rule.timespan);
        }
        if !self.groups.contains_key(&obs.group) && self.groups.len() >= self.max_groups {
            self.expire(obs.time - rule.timespan);
            if self.groups.len() >= self.max_groups {
                self.evict_oldest();
            }
        }
        let state = self.groups.entry(obs.group.clone()).or_default();
        let horizon = obs.time - rule.timespan;
        while state.events.front().is_some_and(|(t, _, _)| *t < horizon) {
            state.events.pop_front();
        }
        // Events that arrive late are kept in time order.
        let at = state.events.partition_point(|(t, _, _)| *t <= obs.time);
        state.events.insert(
            at,
            (obs.time, obs.rule_position, obs.value.map(str::to_owned)),
        );
        if state.events.len() > self.max_events_per_group {
            state.events.pop_front();
            self.dropped_events += 1;
        }
        state.last_seen = Some(state.last_seen.map_or(obs.time, |l| l.max(obs.time)));
        let value = evaluate(rule, &state.events)?;
        let first_seen = state.events.front().map_or(obs.time, |e| e.0);
        let last_seen = state.events.back().map_or(obs.time, |e| e.0);
        let events = state.events.len();
        // Fired: start over, so one burst raises one alert, not one per further event.
        state.events.clear();
        Some(CorrelationHit {
            group: rule.group_by.iter().cloned().zip(obs.group).collect(),
            first_seen,
            last_seen,
            value,
            events,
        })
    }

    fn expire(&mut self, horizon: DateTime<Utc>) {
        self.groups
            .retain(|_, g| g.last_seen.is_some_and(|l| l >= horizon));
    }

    fn evict_oldest(&mut self) {
        // Drop the least recently seen tenth at once so eviction is amortised.
        let mut seen: Vec<(DateTime<Utc>, Vec<String>)> = self
            .groups
            .iter()
            .map(|(k, g)| (g.last_seen.unwrap_or_default(), k.clone()))
            .collect();
        seen.sort();
        let n = (self.groups.len() / 10).max(1);
        for (_, key) in seen.into_iter().take(n) {
            self.groups.remove(&key);
            self.evictions += 1;
        }
    }
}

fn evaluate(
    rule: &CorrelationRule,
    events: &VecDeque<(DateTime<Utc>, usize, Option<String>)>,
) -> Option<f64> {
    let values = || events.iter().filter_map(|(_, _, v)| v.as_deref());
    let numbers = || values().filter_map(|v| v.trim().parse::<f64>().ok());
    let figure = match rule.kind {
        CorrelationType::EventCount => events.len() as f64,
        CorrelationType::ValueCount => {
            let mut distinct: Vec<&str> = values().collect();
            distinct.sort_unstable();
            distinct.dedup();
            distinct.len() as f64
        }
        CorrelationType::ValueSum => numbers().sum(),
        CorrelationType::ValueAvg => {
            let (sum, n) = numbers().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            if n == 0 {
                return None;
            }
            sum / n as f64
        }
        CorrelationType::ValuePercentile => {
            // Share (in %) of the group's events that carry the newest event's value:
            // "a value seen in at most 1% of events" is a rare one.
            let newest = events.back().and_then(|(_, _, v)| v.as_deref())?;
            let same = values().filter(|v| *v == newest).count();
            100.0 * same as f64 / events.len() as f64
        }
        CorrelationType::Temporal => {
            let mut seen: Vec<usize> = events.iter().map(|(_, r, _)| *r).collect();
            seen.sort_unstable();
            seen.dedup();
            let need_all = rule.condition.ops.is_empty();
            if need_all && seen.len() < rule.rules.len() {
                return None;
            }
            seen.len() as f64
        }
        CorrelationType::TemporalOrdered => {
            // Greedy: the earliest occurrence of each rule after the previous one's.
            let mut next = 0usize;
            for (_, r, _) in events {
                if *r == next {
                    next += 1;
                    if next == rule.rules.len() {
                        break;
                    }
                }
            }
            if rule.condition.ops.is_empty() && next < rule.rules.len() {
                return None;
            }
            next as f64
        }
    };
    (rule.condition.ops.is_empty() || rule.condition.holds(figure)).then_some(figure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rule(yaml: &str) -> CorrelationRule {
        let y: Yaml = serde_yaml_ng::from_str(yaml).unwrap();
        CorrelationRule::parse(RuleMeta::default(), &y).unwrap()
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn obs(
        pos: usize,
        secs: i64,
        group: &str,
        value: Option<&'static str>,
    ) -> Observation<'static> {
        Observation {
            rule_position: pos,
            time: at(secs),
            group: vec![group.to_owned()],
            value,
        }
    }

    #[test]
    fn event_count_in_window() {
        let r = rule(
            "type: event_count\nrules: [a]\ngroup-by: [User]\ntimespan: 1m\ncondition: {gte: 3}",
        );
        let mut s = CorrelationState::new(100, 1000);
        assert!(s.observe(&r, obs(0, 0, "bob", None)).is_none());
        assert!(s.observe(&r, obs(0, 10, "bob", None)).is_none());
        assert!(s.observe(&r, obs(0, 20, "alice", None)).is_none());
        // 70 s after the first: the first two fell out of the window by t=75.
        assert!(s.observe(&r, obs(0, 70, "bob", None)).is_none());
        assert!(s.observe(&r, obs(0, 72, "bob", None)).is_none());
        let hit = s.observe(&r, obs(0, 75, "bob", None)).unwrap();
        assert_eq!(hit.value, 3.0);
        assert_eq!(hit.group, vec![("User".to_string(), "bob".to_string())]);
        // Reset after firing.
        assert!(s.observe(&r, obs(0, 76, "bob", None)).is_none());
    }

    #[test]
    fn value_count_and_temporal_ordered() {
        let r = rule("type: value_count\nrules: [a]\ngroup-by: [Ip]\ntimespan: 5m\ncondition: {gt: 2, field: User}");
        let mut s = CorrelationState::new(100, 1000);
        for (i, u) in ["a", "a", "b"].iter().enumerate() {
            assert!(s.observe(&r, obs(0, i as i64, "ip", Some(u))).is_none());
        }
        assert_eq!(
            s.observe(&r, obs(0, 5, "ip", Some("c"))).unwrap().value,
            3.0
        );

        let r = rule("type: temporal_ordered\nrules: [fail, ok]\ngroup-by: [User]\ntimespan: 10m");
        let mut s = CorrelationState::new(100, 1000);
        assert!(
            s.observe(&r, obs(1, 0, "u", None)).is_none(),
            "success before failure"
        );
        assert!(s.observe(&r, obs(0, 5, "u", None)).is_none());
        assert!(s.observe(&r, obs(1, 6, "u", None)).is_some());
        let r = rule("type: temporal\nrules: [x, y]\ngroup-by: [User]\ntimespan: 10s");
        let mut s = CorrelationState::new(100, 1000);
        assert!(s.observe(&r, obs(1, 0, "u", None)).is_none());
        assert!(
            s.observe(&r, obs(0, 30, "u", None)).is_none(),
            "outside the window"
        );
        assert!(s.observe(&r, obs(1, 31, "u", None)).is_some());
    }

    #[test]
    fn groups_are_capped_and_evictions_counted() {
        let r = rule(
            "type: event_count\nrules: [a]\ngroup-by: [k]\ntimespan: 1h\ncondition: {gte: 100}",
        );
        let mut s = CorrelationState::new(50, 10);
        for i in 0..500 {
            s.observe(&r, obs(0, i, &format!("g{i}"), None));
        }
        assert!(s.groups() <= 50);
        assert!(s.evictions >= 450);
        for i in 0..20 {
            s.observe(&r, obs(0, 600 + i, "hot", None));
        }
        assert_eq!(s.dropped_events, 10);
    }

    #[test]
    fn parse_errors_and_timespans() {
        assert_eq!(parse_timespan("5m"), Some(Duration::minutes(5)));
        assert_eq!(parse_timespan("24h"), Some(Duration::hours(24)));
        assert_eq!(parse_timespan("x"), None);
        assert_eq!(parse_timespan("-1s"), None);
        assert_eq!(parse_timespan("ñ"), None);
        let bad = |y: &str| {
            let v: Yaml = serde_yaml_ng::from_str(y).unwrap();
            CorrelationRule::parse(RuleMeta::default(), &v).is_err()
        };
        assert!(bad("type: nope\nrules: [a]\ntimespan: 1m"));
        assert!(bad(
            "type: event_count\nrules: []\ntimespan: 1m\ncondition: {gt: 1}"
        ));
        assert!(bad(
            "type: value_count\nrules: [a]\ntimespan: 1m\ncondition: {gt: 1}"
        ));
        assert!(bad(
            "type: event_count\nrules: [a]\ntimespan: soon\ncondition: {gt: 1}"
        ));
    }
}
