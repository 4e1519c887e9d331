//! `steward`: one binary, one role per subcommand.
#![forbid(unsafe_code)]

mod admin;
mod bench;
mod bench_detect;
mod bench_secops;
mod cli;
mod demo;
mod detect;
mod detect_check;
mod http_client;
mod parse;
mod parse_check;
mod search;
mod site;
mod traffic;
mod vuln;

use clap::Parser;
use cli::{Cli, Command};

/// glibc's allocator spent a quarter of the ingest path's time in malloc/free (measured
/// with perf, see BENCHMARKS.md); every event is a tree of small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Site(args) => site::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Search(args) => search::run(args),
        Command::Detect(args) => detect::run(args),
        Command::Admin(args) => admin::run(args),
        Command::Vuln(args) => vuln::run(args),
        Command::Openapi => openapi(),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Prints the site API's OpenAPI document (what `/api/v1/openapi.json` serves).
fn openapi() -> anyhow::Result<std::process::ExitCode> {
    let doc = steward_site::api::openapi_document();
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(std::process::ExitCode::SUCCESS)
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour codes only on a terminal: logs redirected to files stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

/// Many connections need many descriptors; raise the soft limit to the hard one.
pub(crate) fn raise_fd_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
