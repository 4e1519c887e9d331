//! Web attacks in requests (ATT&CK T1190, exploit public-facing application): SQL
//! injection, cross-site scripting, path traversal / file inclusion and command
//! injection (including Log4Shell-style JNDI lookups), in the URL, the request body and
//! the user agent, after undoing URL, HTML and JavaScript encodings ([`crate::decode`]).
//!
//! Signatures look for syntax, not words: `select` in `/selection` or in a search for
//! "select a gift from our shop" does not match; `UNION SELECT`, `' OR '1'='1`,
//! `sleep(5)`, `information_schema` do. Each event gives at most one detection, naming
//! every class and signature that matched.

use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::decode::canonical;
use crate::fields::{first_of, first_str};
use crate::finding::{evidence, Finding};
use crate::state::{Cooldown, Keyer};
use crate::view::EventView;
use crate::ModelStats;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use steward_model::{Detection, Level};

const NAME: &str = "web_attack";
const TAGS: &[&str] = &["attack.initial-access", "attack.t1190"];

/// The kinds of web attack the model tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebAttackClass {
    CommandInjection,
    Sqli,
    Traversal,
    Xss,
}

impl WebAttackClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommandInjection => "command_injection",
            Self::Sqli => "sqli",
            Self::Traversal => "traversal",
            Self::Xss => "xss",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::CommandInjection => "command injection",
            Self::Sqli => "SQL injection",
            Self::Traversal => "path traversal",
            Self::Xss => "cross-site scripting",
        }
    }

    /// Most severe first: the order classes are listed and the title is chosen in.
    const ALL: [Self; 4] = [
        Self::CommandInjection,
        Self::Sqli,
        Self::Traversal,
        Self::Xss,
    ];
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebAttackConfig {
    pub enabled: bool,
    pub sqli: bool,
    pub xss: bool,
    pub traversal: bool,
    pub command_injection: bool,
    /// Bytes of each field looked at (URLs and bodies can be megabytes).
    pub max_scan_bytes: usize,
    /// Per source and class; 0 reports every matching event.
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for WebAttackConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sqli: true,
            xss: true,
            traversal: true,
            command_injection: true,
            max_scan_bytes: 16 * 1024,
            cooldown_secs: 300,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

use WebAttackClass::{CommandInjection as Cmdi, Sqli, Traversal, Xss};

/// (class, signature name, pattern over the canonical lower-case form).
const SIGNATURES: &[(WebAttackClass, &str, &str)] = &[
    (
        Sqli,
        "union_select",
        r"\bunion[\s(]+(?:all[\s(]+|distinct[\s(]+)?select\b",
    ),
    (
        Sqli,
        "or_tautology",
        r#"['"`)]\s*(?:\bor\b|\|\|)\s*['"(]*\s*[\w'"]+\s*(?:=|<>|!=|\blike\b)\s*['"(]*[\w'"]"#,
    ),
    (
        Sqli,
        "and_probe",
        r#"['"`)]\s*(?:\band\b|&&)\s*['"(]*\s*\d+\s*(?:=|<|>)\s*\d"#,
    ),
    (
        Sqli,
        "numeric_tautology",
        r"\b\d+\s+(?:or|and)\s+\d+\s*=\s*\d+",
    ),
    (Sqli, "quoted_tautology", r"'\d+'\s*=\s*'\d+"),
    (
        Sqli,
        "comment_terminator",
        r#"['"]\s*\)*\s*(?:--(?:[\s&;]|$|-)|#(?:[\s&]|$)|;\s*(?:--|#|$))"#,
    ),
    (
        Sqli,
        "stacked_query",
        r";\s*(?:drop\s+(?:table|database|schema)\b|truncate\s+table\b|alter\s+table\b|insert\s+into\b|delete\s+from\b|update\s+\w+\s+set\b|exec(?:ute)?\s+(?:xp_|sp_)|declare\s+@|shutdown\b|select\s.{1,60}?\bfrom\b)",
    ),
    (
        Sqli,
        "time_based",
        r"\b(?:sleep|pg_sleep|benchmark)\s*\(\s*\d|\bwaitfor\s+delay\s+'|\bdbms_pipe\.receive_message\s*\(",
    ),
    (
        Sqli,
        "sql_function",
        r"\b(?:extractvalue|updatexml|load_file|group_concat|json_arrayagg|concat_ws)\s*\(|\bconcat\s*\(\s*0x|\binto\s+(?:out|dump)file\b|select\s*char\s*\(|\bchar\s*\(\s*\d+\s*(?:,\s*\d+\s*){2,}\)",
    ),
    (
        Sqli,
        "schema_probe",
        r"\binformation_schema\b|\btable_schema\b|\b(?:sysobjects|syscolumns|sqlite_master|pg_catalog|all_tables|mysql\.user|mysql\.innodb_table_stats)\b|@@(?:version|datadir|hostname)\b|\bxp_cmdshell\b",
    ),
    (
        Sqli,
        "select_from",
        r"\bselect\s+(?:\*\s+from\b|(?:version|database|user|current_user|schema)\s*\(\s*\))",
    ),
    (Sqli, "order_by_probe", r"\border\s+by\s+\d+\s*(?:--|#|/\*)"),
    (Xss, "script_tag", r"<\s*/?\s*script\b"),
    (
        Xss,
        "tag_event_handler",
        r#"<[a-z!][^>]*?[\s/"'](?:on[a-z]{3,20})\s*="#,
    ),
    (
        Xss,
        "event_handler",
        r#"[\s'"/]on(?:error|load|mouseover|mouseenter|mouseout|focus|blur|click|resize|animationstart|toggle|pageshow|begin|input|keydown|keyup)\s*="#,
    ),
    (
        Xss,
        "script_uri",
        r"\b(?:javascript|vbscript|livescript)\s*:\s*(?:[\w$.\[\]]+\s*[(`=]|(?:alert|prompt|confirm|eval|document|window|void)\b)|\bdata\s*:\s*text/html",
    ),
    (
        Xss,
        "dangerous_tag",
        r"<\s*(?:iframe|frame|frameset|object|embed|applet|svg|math|base|meta|link|style|marquee|isindex|xss)\b",
    ),
    (
        Xss,
        "dom_access",
        r#"\bdocument\s*\.\s*(?:cookie|domain|write|location)\b|\bwindow\s*\.\s*location\b|\b(?:alert|prompt|confirm)\s*(?:\(|`)\s*(?:\d|document|['"`/]|\))|\$\{\s*alert|\bstring\.fromcharcode\s*\(|\beval\s*\("#,
    ),
    (
        Traversal,
        "dot_dot_slash",
        r"(?:\.\.[/\\]){2,}|(?:[/\\]\.\.){2,}|\.\.;[/\\]",
    ),
    (
        Traversal,
        "sensitive_target",
        r"\.\.[/\\].*?(?:\betc[/\\]|win\.ini|boot\.ini|system32|proc[/\\]self|\.ssh[/\\]|web\.config|wp-config\.php|\.htpasswd|\.env\b)",
    ),
    (
        Traversal,
        "sensitive_file",
        r#"(?:^|[=\s/\\'"(:])(?:etc[/\\](?:passwd|shadow)|proc[/\\]self[/\\](?:environ|cmdline|fd)|windows[/\\](?:win\.ini|system\.ini)|boot\.ini)\b"#,
    ),
    (
        Traversal,
        "file_wrapper",
        r"\b(?:php://(?:filter|input)|file:///?(?:etc|c:|windows|proc)|expect://|phar://|zip://)",
    ),
    (
        Cmdi,
        "chained_command",
        r"(?:;|\|\|?|&&|`|\$\(|\n)\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|ksh|ping|nslookup|dig|powershell|pwsh|cmd|chmod|python[23]?|perl|php|ruby|echo|rm|ifconfig|ipconfig|hostname|sleep|busybox|tftp|telnet|nohup)(?:\.exe)?(?:\s|$|[;|&<>`)])",
    ),
    (
        Cmdi,
        "shell_invocation",
        r"/bin/(?:ba|da|z|k|c|tc)?sh\b|\bcmd(?:\.exe)?\s*/[ck]\b|\bpowershell(?:\.exe)?\s+-(?:e|ec|enc|encodedcommand|c|command|nop|noprofile|w|windowstyle|exec|executionpolicy)\b",
    ),
    (Cmdi, "ifs_evasion", r"\$\{?ifs\b"),
    (Cmdi, "shellshock", r"\(\s*\)\s*\{\s*:\s*;\s*\}"),
    (
        Cmdi,
        "jndi_lookup",
        r"\$\{\s*(?:jndi\s*:|\$\{|::-|(?:lower|upper|env|sys|date|main)\s*:)",
    ),
];

/// Fields that carry what a client sent.
enum Part {
    Url,
    Body,
    UserAgent,
}

impl Part {
    fn name(&self) -> &'static str {
        match self {
            Self::Url => "url",
            Self::Body => "http.request.body.content",
            Self::UserAgent => "user_agent.original",
        }
    }
}

pub(crate) struct WebAttack {
    set: RegexSet,
    singles: Vec<Regex>,
    signatures: Vec<(WebAttackClass, &'static str)>,
    max_scan: usize,
    max_keys: usize,
    keyer: Keyer,
    cooldown: Cooldown,
    detections: u64,
}

fn build_error(e: regex::Error) -> ConfigError {
    ConfigError::invalid(
        "web_attack",
        format!("built-in signature failed to compile: {e}"),
    )
}

impl WebAttack {
    pub(crate) fn new(c: &WebAttackConfig) -> Result<Self, ConfigError> {
        check_range("web_attack.max_scan_bytes", c.max_scan_bytes, 64, 16 << 20)?;
        check_secs("web_attack.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("web_attack.max_keys", c.max_keys, 1, usize::MAX)?;
        let on = |class: WebAttackClass| match class {
            Sqli => c.sqli,
            Xss => c.xss,
            Traversal => c.traversal,
            Cmdi => c.command_injection,
        };
        let chosen: Vec<_> = SIGNATURES
            .iter()
            .filter(|(class, _, _)| on(*class))
            .collect();
        let set = RegexSetBuilder::new(chosen.iter().map(|(_, _, p)| *p))
            .unicode(false)
            .size_limit(32 << 20)
            .build()
            .map_err(build_error)?;
        let singles = chosen
            .iter()
            .map(|(_, _, p)| RegexBuilder::new(p).unicode(false).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_error)?;
        Ok(Self {
            set,
            singles,
            signatures: chosen
                .iter()
                .map(|(class, name, _)| (*class, *name))
                .collect(),
            max_scan: c.max_scan_bytes,
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    fn parts<'a>(&self, v: &EventView<'a>) -> Vec<(Part, std::borrow::Cow<'a, str>)> {
        let event = v.event;
        let mut parts = Vec::with_capacity(3);
        if let Some(url) = first_of(event, &["url.original", "url.full"]) {
            parts.push((Part::Url, url.into()));
        } else {
            let path = first_str(event, "url.path");
            let query = first_str(event, "url.query");
            match (path, query) {
                (Some(p), Some(q)) => parts.push((Part::Url, format!("{p}?{q}").into())),
                (Some(p), None) => parts.push((Part::Url, p.into())),
                (None, Some(q)) => parts.push((Part::Url, q.into())),
                (None, None) => {}
            }
        }
        if let Some(body) = first_str(event, "http.request.body.content") {
            parts.push((Part::Body, body.into()));
        }
        if let Some(ua) = first_str(event, "user_agent.original") {
            parts.push((Part::UserAgent, ua.into()));
        }
        parts
    }
}

/// Up to 60 bytes either side of a match, for the analyst.
fn snippet(text: &[u8], start: usize, end: usize) -> String {
    let from = start.saturating_sub(60);
    let to = (end + 60).min(text.len());
    String::from_utf8_lossy(&text[from..to]).into_owned()
}

impl Model for WebAttack {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let parts = self.parts(v);
        if parts.is_empty() {
            return;
        }
        let mut hits: Vec<usize> = Vec::new();
        let mut first: Option<(usize, &'static str, Vec<u8>)> = None;
        let mut fields: Vec<&'static str> = Vec::new();
        for (part, raw) in &parts {
            let text = canonical(raw.as_bytes(), self.max_scan);
            let matched = self.set.matches(&text);
            if !matched.matched_any() {
                continue;
            }
            fields.push(part.name());
            for i in matched.iter() {
                if !hits.contains(&i) {
                    hits.push(i);
                }
            }
            if first.is_none() {
                let i = matched.iter().next().unwrap_or(0);
                first = Some((i, part.name(), text));
            }
        }
        if hits.is_empty() {
            return;
        }
        let classes: Vec<WebAttackClass> = WebAttackClass::ALL
            .into_iter()
            .filter(|c| {
                hits.iter()
                    .any(|&i| self.signatures.get(i).is_some_and(|s| s.0 == *c))
            })
            .collect();
        let Some(&primary) = classes.first() else {
            return;
        };
        let origin = v
            .source_ip
            .map(|ip| ip.to_string())
            .or_else(|| v.host.map(str::to_owned))
            .unwrap_or_default();
        if !self
            .cooldown
            .allow(self.keyer.key((&origin, primary.as_str())), v.t, v.now)
        {
            return;
        }
        self.detections += 1;
        let names: Vec<String> = hits
            .iter()
            .filter_map(|&i| self.signatures.get(i))
            .map(|(class, name)| format!("{}.{name}", class.as_str()))
            .collect();
        let sample = first.and_then(|(i, field, text)| {
            let m = self.singles.get(i)?.find(&text)?;
            Some(json!({"field": field, "text": evidence(&snippet(&text, m.start(), m.end()))}))
        });
        let from = if origin.is_empty() {
            String::new()
        } else {
            format!(" from {origin}")
        };
        let title = format!("Web attack: {}{from}", primary.title());
        let level = if primary == Cmdi {
            Level::High
        } else {
            Level::Medium
        };
        let f = Finding::new(NAME, primary.as_str(), level, TAGS, title)
            .detail(
                "classes",
                json!(classes.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            )
            .detail("signatures", json!(names))
            .detail("fields", json!(fields))
            .detail("evidence", sample.unwrap_or(serde_json::Value::Null));
        out.push(f.into_detection(v));
    }

    fn stats(&self) -> ModelStats {
        stats_of(NAME, self.max_keys, self.detections, &[&self.cooldown])
    }
}
