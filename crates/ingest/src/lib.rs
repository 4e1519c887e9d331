//! Getting records into a site: syslog listeners (UDP, TCP, TLS) with RFC 6587 framing,
//! device profiles that pick the parser, and the pipeline that normalises records and
//! queues them for durable storage.
//!
//! Back-pressure rule: stream transports (TCP, TLS, HTTP) wait for room in the store's
//! queue, which stops reading the socket and lets TCP flow control slow the sender. Only
//! UDP, which cannot push back, drops when the queue is full, and counts every drop.
#![forbid(unsafe_code)]

pub mod framing;
pub mod pipeline;
pub mod profiles;
pub mod stats;
pub mod syslog;
pub mod tls;

pub use pipeline::{EventEnricher, EventTap, Pipeline, Source};
pub use profiles::{DeviceProfile, ProfileSet};
pub use stats::{IngestStats, ListenerStats, ParserStats};
