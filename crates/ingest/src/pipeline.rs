//! From raw record to stored event: pick the profile, normalise, stamp the origin, count,
//! and hand the batch to the store's writer.

use crate::profiles::ProfileSet;
use crate::stats::{add, IngestStats};
use chrono::Utc;
use std::net::SocketAddr;
use std::sync::Arc;
use steward_model::{ecs, Event, Origin};
use steward_normalize::{Normalizer, RecordMeta};
use steward_store::{PreparedBatch, WriteQueue};

/// Sees every normalised event on its way to the store (detection hooks in here).
/// It gets the batch itself once the store rows are built, so events are not copied.
/// `offer` must not block: a tap that cannot keep up drops and counts.
pub trait EventTap: Send + Sync {
    fn offer(&self, events: Vec<Event>);
}

/// Adds site knowledge to every event before it is stored (asset ids, for one), and may
/// learn from it (asset discovery). Runs on the producer's thread: it must be quick and
/// must not block.
pub trait EventEnricher: Send + Sync {
    fn enrich(&self, events: &mut [Event]);
}

pub struct Pipeline {
    normalizer: Normalizer,
    profiles: ProfileSet,
    origin: Origin,
    queue: WriteQueue,
    stats: Arc<IngestStats>,
    tap: Option<Arc<dyn EventTap>>,
    enricher: Option<Arc<dyn EventEnricher>>,
}

/// Where a batch of records came from.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub listener: &'a str,
    pub peer: Option<SocketAddr>,
    /// Parser chosen by the sender (`?parser=` on HTTP); overrides the device profile.
    pub parser: Option<&'a str>,
}

impl Pipeline {
    pub fn new(
        normalizer: Normalizer,
        profiles: ProfileSet,
        origin: Origin,
        queue: WriteQueue,
        stats: Arc<IngestStats>,
    ) -> Self {
        Self {
            normalizer,
            profiles,
            origin,
            queue,
            stats,
            tap: None,
            enricher: None,
        }
    }

    pub fn with_tap(mut self, tap: Arc<dyn EventTap>) -> Self {
        self.tap = Some(tap);
        self
    }

    pub fn with_enricher(mut self, enricher: Arc<dyn EventEnricher>) -> Self {
        self.enricher = Some(enricher);
        self
    }

    /// Enriches the batch, turns it into store rows, then hands the events to the tap.
    pub fn prepare(&self, mut events: Vec<Event>) -> PreparedBatch {
        if let Some(enricher) = &self.enricher {
            enricher.enrich(&mut events);
        }
        let batch = self.queue.prepare(&events);
        if let Some(tap) = &self.tap {
            tap.offer(events);
        }
        batch
    }

    pub fn queue(&self) -> &WriteQueue {
        &self.queue
    }

    pub fn stats(&self) -> &Arc<IngestStats> {
        &self.stats
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Normalises one record; never fails (a record no parser understands is kept with
    /// `error.message`).
    pub fn normalize(&self, source: &Source<'_>, raw: &[u8], truncated: bool) -> Event {
        let resolved = self
            .profiles
            .resolve(source.listener, source.peer.map(|p| p.ip()));
        let parser = source.parser.unwrap_or(&resolved.parser);
        let meta = RecordMeta {
            received: Utc::now(),
            peer: source.peer,
            listener: Some(source.listener),
            truncated,
        };
        let mut event = self
            .normalizer
            .normalize(raw, parser, &resolved.options, &meta);
        event.stamp_origin(&self.origin);
        self.count(&event);
        event
    }

    fn count(&self, event: &Event) {
        let parser = event.get_str(ecs::STEWARD_PARSER).unwrap_or("unknown");
        let stats = self.stats.parser(parser);
        if event.get(ecs::ERROR_MESSAGE).is_some() {
            add(&stats.failed, 1);
        } else {
            add(&stats.parsed, 1);
        }
    }
}
