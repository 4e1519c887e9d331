//! `steward admin`: checks on a site's data directory that need no running site.

use crate::cli::{AdminArgs, AdminWhat, AuditWhat};
use anyhow::{Context, Result};
use std::process::ExitCode;
use steward_site::server::AUDIT_FILE;

pub fn run(args: AdminArgs) -> Result<ExitCode> {
    match args.what {
        AdminWhat::AddUser { data, name, role } => add_user(&data, &name, &role),
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

/// Adds a user to a site's state database and audits it as the shell user.
fn add_user(data: &std::path::Path, name: &str, role: &str) -> Result<ExitCode> {
    let role = steward_access::Role::parse(role).with_context(|| {
        format!("role {role:?}: use admin, analyst, customer_viewer or auditor")
    })?;
    let (password, generated) = match std::env::var("STEWARD_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (steward_access::new_password()?, true),
    };
    // Users may be added before the site first starts, so the directory may not exist yet.
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let access = steward_access::Access::open(&data.join("state.db"))
        .with_context(|| format!("opening {}", data.join("state.db").display()))?;
    let user = access.create_user(
        &steward_access::NewUser {
            name: name.to_owned(),
            role,
            display_name: None,
            password: Some(password.clone()),
        },
        chrono::Utc::now(),
    )?;
    let audit =
        steward_audit::AuditLog::open(&data.join(AUDIT_FILE)).context("opening the audit log")?;
    audit.append(
        steward_audit::NewEntry::new(steward_audit::ActorKind::User, shell_actor(), "user.create")
            .object("user", user.id.to_string())
            .details(serde_json::json!({"name": user.name, "role": role.as_str()})),
    )?;
    println!(
        "user {} ({}) created with id {}",
        user.name,
        role.as_str(),
        user.id
    );
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The person at the shell, as the audit log names them. Service shells and cron often
/// lack `$USER`, so the numeric uid stands in rather than "unknown".
pub(crate) fn shell_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(process_uid);
    format!("cli:{user}")
}

#[cfg(unix)]
fn process_uid() -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| format!("uid {}", m.uid()))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(not(unix))]
fn process_uid() -> String {
    "unknown".into()
}
