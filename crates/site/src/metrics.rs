//! `/metrics` in the Prometheus text exposition format, rendered from the counters the
//! pipeline keeps.

use crate::api::Shared;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

struct Family<'a> {
    out: &'a mut String,
}

impl Family<'_> {
    fn header(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let escaped = v
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                let _ = write!(self.out, "{k}=\"{escaped}\"");
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }
}

fn load(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

pub fn render_text(state: &Shared) -> String {
    let mut out = String::with_capacity(4096);
    let mut f = Family { out: &mut out };
    let listeners = state.pipeline.stats().listeners();
    type Pick = fn(&steward_ingest::ListenerStats) -> &AtomicU64;
    let listener_counters: [(&str, &str, &str, Pick); 9] = [
        (
            "steward_ingest_received_total",
            "counter",
            "Records received.",
            |s| &s.received,
        ),
        (
            "steward_ingest_bytes_total",
            "counter",
            "Bytes received.",
            |s| &s.bytes,
        ),
        (
            "steward_ingest_truncated_total",
            "counter",
            "Records cut at the maximum record size.",
            |s| &s.truncated,
        ),
        (
            "steward_ingest_dropped_total",
            "counter",
            "Records dropped because the store queue was full (UDP only).",
            |s| &s.dropped,
        ),
        (
            "steward_ingest_framing_errors_total",
            "counter",
            "Streams that ended inside a frame, failed TLS handshakes.",
            |s| &s.framing_errors,
        ),
        (
            "steward_ingest_connections_open",
            "gauge",
            "Open connections.",
            |s| &s.connections_open,
        ),
        (
            "steward_ingest_connections_total",
            "counter",
            "Accepted connections.",
            |s| &s.connections_total,
        ),
        (
            "steward_ingest_connections_rejected_total",
            "counter",
            "Connections refused at the connection limit.",
            |s| &s.connections_rejected,
        ),
        (
            "steward_ingest_connections_idle_closed_total",
            "counter",
            "Connections closed by the idle timeout.",
            |s| &s.connections_idle_closed,
        ),
    ];
    for (name, kind, help, pick) in listener_counters {
        f.header(name, kind, help);
        for (listener, stats) in &listeners {
            f.sample(name, &[("listener", listener)], load(pick(stats)));
        }
    }
    let parsers = state.pipeline.stats().parsers();
    f.header(
        "steward_parser_parsed_total",
        "counter",
        "Records a parser understood.",
    );
    for (parser, stats) in &parsers {
        f.sample(
            "steward_parser_parsed_total",
            &[("parser", parser)],
            load(&stats.parsed),
        );
    }
    f.header(
        "steward_parser_failed_total",
        "counter",
        "Records a parser could not parse (stored with error.message).",
    );
    for (parser, stats) in &parsers {
        f.sample(
            "steward_parser_failed_total",
            &[("parser", parser)],
            load(&stats.failed),
        );
    }
    let w = &state.writer_stats;
    f.header(
        "steward_store_stored_events_total",
        "counter",
        "Events durably committed.",
    );
    f.sample(
        "steward_store_stored_events_total",
        &[],
        load(&w.stored_events),
    );
    f.header(
        "steward_store_stored_bytes_total",
        "counter",
        "Document bytes durably committed.",
    );
    f.sample(
        "steward_store_stored_bytes_total",
        &[],
        load(&w.stored_bytes),
    );
    f.header(
        "steward_store_failed_events_total",
        "counter",
        "Events the store could not write after retries.",
    );
    f.sample(
        "steward_store_failed_events_total",
        &[],
        load(&w.failed_events),
    );
    f.header(
        "steward_store_transactions_total",
        "counter",
        "Commits (each groups waiting batches).",
    );
    f.sample(
        "steward_store_transactions_total",
        &[],
        load(&w.transactions),
    );
    f.header(
        "steward_store_queue_events",
        "gauge",
        "Events waiting for the store writer.",
    );
    f.sample("steward_store_queue_events", &[], load(&w.queued_events));
    let (buckets, count, sum) = w.commit_latency.snapshot();
    f.header(
        "steward_store_commit_seconds",
        "histogram",
        "Time to write and commit one transaction.",
    );
    for (bound, n) in buckets {
        f.sample(
            "steward_store_commit_seconds_bucket",
            &[("le", &bound.to_string())],
            n,
        );
    }
    f.sample(
        "steward_store_commit_seconds_bucket",
        &[("le", "+Inf")],
        count,
    );
    f.sample("steward_store_commit_seconds_sum", &[], sum);
    f.sample("steward_store_commit_seconds_count", &[], count);
    if let Some(d) = &state.detect_stats {
        render_detection(&mut f, d);
    }
    if let Ok(bytes) = state.store.disk_bytes() {
        f.header(
            "steward_store_disk_bytes",
            "gauge",
            "Bytes of event partitions on disk.",
        );
        f.sample("steward_store_disk_bytes", &[], bytes);
    }
    out
}

fn render_detection(f: &mut Family<'_>, d: &crate::detection::DetectStats) {
    let counters: [(&str, &str, &str, &AtomicU64); 13] = [
        (
            "steward_intel_indicators",
            "gauge",
            "Indicators loaded from the intel feeds.",
            &d.indicators,
        ),
        (
            "steward_intel_feeds_failed",
            "gauge",
            "Intel feeds that did not load at the last (re)load.",
            &d.intel_feeds_failed,
        ),
        (
            "steward_behaviour_evictions_total",
            "counter",
            "Keys behaviour models evicted at their caps.",
            &d.behaviour_evictions,
        ),
        (
            "steward_detect_events_total",
            "counter",
            "Events run through detection.",
            &d.events,
        ),
        (
            "steward_detect_skipped_events_total",
            "counter",
            "Events that skipped detection because its queue was full.",
            &d.skipped,
        ),
        (
            "steward_detect_detections_total",
            "counter",
            "Detections raised.",
            &d.detections,
        ),
        (
            "steward_detect_alerts_opened_total",
            "counter",
            "New alerts.",
            &d.alerts_opened,
        ),
        (
            "steward_detect_alerts_updated_total",
            "counter",
            "Detections folded into an open alert.",
            &d.alerts_updated,
        ),
        (
            "steward_detect_rules_loaded",
            "gauge",
            "Rules and correlations loaded.",
            &d.rules_loaded,
        ),
        (
            "steward_detect_rules_failed",
            "gauge",
            "Rule documents that did not load.",
            &d.rules_failed,
        ),
        (
            "steward_detect_reloads_total",
            "counter",
            "Rule reloads after file changes.",
            &d.reloads,
        ),
        (
            "steward_detect_correlation_evictions_total",
            "counter",
            "Correlation groups evicted at the per-rule cap.",
            &d.correlation_evictions,
        ),
        (
            "steward_detect_store_errors_total",
            "counter",
            "Alert writes that failed.",
            &d.store_errors,
        ),
    ];
    for (name, kind, help, value) in counters {
        f.header(name, kind, help);
        f.sample(name, &[], load(value));
    }
    f.header(
        "steward_detect_queue_events",
        "gauge",
        "Events waiting for detection.",
    );
    f.sample(
        "steward_detect_queue_events",
        &[],
        d.queue_events.load(Ordering::Relaxed),
    );
    let (buckets, count, sum) = d.latency.snapshot();
    let name = "steward_detect_alert_latency_seconds";
    f.header(
        name,
        "histogram",
        "From an event's hand-over to detection until its alert is committed.",
    );
    for (bound, n) in buckets {
        f.sample(&format!("{name}_bucket"), &[("le", &bound.to_string())], n);
    }
    f.sample(&format!("{name}_bucket"), &[("le", "+Inf")], count);
    f.sample(&format!("{name}_sum"), &[], sum);
    f.sample(&format!("{name}_count"), &[], count);
}

pub async fn render(State(state): State<Shared>) -> impl IntoResponse {
    let body = tokio::task::spawn_blocking(move || render_text(&state))
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
