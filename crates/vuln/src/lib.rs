//! Vulnerability scanner report importers: nuclei JSONL/JSON export, Nessus v2,
//! OpenVAS/GVM XML and nmap XML, turned into one [`Finding`] shape.
//!
//! Imports are all-or-nothing: any structural problem yields an [`ImportError`]
//! carrying the position of the first problem, and no partial [`Report`].

mod detect;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod model;
mod nessus;
mod nmap;
mod nuclei;
mod openvas;
mod text;
mod xml;

pub use error::ImportError;
pub use model::{
    dedupe_key, AssetRef, Finding, Format, HostSeen, PortSeen, Report, Scanner, Severity,
    EVIDENCE_LIMIT,
};

/// Imports one scanner report. `Format::Auto` detects the format from content.
pub fn import(bytes: &[u8], format: Format) -> Result<Report, ImportError> {
    let text = text::utf8(bytes)?;
    // Offsets are computed on the text after a stripped BOM; report them in input bytes.
    let bom = bytes.len() - text.len();
    import_text(text, format).map_err(|mut e| {
        e.byte_offset = e.byte_offset.map(|o| o + bom);
        e
    })
}

fn import_text(text: &str, format: Format) -> Result<Report, ImportError> {
    let format = match format {
        Format::Auto => detect::detect(text)?,
        other => other,
    };
    match format {
        Format::Nuclei => nuclei::import(text),
        Format::Nessus => nessus::import(text),
        Format::OpenVas => openvas::import(text),
        Format::Nmap => nmap::import(text),
        Format::Auto => Err(ImportError::new("format detection returned Auto")),
    }
}
