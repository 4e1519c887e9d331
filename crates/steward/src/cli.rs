//! Command-line interface. Flags override the configuration file.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "steward",
    version,
    about = "Security operations for MSSPs and their customers"
)]
pub struct Cli {
    /// More log output (-v debug, -vv trace); STEWARD_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a site: collect, normalise, store and search a customer's logs.
    Site(SiteArgs),
    /// Run a site on embedded storage with generated traffic, for a first look.
    Demo(DemoArgs),
    /// Parse log lines and print one ECS JSON document per line.
    Parse(ParseArgs),
    /// Search a site's stored events from the command line.
    Search(SearchArgs),
    /// Run Sigma rules over events (NDJSON, JSON or .evtx) and print the matches, or
    /// run the Sigma regression cases with --check.
    Detect(DetectArgs),
    /// Print the site API's OpenAPI 3.1 document (as served at /api/v1/openapi.json).
    Openapi,
    /// Import vulnerability scanner reports into a site's data directory.
    Vuln(VulnArgs),
    /// Administration of a site's data directory (audit log, users).
    Admin(AdminArgs),
    /// Measure parsing, ingestion and search speed.
    Bench(BenchArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ListenArgs {
    /// Data directory (events, state, TLS material, bootstrap token).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// API and console address.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Syslog over UDP, or "off".
    #[arg(long, value_name = "ADDR")]
    pub syslog_udp: Option<String>,
    /// Syslog over TCP (newline and octet-counted framing), or "off".
    #[arg(long, value_name = "ADDR")]
    pub syslog_tcp: Option<String>,
    /// Syslog over TLS (RFC 5425), or "off".
    #[arg(long, value_name = "ADDR")]
    pub syslog_tls: Option<String>,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// TOML configuration file (see docs/configuration.md).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub listen: ListenArgs,
    /// This site's id, stamped on every event.
    #[arg(long, value_name = "ID")]
    pub site_id: Option<String>,
    /// Sigma rule file or directory to detect with (adds to `[detect] rules`); repeatable.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub listen: ListenArgs,
    /// Generated events per second.
    #[arg(long, default_value_t = 20)]
    pub rate: u32,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Parser name, or "auto" to detect per line.
    #[arg(long, short, default_value = "auto")]
    pub parser: String,
    /// Zone for timestamps without one (IANA name).
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// List the parsers and exit (device families with vendor, product and dataset).
    #[arg(long)]
    pub list: bool,
    /// Also load device-family files (`*.toml`) from DIR; a family there replaces the
    /// built-in one of the same name.
    #[arg(long, value_name = "DIR", env = "STEWARD_PARSERS")]
    pub parsers: Option<PathBuf>,
    /// Measure field accuracy against a corpus of expected ECS documents (see
    /// docs/parsers.md) instead of parsing input; --parser and --timezone do not apply.
    #[arg(long, value_name = "DIR")]
    pub check: Option<PathBuf>,
    /// With --check: also list the fields each family gets wrong or misses most.
    #[arg(long, requires = "check")]
    pub details: bool,
    /// With --check: print every wrong or missing field of every document, with the
    /// expected and the produced value (the loop for writing a family parser).
    #[arg(long, requires = "check")]
    pub diff: bool,
    /// Treat every record as received at this RFC 3339 time instead of now: year
    /// inference for year-less timestamps then gives the same output on every run (also
    /// with --check, for fixtures whose expected documents carry a year).
    #[arg(long, value_name = "TIME")]
    pub received: Option<String>,
    /// Input file, or "-" for standard input.
    #[arg(default_value = "-")]
    pub input: PathBuf,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Sigma rule file or directory (searched recursively for *.yml); repeatable.
    #[arg(
        long,
        short,
        value_name = "DIR",
        required = true,
        env = "STEWARD_RULES"
    )]
    pub rules: Vec<PathBuf>,
    /// Values for `|expand` placeholders: a TOML table of lists
    /// (`Administrators = ["admin", "root"]`).
    #[arg(long, value_name = "FILE")]
    pub placeholders: Option<PathBuf>,
    /// Run the SigmaHQ regression cases below DIR (each case folder has an info.yml and
    /// the events) with the whole rule tree loaded; prints a table and, last, the
    /// `overall:` line.
    #[arg(long, value_name = "DIR")]
    pub check: Option<PathBuf>,
    /// With --check: print only failing cases.
    #[arg(long, requires = "check")]
    pub failures: bool,
    /// List every rule that did not load, with its path and reason, and exit.
    #[arg(long)]
    pub errors: bool,
    /// Print each match with the event that triggered it.
    #[arg(long)]
    pub with_event: bool,
    /// Print a summary (events, matches, rate) on standard error at the end.
    #[arg(long)]
    pub stats: bool,
    /// Inputs: NDJSON or concatenated JSON events (raw Windows event JSON or ECS), or
    /// .evtx files; "-" is standard input.
    #[arg(default_value = "-")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The site's data directory.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Start of the range (RFC 3339, date, epoch ms, now-24h); default: all time.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the range; default: all time.
    #[arg(long)]
    pub to: Option<String>,
    /// Most events to print.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print only the number of matches.
    #[arg(long)]
    pub count: bool,
    /// The query (see docs/search.md); empty matches everything.
    #[arg(default_value = "")]
    pub query: String,
}

#[derive(Debug, Args)]
pub struct VulnArgs {
    #[command(subcommand)]
    pub what: VulnWhat,
}

#[derive(Debug, Subcommand)]
pub enum VulnWhat {
    /// Import nuclei JSONL, Nessus v2, OpenVAS/GVM XML or nmap XML reports. Each file is
    /// all or nothing: a malformed or truncated one is refused with the line and column
    /// of its first problem and imports nothing. Works whether or not the site runs.
    Import {
        /// Report files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The site's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// nuclei, nessus, openvas or nmap; default: detected from each file's content.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub what: AdminWhat,
}

#[derive(Debug, Subcommand)]
pub enum AdminWhat {
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        what: AuditWhat,
    },
    /// Add a user. The password is read from STEWARD_PASSWORD, or one is generated and
    /// printed once.
    AddUser {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        #[arg(long)]
        name: String,
        /// admin, analyst, customer_viewer or auditor.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditWhat {
    /// Check the chain: names the first edited, missing or reordered entry, or a cut
    /// tail; exit status 1 when the log is not intact.
    Verify {
        /// The site's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Print entries as NDJSON (oldest first).
    Export {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// First sequence number to print.
        #[arg(long, default_value_t = 1)]
        from_seq: u64,
    },
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Parse-only speed per parser, on one core.
    Parse {
        /// Lines per parser.
        #[arg(long, default_value_t = 200_000)]
        lines: usize,
    },
    /// Device families: records/s per core per family on its real samples (the corpus
    /// and the fixtures), with the family named and with auto-detection, and the cost of
    /// detection alone.
    Families {
        /// Directories of samples laid out as for `steward parse --check` (default: the
        /// corpus logs and crates/devices/tests/fixtures).
        #[arg(long, value_name = "DIR")]
        samples: Vec<PathBuf>,
        /// Records per family (the samples are cycled).
        #[arg(long, default_value_t = 50_000)]
        records: usize,
    },
    /// End-to-end: loopback TCP and HTTP into durable storage.
    Ingest {
        /// Events per transport.
        #[arg(long, default_value_t = 500_000)]
        events: usize,
        /// Parallel TCP connections.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Run the site with detection off, to see what detection costs.
        #[arg(long)]
        no_detect: bool,
    },
    /// Detection: rule compile time and memory, events/s per core with the whole rule
    /// tree, and event→alert latency in a running site.
    Detect {
        /// Rule directories (default: $STEWARD_CORPUS/sigma/rules).
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Sigma regression cases whose events are replayed (default:
        /// $STEWARD_CORPUS/sigma/regression).
        #[arg(long, value_name = "DIR")]
        regression: Option<PathBuf>,
        /// Events per throughput run.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Latency probes.
        #[arg(long, default_value_t = 200)]
        probes: usize,
    },
    /// SecOps objects: filled with incidents and vulnerabilities, list and detail
    /// latency, and the import of a generated 10k-finding Nessus file.
    Secops {
        #[arg(long, default_value_t = 100_000)]
        incidents: usize,
        #[arg(long, default_value_t = 1_000_000)]
        vulns: usize,
        /// Repetitions per query kind.
        #[arg(long, default_value_t = 50)]
        queries: usize,
        /// Keep the filled store here (reused when it exists) instead of a temp dir.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Search latency over a store filled with synthetic events.
    Search {
        /// Events to store before measuring.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Queries per kind.
        #[arg(long, default_value_t = 50)]
        queries: usize,
        /// Keep the filled store here (reused when it exists) instead of a temp dir.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}
