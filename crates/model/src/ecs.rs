//! Names of the ECS fields the pipeline itself reads or writes.
//!
//! Parsers may set any ECS field; these are the ones other crates depend on, kept in one
//! place so a typo is a compile error rather than a silently empty column.

pub const TIMESTAMP: &str = "@timestamp";
pub const MESSAGE: &str = "message";
pub const TAGS: &str = "tags";
pub const EVENT_ORIGINAL: &str = "event.original";
pub const EVENT_CREATED: &str = "event.created";
pub const EVENT_INGESTED: &str = "event.ingested";
pub const EVENT_DATASET: &str = "event.dataset";
pub const EVENT_KIND: &str = "event.kind";
pub const EVENT_ACTION: &str = "event.action";
pub const EVENT_OUTCOME: &str = "event.outcome";
pub const EVENT_SEVERITY: &str = "event.severity";
pub const ERROR_MESSAGE: &str = "error.message";
pub const HOST_NAME: &str = "host.name";
pub const HOST_HOSTNAME: &str = "host.hostname";
pub const SOURCE_IP: &str = "source.ip";
pub const SOURCE_PORT: &str = "source.port";
pub const DESTINATION_IP: &str = "destination.ip";
pub const DESTINATION_PORT: &str = "destination.port";
pub const USER_NAME: &str = "user.name";
pub const OBSERVER_IP: &str = "observer.ip";
pub const OBSERVER_HOSTNAME: &str = "observer.hostname";
pub const LOG_SOURCE_ADDRESS: &str = "log.source.address";
pub const LOG_LEVEL: &str = "log.level";
pub const NETWORK_TRANSPORT: &str = "network.transport";

/// Steward's own namespace: where a record came from inside Steward.
pub const STEWARD_SITE_ID: &str = "steward.site.id";
pub const STEWARD_TENANT_ID: &str = "steward.tenant.id";
pub const STEWARD_LISTENER: &str = "steward.listener";
pub const STEWARD_PARSER: &str = "steward.parser";

/// Tags Steward adds to flag what happened to a record on the way in.
pub const TAG_TRUNCATED: &str = "steward.truncated";
pub const TAG_INVALID_UTF8: &str = "steward.invalid_utf8";
pub const TAG_PARSE_FAILURE: &str = "steward.parse_failure";
