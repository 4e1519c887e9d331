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
