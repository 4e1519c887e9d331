//! `steward admin`: checks on a site's data directory that need no running site.

use crate::cli::{AdminArgs, AdminWhat, AuditWhat};
use anyhow::{Context, Result};
use std::process::ExitCode;
use steward_site::server::AUDIT_FILE;

pub fn run(args: AdminArgs) -> Result<ExitCode> {
    match args.what {
        AdminWhat::Audit { what } => match what {
            AuditWhat::Verify { data } => {
                let path = data.join(AUDIT_FILE);
                anyhow::ensure!(path.is_file(), "no audit log at {}", path.display());
                let report = steward_audit::verify(&path)
                    .with_context(|| format!("verifying {}", path.display()))?;
                match &report.first_bad {
                    None => {
                        println!(
                            "audit log intact: {} entries, chain and anchor agree",
                            report.entries
                        );
                        Ok(ExitCode::SUCCESS)
                    }
                    Some((seq, reason)) => {
                        println!(
                            "audit log NOT intact: first bad entry seq={seq}: {reason} ({} entries read)",
                            report.entries
                        );
                        Ok(ExitCode::FAILURE)
                    }
                }
            }
            AuditWhat::Export { data, from_seq } => {
                let path = data.join(AUDIT_FILE);
                anyhow::ensure!(path.is_file(), "no audit log at {}", path.display());
                let log = steward_audit::AuditLog::open(&path)
                    .with_context(|| format!("opening {}", path.display()))?;
                let stdout = std::io::stdout();
                let n = log.export_ndjson(std::io::BufWriter::new(stdout.lock()), from_seq)?;
                eprintln!("{n} entries");
                Ok(ExitCode::SUCCESS)
            }
        },
    }
}
