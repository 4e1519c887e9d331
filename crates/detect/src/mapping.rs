//! Field mapping between ECS and the names Sigma rules use.
//!
//! pySigma ships pipelines that rewrite *rules* into a backend's field names. Steward
//! rewrites the *event* instead: an ECS document also answers to the Sigma names, so one
//! compiled rule matches a raw Sysmon event and the same event normalised to ECS. The
//! pairs below mirror pySigma's `ecs_windows`, `sysmon`, web-server and proxy mappings,
//! read in the other direction. An alias never overrides a field the event really has.

/// `(ECS path, Sigma field)`: the ECS value is also visible under the Sigma name.
pub const ECS_TO_SIGMA: &[(&str, &str)] = &[
    // Windows event envelope (Winlogbeat / Elastic agent shape).
    ("winlog.event_id", "EventID"),
    ("winlog.channel", "Channel"),
    ("winlog.provider_name", "Provider_Name"),
    ("winlog.computer_name", "Computer"),
    ("winlog.record_id", "EventRecordID"),
    ("winlog.task", "Task"),
    // Processes (process_creation, process_access, image_load ...).
    ("process.command_line", "CommandLine"),
    ("process.executable", "Image"),
    ("process.pid", "ProcessId"),
    ("process.entity_id", "ProcessGuid"),
    ("process.working_directory", "CurrentDirectory"),
    ("process.pe.original_file_name", "OriginalFileName"),
    ("process.pe.description", "Description"),
    ("process.pe.product", "Product"),
    ("process.pe.company", "Company"),
    ("process.pe.file_version", "FileVersion"),
    ("process.hash.md5", "md5"),
    ("process.hash.sha1", "sha1"),
    ("process.hash.sha256", "sha256"),
    ("process.pe.imphash", "Imphash"),
    ("process.parent.executable", "ParentImage"),
    ("process.parent.command_line", "ParentCommandLine"),
    ("process.parent.pid", "ParentProcessId"),
    ("process.parent.entity_id", "ParentProcessGuid"),
    ("user.name", "User"),
    ("user.name", "SubjectUserName"),
    ("user.target.name", "TargetUserName"),
    ("user.domain", "SubjectDomainName"),
    ("host.name", "Computer"),
    ("winlog.logon.id", "LogonId"),
    ("winlog.logon.type", "LogonType"),
    // Files and registry.
    ("file.path", "TargetFilename"),
    ("file.path", "Path"),
    ("registry.path", "TargetObject"),
    ("registry.data.strings", "Details"),
    ("dll.path", "ImageLoaded"),
    // Network.
    ("source.ip", "SourceIp"),
    ("source.ip", "src_ip"),
    ("source.ip", "c-ip"),
    ("source.port", "SourcePort"),
    ("source.port", "src_port"),
    ("destination.ip", "DestinationIp"),
    ("destination.ip", "dst_ip"),
    ("destination.port", "DestinationPort"),
    ("destination.port", "dst_port"),
    ("destination.domain", "DestinationHostname"),
    ("network.transport", "Protocol"),
    ("event.action", "action"),
    // DNS.
    ("dns.question.name", "QueryName"),
    ("dns.question.name", "query"),
    ("dns.question.type", "record_type"),
    ("dns.answers.data", "answer"),
    // Web servers (W3C names) and proxies.
    ("url.query", "cs-uri-query"),
    ("url.path", "cs-uri-stem"),
    ("url.original", "c-uri"),
    ("url.original", "cs-uri"),
    ("url.domain", "cs-host"),
    ("url.domain", "r-dns"),
    ("http.request.method", "cs-method"),
    ("http.response.status_code", "sc-status"),
    ("http.request.referrer", "cs-referer"),
    ("user_agent.original", "c-useragent"),
    ("user_agent.original", "cs-user-agent"),
    ("url.extension", "c-uri-extension"),
];

/// `(category, from, to)`: renames that hold only for one log source. Security 4688
/// reports a process creation with its own names.
pub const CATEGORY_ALIASES: &[(&str, &str, &str)] = &[
    ("process_creation", "NewProcessName", "Image"),
    ("process_creation", "ParentProcessName", "ParentImage"),
    ("process_creation", "NewProcessId", "ProcessId"),
    ("antivirus", "ThreatName", "Signature"),
    ("antivirus", "Path", "Filename"),
];

/// [`ECS_TO_SIGMA`] with both names lowered (the view's keys are lowercase).
pub fn ecs_to_sigma_lowered() -> &'static [(String, String)] {
    static LOWERED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    LOWERED.get_or_init(|| {
        ECS_TO_SIGMA
            .iter()
            .map(|(a, b)| (a.to_ascii_lowercase(), b.to_ascii_lowercase()))
            .collect()
    })
}

/// [`CATEGORY_ALIASES`] with the field names lowered.
pub fn category_aliases_lowered() -> &'static [(String, String, String)] {
    static LOWERED: std::sync::OnceLock<Vec<(String, String, String)>> = std::sync::OnceLock::new();
    LOWERED.get_or_init(|| {
        CATEGORY_ALIASES
            .iter()
            .map(|(c, a, b)| {
                (
                    c.to_string(),
                    a.to_ascii_lowercase(),
                    b.to_ascii_lowercase(),
                )
            })
            .collect()
    })
}
