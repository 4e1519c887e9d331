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
            eprintln!("error: {}", error_chain(&e));
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

/// The error and its causes on one line. Library errors often repeat their cause in
/// their own message, so a cause the line already ends with is not printed again.
fn error_chain(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    /// Shaped like the library errors that print their cause and also return it.
    #[derive(Debug)]
    struct Repeats {
        source: std::io::Error,
    }

    impl std::fmt::Display for Repeats {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "state database x.db: {}", self.source)
        }
    }

    impl std::error::Error for Repeats {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn a_cause_already_in_the_message_is_printed_once() {
        let inner = std::io::Error::other("disk on fire");
        let e = anyhow::Error::new(Repeats { source: inner }).context("opening x.db");
        assert_eq!(
            error_chain(&e),
            "opening x.db: state database x.db: disk on fire"
        );
        let plain = anyhow::anyhow!("root").context("middle").context("top");
        assert_eq!(error_chain(&plain), "top: middle: root");
    }
}
