//! The site's SecOps objects, kept durable in one SQLite database (`objects.db`):
//! assets, incidents, vulnerabilities and knowledge-base articles.
//!
//! Domain rules (state machines, SLA arithmetic, grouping, importers) live in
//! `steward-secops`, `steward-vuln` and `steward-kb`; this crate stores their results,
//! answers filtered, sorted and paged lists, and keeps every change in one transaction.
//! Auditing who changed what is the caller's job: the API and automation know the actor.
#![forbid(unsafe_code)]

pub mod assets;
mod db;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod incidents;
pub mod kb;
mod page;
pub mod schema;
pub mod vulns;

pub use db::ObjectStore;
pub use error::ObjectError;
pub use page::{
    criticality_param, limit_param, offset_param, query_in_range, Page, PageRequest, SortOrder,
    MAX_LIMIT, MAX_OFFSET,
};
