//! The device parser library: one data file per device family.
//!
//! A family file (`families/*.toml`, format in `docs/parsers/writing.md`) names the vendor
//! and product, says how to recognise the family's records (regular expressions, a
//! confidence score) and maps a record to ECS with a [VRL](https://vector.dev/docs/reference/vrl/)
//! program. The files are compiled into the binary ([`Library::builtin`]) and can also be
//! loaded from a directory ([`Library::load_dir`]), replacing built-in families of the same
//! name, so a content update needs no rebuild.
//!
//! Each loaded [`Family`] is a [`steward_normalize::Parser`]: registered in a
//! [`steward_normalize::Registry`] it is selectable by name and takes part in
//! auto-detection. A file that does not parse or compile is reported with its origin and
//! line ([`LoadError`]) and the other families still load.
#![forbid(unsafe_code)]

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
mod detect;
mod family;
mod file;
mod load;
mod remap;

pub use family::{Family, FamilyInfo};
pub use load::{Library, LoadError};

use std::path::Path;
use steward_normalize::Registry;

/// The built-in generic parsers plus every family (built-in, then those in `dir`), and
/// the library itself (its `errors()` are the files that failed to load).
pub fn registry(dir: Option<&Path>) -> std::io::Result<(Registry, Library)> {
    let library = Library::builtin_and_dir(dir)?;
    let mut registry = Registry::builtin();
    library.register_into(&mut registry);
    Ok((registry, library))
}
