//! Turning a hit into the shared detection type.

use crate::types::IndicatorHit;
use chrono::Utc;
use serde_json::{Map, Value};
use steward_model::{Detection, DetectionSource, Entities, Event, Level};

/// Severity from the indicator's confidence. An indicator hit alone is never
/// `critical`: it says "this talked to something listed", not "this host is lost";
/// correlation and triage raise it from there.
pub fn level_for_confidence(confidence: u8) -> Level {
    match confidence {
        0..=24 => Level::Informational,
        25..=49 => Level::Low,
        50..=74 => Level::Medium,
        _ => Level::High,
    }
}

/// The detection for one hit on one event: source `indicator`, rule id = the
/// indicator's id, title `Indicator match: malicious domain evil.com (feed X)`.
pub fn to_detection(hit: &IndicatorHit, event: &Event) -> Detection {
    let ind = &hit.indicator;
    let mut details = Map::new();
    let mut put = |k: &str, v: Value| {
        details.insert(k.to_owned(), v);
    };
    put("indicator_id", ind.id.clone().into());
    put("indicator_type", ind.kind.as_str().into());
    put("indicator_value", ind.value.clone().into());
    put("indicator_source", ind.source.clone().into());
    put("confidence", ind.confidence.into());
    put("field", hit.field.into());
    put("observed", hit.observed.clone().into());
    put("match", hit.matched.as_str().into());
    if let Some(t) = ind.expiry {
        put("expiry", steward_model::time::ecs_timestamp(t).into());
    }
    if let Some(t) = &ind.title {
        put("indicator_title", t.clone().into());
    }
    if let Some(d) = &ind.description {
        put("description", d.clone().into());
    }
    let event_ids = event
        .get_str("event.id")
        .map(|id| vec![id.to_owned()])
        .unwrap_or_default();
    Detection {
        source: DetectionSource::Indicator,
        rule_id: ind.id.clone(),
        title: format!(
            "Indicator match: malicious {} {} (feed {})",
            ind.kind.noun(),
            ind.value,
            ind.source
        ),
        level: level_for_confidence(ind.confidence),
        tags: ind.tags.clone(),
        author: ind.author.clone(),
        timestamp: event.timestamp().unwrap_or_else(Utc::now),
        entities: Entities::from_event(event),
        event_ids,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Attrs, IndicatorMeta, MatchKind};
    use crate::IndicatorSetBuilder;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn detection_carries_the_indicator() {
        let mut b = IndicatorSetBuilder::new();
        let meta = b.meta(IndicatorMeta {
            source: "X".into(),
            title: Some("C2 domain".into()),
            author: Some("CIRCL".into()),
            tags: vec!["tlp:white".into()],
            ..Default::default()
        });
        let a = Attrs {
            meta,
            id: Some("indicator--1"),
            confidence: 85,
            expiry: None,
        };
        b.insert(&crate::value::detect("evil.com").unwrap(), &a)
            .unwrap();
        let set = b.build();
        let Value::Object(doc) = json!({
            "@timestamp": "2026-02-03T04:05:06.000Z",
            "event": {"id": "e-1"},
            "source": {"ip": "10.0.0.5"},
            "dns": {"question": {"name": "a.evil.com"}},
        }) else {
            unreachable!()
        };
        let event = Event::from_object(doc);
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let hits = set.match_event(&event, now);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].matched, MatchKind::Subdomain);
        let d = to_detection(&hits[0], &event);
        assert_eq!(d.source, DetectionSource::Indicator);
        assert_eq!(d.rule_id, "indicator--1");
        assert_eq!(
            d.title,
            "Indicator match: malicious domain evil.com (feed X)"
        );
        assert_eq!(d.level, Level::High);
        assert_eq!(d.author.as_deref(), Some("CIRCL"));
        assert_eq!(d.tags, ["tlp:white"]);
        assert_eq!(d.event_ids, ["e-1"]);
        assert_eq!(d.entities.source_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(d.entities.domain.as_deref(), Some("a.evil.com"));
        assert_eq!(
            d.timestamp,
            Utc.with_ymd_and_hms(2026, 2, 3, 4, 5, 6).unwrap()
        );
        assert_eq!(d.details["field"], "dns.question.name");
        assert_eq!(d.details["observed"], "a.evil.com");
        assert_eq!(d.details["match"], "subdomain");
        assert_eq!(d.details["indicator_title"], "C2 domain");
    }

    #[test]
    fn confidence_maps_to_levels() {
        assert_eq!(level_for_confidence(0), Level::Informational);
        assert_eq!(level_for_confidence(30), Level::Low);
        assert_eq!(level_for_confidence(50), Level::Medium);
        assert_eq!(level_for_confidence(100), Level::High);
    }
}
