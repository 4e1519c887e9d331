//! `steward parse`: the parser test loop. One ECS document per input line; a line no
//! parser understands still yields a document (with `error.message`).

use crate::cli::ParseArgs;
use anyhow::{Context, Result};
use chrono::Utc;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use steward_devices::Library;
use steward_normalize::{Normalizer, ParseOptions, RecordMeta, Registry};

pub fn run(args: ParseArgs) -> Result<ExitCode> {
    let received = match &args.received {
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|e| anyhow::anyhow!("--received {text:?}: {e}"))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let (registry, library) = load_registry(args.parsers.as_deref())?;
    let registry = Arc::new(registry);
    if let Some(dir) = &args.check {
        let code = crate::parse_check::run(dir, registry, received, args.details, args.diff)?;
        // The families used were compiled during the check; say which ones failed.
        for family in library.families() {
            if family.is_compiled() {
                if let Err(e) = family.compile() {
                    eprintln!("warning: parser does not compile: {e}");
                }
            }
        }
        return Ok(code);
    }
    if args.list {
        // Listing is where the whole library gets verified: compile every mapping.
        for error in library.compile_all() {
            eprintln!("warning: parser does not compile: {error}");
        }
        let families = library.infos();
        for name in registry.names() {
            match families.iter().find(|f| f.name == name) {
                Some(f) => println!(
                    "{name}\t{}\t{}\t{}\t{}\t{}",
                    f.vendor, f.product, f.dataset, f.category, f.samples
                ),
                None => println!("{name}\tgeneric"),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(family) = library
        .families()
        .iter()
        .find(|f| f.info().name == args.parser)
    {
        if let Err(e) = family.compile() {
            eprintln!("warning: parser does not compile: {e}");
        }
    }
    if args.parser != "auto" && registry.get(&args.parser).is_none() {
        anyhow::bail!(
            "unknown parser {:?}; known: auto, {}",
            args.parser,
            registry.names().join(", ")
        );
    }
    let timezone: chrono_tz::Tz = args
        .timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown time zone {:?}", args.timezone))?;
    let options = ParseOptions {
        timezone,
        ..ParseOptions::default()
    };
    let normalizer = Normalizer::new(registry);
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(&args.input)
                .with_context(|| format!("opening {}", args.input.display()))?,
        )
    };
    let mut reader = BufReader::new(input);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bytes, not String: invalid UTF-8 must reach the normaliser, which flags it.
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let meta = RecordMeta {
            received: received.unwrap_or_else(Utc::now),
            peer: None,
            listener: None,
            truncated: false,
        };
        let event = normalizer.normalize(&line, &args.parser, &options, &meta);
        writeln!(out, "{}", event.to_json())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Generic parsers plus every device family (built-in and from `dir`). A family file that
/// fails to load is reported on stderr with its file and line; the others still load.
pub fn load_registry(dir: Option<&Path>) -> Result<(Registry, Library)> {
    let (registry, library) = steward_devices::registry(dir).with_context(|| {
        format!(
            "reading parser directory {}",
            dir.unwrap_or(Path::new("")).display()
        )
    })?;
    for error in library.errors() {
        eprintln!("warning: parser not loaded: {error}");
    }
    Ok((registry, library))
}
