//! Content sniffing for `Format::Auto`.

use crate::error::ImportError;
use crate::model::Format;

/// Detects the format from the first significant character and, for XML, the root element name.
pub(crate) fn detect(text: &str) -> Result<Format, ImportError> {
    let trimmed = text.trim_start();
    let start = text.len() - trimmed.len();
    match trimmed.as_bytes().first() {
        None => Err(ImportError::new("empty input: cannot detect the format")),
        Some(b'{') | Some(b'[') => Ok(Format::Nuclei),
        Some(b'<') => {
            let doc = crate::xml::parse(text)?;
            let root = doc.root_element();
            match root.tag_name().name() {
                "NessusClientData_v2" => Ok(Format::Nessus),
                "nmaprun" => Ok(Format::Nmap),
                "report" | "get_reports_response" => Ok(Format::OpenVas),
                other => Err(ImportError::at(
                    text,
                    root.range().start,
                    format!("unknown XML report root <{other}>"),
                )),
            }
        }
        Some(_) => Err(ImportError::at(
            text,
            start,
            "unrecognised content: expected nuclei JSON or a scanner XML report",
        )),
    }
}
