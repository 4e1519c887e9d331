//! `steward vuln import`: scanner reports into a site's object database, from the shell.

use crate::cli::{VulnArgs, VulnWhat};
use anyhow::{bail, Context, Result};
use chrono::Utc;
use std::path::Path;
use std::process::ExitCode;
use steward_audit::{ActorKind, AuditLog, NewEntry};
use steward_objects::vulns::VulnPolicy;
use steward_objects::ObjectStore;
use steward_site::server::{AUDIT_FILE, OBJECTS_FILE};
use steward_vuln::Format;

pub fn run(args: VulnArgs) -> Result<ExitCode> {
    match args.what {
        VulnWhat::Import {
            files,
            data,
            format,
        } => import(&files, &data, format.as_deref()),
    }
}

fn parse_format(name: Option<&str>) -> Result<Format> {
    Ok(match name.map(str::to_ascii_lowercase).as_deref() {
        None | Some("auto") => Format::Auto,
        Some("nuclei") => Format::Nuclei,
        Some("nessus") => Format::Nessus,
        Some("openvas") | Some("gvm") => Format::OpenVas,
        Some("nmap") => Format::Nmap,
        Some(other) => bail!("--format {other:?}: use nuclei, nessus, openvas or nmap"),
    })
}

fn import(files: &[std::path::PathBuf], data: &Path, format: Option<&str>) -> Result<ExitCode> {
    let format = parse_format(format)?;
    std::fs::create_dir_all(data)
        .with_context(|| format!("creating data directory {}", data.display()))?;
    let objects = ObjectStore::open(&data.join(OBJECTS_FILE))
        .with_context(|| format!("opening {}", data.join(OBJECTS_FILE).display()))?;
    let audit = AuditLog::open(&data.join(AUDIT_FILE))
        .context("opening the audit log (steward admin audit verify names what is wrong)")?;
    let policy = VulnPolicy::default();
    let actor = crate::admin::shell_actor();
    let mut failed = 0;
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let report = match steward_vuln::import(&bytes, format) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e} (nothing imported from this file)", file.display());
                failed += 1;
                continue;
            }
        };
        let name = file.display().to_string();
        let summary = objects
            .import_report(&report, &name, &policy, &actor, Utc::now())
            .with_context(|| format!("storing the findings of {name}"))?;
        let details = serde_json::to_value(&summary)?;
        audit
            .append(
                NewEntry::new(ActorKind::User, actor.clone(), "vuln.import")
                    .object("vuln_import", summary.import_id.to_string())
                    .details(details),
            )
            .context("auditing the import")?;
        println!(
            "{name}: {} findings ({} new, {} seen again, {} reopened, {} closed by this scan), {} hosts [import {}]",
            summary.findings_in_file,
            summary.created,
            summary.updated,
            summary.reopened,
            summary.closed,
            summary.hosts,
            summary.import_id
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
