//! Normalisation: one raw record (bytes) in, one ECS [`Event`] out.
//!
//! # Shape
//!
//! A [`Parser`] understands one format. It has a registry name (`rfc5424`), a dataset it
//! stamps into `event.dataset` (`syslog`), a cheap [`Parser::detect`] score saying how sure
//! it is that a line is its format, and [`Parser::parse`], which writes ECS fields into an
//! event that already holds `event.original`. Parsers return errors as [`ParseError`]
//! values and must never panic: every byte they see comes from outside.
//!
//! A [`Registry`] maps names to parsers. [`Registry::builtin`] holds `rfc5424`, `rfc3164`,
//! `syslog` (either, per line), `cef`, `leef`, `json`, `kv` and `raw`, plus the name `auto`,
//! which picks the parser with the highest detect score for each line ([`Registry::detect`];
//! `raw` when nothing claims it).
//!
//! A [`Normalizer`] is what the pipeline calls. It decodes the bytes (invalid UTF-8 is
//! replaced and tagged), strips the line terminator, runs the chosen parser, and adds what
//! every event carries: `@timestamp` (receive time when the record had none),
//! `event.created`, `event.ingested`, `event.kind`, `steward.parser`, `steward.listener`,
//! the sending peer, and tags for truncation and parse failure. It never fails: a record no
//! parser can read is still stored, with `error.message` saying why.
//!
//! # Adding a device parser
//!
//! Device parsers (Fortinet, Palo Alto, Cisco ASA, ...) are meant to arrive as data: content
//! bundles of VRL programs, each compiled once into a type implementing [`Parser`] and added
//! with [`Registry::register`]. Such a parser usually
//!
//! * scores high (above the generic parsers' 80–95) in `detect` only for its own lines, for
//!   example by looking for a vendor marker after the syslog header, without allocating;
//! * reuses a built-in grammar for the envelope: call [`Rfc3164Parser`], [`Rfc5424Parser`],
//!   [`CefParser`], [`KvParser`] or [`JsonParser`] on the line first, then refine the event
//!   they produced with vendor-specific ECS mappings;
//! * keeps every vendor field under its own namespace (e.g. `fortinet.firewall.*`) and maps
//!   only validated values to ECS: IPs must parse, ports must be numbers, and each IP, user
//!   and host it sets also goes into `related.ip`, `related.user` or `related.hosts`;
//! * names its dataset `vendor.product` (e.g. `fortinet.firewall`).
//!
//! Registering a parser under an existing name replaces the built-in one.
//!
//! [`accuracy`] scores our events against a trusted peer's documents, field by field
//! (`steward parse --check`).
#![forbid(unsafe_code)]

pub mod accuracy;
mod cef;
mod delimited;
mod error;
mod escape;
mod fields;
mod json;
mod kv;
mod leef;
mod normalizer;
mod options;
mod parser;
mod raw;
mod registry;
mod syslog;
mod timefmt;

#[cfg(test)]
mod robustness;
#[cfg(test)]
mod throughput;

pub use cef::CefParser;
pub use error::ParseError;
pub use json::{JsonParser, TAG_INVALID_TIMESTAMP};
pub use kv::KvParser;
pub use leef::LeefParser;
pub use normalizer::Normalizer;
pub use options::{ParseOptions, RecordMeta};
pub use parser::Parser;
pub use raw::RawParser;
pub use registry::{GroupDetector, Registry, AUTO};
pub use steward_model::Event;
pub use syslog::{
    parse_envelope as parse_syslog_envelope, Rfc3164Parser, Rfc5424Parser, SyslogParser,
};
