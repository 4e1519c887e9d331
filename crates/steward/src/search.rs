//! `steward search`: the search API's language, straight on a data directory.

use crate::cli::SearchArgs;
use anyhow::{bail, Context, Result};
use chrono::Utc;
use std::io::Write;
use std::process::ExitCode;
use steward_site::timeparam::parse_time;
use steward_store::{EventStore, SearchRequest, SqliteOptions, SqliteStore, TimeRange};

pub fn run(args: SearchArgs) -> Result<ExitCode> {
    let query = match steward_query::parse(&args.query) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("{}", args.query);
            eprintln!(
                "{}^",
                " ".repeat(args.query.chars().take(e.position).count())
            );
            bail!("bad query: {e}");
        }
    };
    let now = Utc::now();
    let mut range = TimeRange::all();
    if let Some(f) = &args.from {
        range.from = parse_time(f, now).map_err(anyhow::Error::msg)?;
    }
    if let Some(t) = &args.to {
        range.to = parse_time(t, now).map_err(anyhow::Error::msg)?;
    }
    let events_dir = args.data.join("events");
    if !events_dir.is_dir() {
        bail!(
            "{} holds no events (is --data a site's data directory?)",
            args.data.display()
        );
    }
    let store = SqliteStore::open(&events_dir, SqliteOptions::default())
        .with_context(|| format!("opening {}", events_dir.display()))?;
    let result = store.search(&SearchRequest {
        query,
        range,
        limit: if args.count { 0 } else { args.limit },
        cursor: None,
        count_limit: u64::MAX,
    })?;
    let mut out = std::io::stdout().lock();
    if args.count {
        writeln!(out, "{}", result.total)?;
    } else {
        for e in &result.events {
            writeln!(out, "{}", e.event.to_json())?;
        }
        eprintln!(
            "{} of {} matching events",
            result.events.len(),
            result.total
        );
    }
    Ok(ExitCode::SUCCESS)
}
