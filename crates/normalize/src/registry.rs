//! Parsers by name, and auto-detection across them.

use crate::{
    CefParser, JsonParser, KvParser, LeefParser, ParseError, ParseOptions, Parser, RawParser,
    RecordMeta, Rfc3164Parser, Rfc5424Parser, SyslogParser,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use steward_model::{ecs, Event};

/// The name that selects auto-detection.
pub const AUTO: &str = "auto";

/// Name -> parser. Built once at start-up and shared read-only (`Arc<Registry>`) by every
/// pipeline worker.
#[derive(Clone)]
pub struct Registry {
    parsers: BTreeMap<String, Arc<dyn Parser>>,
    groups: Vec<Arc<dyn GroupDetector>>,
    auto: Arc<AutoParser>,
    fallback: Arc<dyn Parser>,
}

/// Detection for many parsers in one pass over a record (for example one regular
/// expression set over every device family), instead of one `Parser::detect` call each.
/// Its members take part in auto-detection only through it.
pub trait GroupDetector: Send + Sync {
    /// Names of the parsers this detector answers for.
    fn members(&self) -> Vec<String>;
    /// The member most confident about `line`, with its score (1–100).
    fn best(&self, line: &str) -> Option<(&str, u8)>;
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("parsers", &self.names())
            .finish()
    }
}

impl Registry {
    /// A registry with no parsers; detection falls back to `raw`.
    pub fn empty() -> Registry {
        let fallback: Arc<dyn Parser> = Arc::new(RawParser);
        Registry {
            parsers: BTreeMap::new(),
            groups: Vec::new(),
            auto: Arc::new(AutoParser {
                detection: Detection::default_with(fallback.clone()),
            }),
            fallback,
        }
    }

    /// Every built-in parser, plus "auto".
    pub fn builtin() -> Registry {
        let mut registry = Registry::empty();
        let parsers: [Arc<dyn Parser>; 8] = [
            Arc::new(Rfc5424Parser),
            Arc::new(Rfc3164Parser),
            Arc::new(SyslogParser),
            Arc::new(CefParser),
            Arc::new(LeefParser),
            Arc::new(JsonParser),
            Arc::new(KvParser),
            Arc::new(RawParser),
        ];
        for parser in parsers {
            registry.register(parser);
        }
        registry
    }

    /// The parser called `name`; "auto" yields a parser that detects per line.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Parser>> {
        if name == AUTO {
            return Some(self.auto.clone());
        }
        self.parsers.get(name).cloned()
    }

    /// Registered names, sorted, including "auto".
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.parsers.keys().cloned().collect();
        names.push(AUTO.to_owned());
        names.sort_unstable();
        names
    }

    /// Adds `parser`, replacing one of the same name. "auto" is reserved for detection, so a
    /// parser of that name is ignored.
    pub fn register(&mut self, parser: Arc<dyn Parser>) {
        let name = parser.name().to_owned();
        if name == AUTO {
            return;
        }
        self.parsers.insert(name, parser);
        self.rebuild_detection();
    }

    /// Lets `group` detect for its members (registered with [`Registry::register`]) in
    /// one pass; a later group claiming the same member takes it over.
    pub fn register_group(&mut self, group: Arc<dyn GroupDetector>) {
        self.groups.push(group);
        self.rebuild_detection();
    }

    fn rebuild_detection(&mut self) {
        let mut grouped = std::collections::HashSet::new();
        let mut groups = Vec::new();
        for group in &self.groups {
            let members: Members = group
                .members()
                .into_iter()
                .filter_map(|name| self.parsers.get(&name).map(|p| (name, p.clone())))
                .collect();
            grouped.extend(members.keys().cloned());
            groups.push((group.clone(), members));
        }
        let individual = self
            .parsers
            .iter()
            .filter(|(name, _)| !grouped.contains(*name))
            .map(|(_, p)| p.clone())
            .collect();
        self.auto = Arc::new(AutoParser {
            detection: Detection {
                individual,
                groups,
                fallback: self.fallback.clone(),
            },
        });
    }

    /// The parser for records nothing else can read.
    pub(crate) fn fallback(&self) -> Arc<dyn Parser> {
        self.parsers.get("raw").unwrap_or(&self.fallback).clone()
    }

    /// The parser most confident about `line`; `raw` when none claims it.
    pub fn detect(&self, line: &str) -> Arc<dyn Parser> {
        self.auto.detection.best(line).clone()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

/// Who takes part in auto-detection, and how.
struct Detection {
    /// Parsers asked one by one, in name order.
    individual: Vec<Arc<dyn Parser>>,
    /// Group detectors with their members by name.
    groups: Vec<(Arc<dyn GroupDetector>, Members)>,
    fallback: Arc<dyn Parser>,
}

/// A group detector's parsers by name.
type Members = BTreeMap<String, Arc<dyn Parser>>;

impl Detection {
    fn default_with(fallback: Arc<dyn Parser>) -> Detection {
        Detection {
            individual: Vec::new(),
            groups: Vec::new(),
            fallback,
        }
    }

    /// Highest score wins; on a tie the individual parser first in name order, then the
    /// groups in registration order, so detection is deterministic.
    fn best(&self, line: &str) -> &Arc<dyn Parser> {
        let mut best: Option<(&Arc<dyn Parser>, u8)> = None;
        for parser in &self.individual {
            let score = parser.detect(line);
            if score > 0 && best.is_none_or(|(_, top)| score > top) {
                best = Some((parser, score));
            }
        }
        for (group, members) in &self.groups {
            if let Some((name, score)) = group.best(line) {
                if score > 0 && best.is_none_or(|(_, top)| score > top) {
                    if let Some(parser) = members.get(name) {
                        best = Some((parser, score));
                    }
                }
            }
        }
        best.map_or(&self.fallback, |(p, _)| p)
    }

    fn max_score(&self, line: &str) -> u8 {
        let individual = self.individual.iter().map(|p| p.detect(line)).max();
        let grouped = self
            .groups
            .iter()
            .filter_map(|(g, _)| g.best(line).map(|(_, s)| s))
            .max();
        individual.max(grouped).unwrap_or(0)
    }
}

/// Detection as a parser, for callers that want one `Arc<dyn Parser>` whatever the name.
/// It records the chosen parser's dataset and name itself, since its own say nothing.
struct AutoParser {
    detection: Detection,
}

impl Parser for AutoParser {
    fn name(&self) -> &str {
        AUTO
    }

    fn dataset(&self) -> &str {
        "raw"
    }

    fn detect(&self, line: &str) -> u8 {
        self.detection.max_score(line)
    }

    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        let parser = self.detection.best(line);
        parser.parse(line, opts, meta, event)?;
        event.set_if_absent(ecs::EVENT_DATASET, parser.dataset());
        event.set_if_absent(ecs::STEWARD_PARSER, parser.name());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names() {
        let registry = Registry::builtin();
        assert_eq!(
            registry.names(),
            vec!["auto", "cef", "json", "kv", "leef", "raw", "rfc3164", "rfc5424", "syslog"]
        );
        assert!(registry.get("auto").is_some());
        assert!(registry.get("nope").is_none());
        assert_eq!(registry.get("cef").unwrap().name(), "cef");
    }

    #[test]
    fn auto_detection_table() {
        let registry = Registry::builtin();
        let table = [
            ("CEF:0|V|P|1|id|n|5|src=1.2.3.4", "cef"),
            (
                "<134>1 2026-01-01T00:00:00Z h a - - - CEF:0|V|P|1|id|n|5|",
                "cef",
            ),
            ("<134>Jan  1 00:00:00 h CEF:0|V|P|1|id|n|5|", "cef"),
            ("LEEF:1.0|V|P|1|id|src=1.2.3.4", "leef"),
            (
                "<13>1 2026-01-01T00:00:00Z h a - - - LEEF:2.0|V|P|1|id|^|a=b",
                "leef",
            ),
            (
                "<34>1 2003-10-11T22:14:15.003Z host su - ID47 - hi",
                "rfc5424",
            ),
            ("<134>1 2026-01-01T00:00:00Z h a - - - {\"a\":1}", "rfc5424"),
            (
                "<134>1 2026-01-01T00:00:00Z h a - - - src=1.2.3.4 dst=5.6.7.8",
                "rfc5424",
            ),
            ("<34>Oct 11 22:14:15 mymachine su: hi", "rfc3164"),
            ("Oct 11 22:14:15 mymachine su: hi", "rfc3164"),
            ("<13>2026-01-01T00:00:00Z h a: x", "rfc3164"),
            ("<13>whatever", "rfc3164"),
            ("{\"a\":1}", "json"),
            ("  {\"a\":1", "json"),
            ("a=1 b=2", "kv"),
            ("date=2026-01-01 time=10:00:00 devname=fw", "kv"),
            ("a=1 and words", "raw"),
            ("just some text", "raw"),
            ("", "raw"),
            ("CEF: mentioned in passing", "raw"),
        ];
        for (line, want) in table {
            assert_eq!(registry.detect(line).name(), want, "{line:?}");
        }
    }

    #[test]
    fn registered_parsers_join_detection() {
        struct Vendor;
        impl Parser for Vendor {
            fn name(&self) -> &str {
                "vendor_fw"
            }
            fn dataset(&self) -> &str {
                "vendor.fw"
            }
            fn detect(&self, line: &str) -> u8 {
                if line.contains("devid=FG") {
                    97
                } else {
                    0
                }
            }
            fn parse(
                &self,
                _line: &str,
                _opts: &ParseOptions,
                _meta: &RecordMeta,
                event: &mut Event,
            ) -> Result<(), ParseError> {
                event.set("observer.vendor", "Vendor");
                Ok(())
            }
        }
        let mut registry = Registry::builtin();
        registry.register(Arc::new(Vendor));
        let line = "<13>Jan  1 00:00:00 fw devid=FG100 src=1.2.3.4";
        assert_eq!(registry.detect(line).name(), "vendor_fw");
        assert!(registry.names().iter().any(|n| n == "vendor_fw"));

        let auto = registry.get("auto").unwrap();
        let mut e = Event::new();
        let meta = RecordMeta::received_at(chrono::Utc::now());
        auto.parse(line, &ParseOptions::default(), &meta, &mut e)
            .unwrap();
        assert_eq!(e.get_str("event.dataset"), Some("vendor.fw"));
        assert_eq!(e.get_str("steward.parser"), Some("vendor_fw"));
        assert_eq!(auto.detect(line), 97);
    }

    #[test]
    fn group_detectors_answer_for_their_members() {
        struct Named(&'static str);
        impl Parser for Named {
            fn name(&self) -> &str {
                self.0
            }
            fn dataset(&self) -> &str {
                self.0
            }
            fn detect(&self, _line: &str) -> u8 {
                100 // never asked: the group answers for it
            }
            fn parse(
                &self,
                _line: &str,
                _opts: &ParseOptions,
                _meta: &RecordMeta,
                _event: &mut Event,
            ) -> Result<(), ParseError> {
                Ok(())
            }
        }
        struct Group;
        impl GroupDetector for Group {
            fn members(&self) -> Vec<String> {
                vec!["alpha".into(), "beta".into(), "ghost".into()]
            }
            fn best(&self, line: &str) -> Option<(&str, u8)> {
                if line.contains("ALPHA") {
                    Some(("alpha", 97))
                } else if line.contains("BETA") {
                    Some(("beta", 60))
                } else {
                    None
                }
            }
        }
        let mut registry = Registry::builtin();
        registry.register(Arc::new(Named("alpha")));
        registry.register(Arc::new(Named("beta")));
        registry.register_group(Arc::new(Group));
        assert_eq!(registry.detect("x ALPHA y").name(), "alpha");
        // A group's answer competes on score with the individual parsers.
        assert_eq!(registry.detect("CEF:0|V|P|1|id|n|5|BETA").name(), "cef");
        assert_eq!(registry.detect("plain BETA").name(), "beta");
        assert_eq!(registry.detect("nothing here").name(), "raw");
        assert_eq!(registry.get("auto").unwrap().detect("ALPHA"), 97);
        assert!(registry.get("beta").is_some());
    }

    #[test]
    fn empty_registry_falls_back_to_raw() {
        assert_eq!(Registry::empty().detect("CEF:0|a|b").name(), "raw");
    }
}
