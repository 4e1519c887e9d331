//! Log sources: which events a rule applies to.
//!
//! A rule names a `product`, `category` and/or `service`; an event belongs to one or more
//! of each. For Windows the event's channel gives the service and (channel, EventID)
//! the category, following the mapping Sigma's own regression tests use. ECS events are
//! classified from `event.category`/`event.type`, `event.module`/`event.dataset`,
//! `host.os.type` and `observer.*`.

use crate::view::EventView;

/// A rule's `logsource`, lowercased. `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogSource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl LogSource {
    pub fn applies_to(&self, event: &EventSource) -> bool {
        fn fits(want: &Option<String>, have: &[String]) -> bool {
            want.as_ref().is_none_or(|w| have.iter().any(|h| h == w))
        }
        fits(&self.product, &event.products)
            && fits(&self.category, &event.categories)
            && fits(&self.service, &event.services)
    }
}

/// What an event is, in logsource terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventSource {
    pub products: Vec<String>,
    pub categories: Vec<String>,
    pub services: Vec<String>,
}

impl EventSource {
    fn add(list: &mut Vec<String>, value: &str) {
        let v = value.trim().to_ascii_lowercase();
        if !v.is_empty() && !list.contains(&v) {
            list.push(v);
        }
    }
}

/// Windows channel → Sigma service.
const CHANNELS: &[(&str, &str)] = &[
    ("security", "security"),
    ("system", "system"),
    ("application", "application"),
    ("microsoft-windows-sysmon/operational", "sysmon"),
    ("microsoft-windows-powershell/operational", "powershell"),
    ("powershellcore/operational", "powershell"),
    ("windows powershell", "powershell-classic"),
    (
        "microsoft-windows-taskscheduler/operational",
        "taskscheduler",
    ),
    ("microsoft-windows-wmi-activity/operational", "wmi"),
    (
        "microsoft-windows-windows defender/operational",
        "windefend",
    ),
    ("microsoft-windows-ntlm/operational", "ntlm"),
    ("microsoft-windows-dhcp-server/operational", "dhcp"),
    ("microsoft-windows-printservice/admin", "printservice-admin"),
    (
        "microsoft-windows-printservice/operational",
        "printservice-operational",
    ),
    ("microsoft-windows-smbclient/security", "smbclient-security"),
    (
        "microsoft-windows-smbclient/connectivity",
        "smbclient-connectivity",
    ),
    (
        "microsoft-windows-smbserver/connectivity",
        "smbserver-connectivity",
    ),
    (
        "microsoft-windows-codeintegrity/operational",
        "codeintegrity-operational",
    ),
    ("microsoft-windows-applocker/msi and script", "applocker"),
    ("microsoft-windows-applocker/exe and dll", "applocker"),
    (
        "microsoft-windows-applocker/packaged app-deployment",
        "applocker",
    ),
    (
        "microsoft-windows-applocker/packaged app-execution",
        "applocker",
    ),
    ("msexchange management", "msexchange-management"),
    ("microsoft-windows-bits-client/operational", "bits-client"),
    (
        "microsoft-windows-dns client events/operational",
        "dns-client",
    ),
    ("microsoft-windows-dns-client/operational", "dns-client"),
    ("dns server", "dns-server"),
    (
        "microsoft-windows-dns-server/analytical",
        "dns-server-analytic",
    ),
    (
        "microsoft-windows-driverframeworks-usermode/operational",
        "driver-framework",
    ),
    (
        "microsoft-windows-windows firewall with advanced security/firewall",
        "firewall-as",
    ),
    ("microsoft-windows-ldap-client/debug", "ldap"),
    ("microsoft-windows-lsa/operational", "lsa-server"),
    (
        "microsoft-windows-appxdeploymentserver/operational",
        "appxdeployment-server",
    ),
    (
        "microsoft-windows-appxpackaging/operational",
        "appxpackaging-om",
    ),
    (
        "microsoft-windows-appmodel-runtime/admin",
        "appmodel-runtime",
    ),
    ("microsoft-windows-capi2/operational", "capi2"),
    (
        "microsoft-windows-certificateservicesclient-lifecycle-system/operational",
        "certificateservicesclient-lifecycle-system",
    ),
    (
        "microsoft-windows-diagnosis-scripted/operational",
        "diagnosis-scripted",
    ),
    (
        "microsoft-iis-configuration/operational",
        "iis-configuration",
    ),
    (
        "microsoft-windows-security-mitigations/kernel mode",
        "security-mitigations",
    ),
    (
        "microsoft-windows-security-mitigations/user mode",
        "security-mitigations",
    ),
    ("microsoft-windows-shell-core/operational", "shell-core"),
    ("openssh/operational", "openssh"),
    (
        "microsoft-windows-terminalservices-localsessionmanager/operational",
        "terminalservices-localsessionmanager",
    ),
    (
        "microsoft-servicebus-client/operational",
        "microsoft-servicebus-client",
    ),
    (
        "microsoft-servicebus-client/admin",
        "microsoft-servicebus-client",
    ),
    (
        "microsoft-servicebus-client/operational",
        "servicebus-client",
    ),
    ("microsoft-servicebus-client/admin", "servicebus-client"),
];

/// Sysmon EventID → category.
const SYSMON: &[(&str, &str)] = &[
    ("1", "process_creation"),
    ("2", "file_change"),
    ("3", "network_connection"),
    ("4", "sysmon_status"),
    ("5", "process_termination"),
    ("6", "driver_load"),
    ("7", "image_load"),
    ("8", "create_remote_thread"),
    ("9", "raw_access_thread"),
    ("10", "process_access"),
    ("11", "file_event"),
    ("12", "registry_event"),
    ("13", "registry_event"),
    ("14", "registry_event"),
    ("13", "registry_set"),
    ("14", "registry_rename"),
    ("15", "create_stream_hash"),
    ("16", "sysmon_status"),
    ("17", "pipe_created"),
    ("18", "pipe_created"),
    ("19", "wmi_event"),
    ("20", "wmi_event"),
    ("21", "wmi_event"),
    ("22", "dns_query"),
    ("23", "file_delete"),
    ("24", "clipboard_change"),
    ("25", "process_tampering"),
    ("26", "file_delete_detected"),
    ("27", "file_block_executable"),
    ("28", "file_block_shredding"),
    ("29", "file_executable_detected"),
    ("255", "sysmon_error"),
];

/// Classifies the event behind `view`.
pub fn classify(view: &EventView) -> EventSource {
    let mut src = EventSource::default();
    let channel = view.first("channel").map(|c| c.lower.to_owned());
    let event_id = view.first("eventid").map(|e| e.lower.to_owned());
    if let Some(channel) = &channel {
        classify_windows(&mut src, channel, event_id.as_deref(), view);
    }
    classify_ecs(&mut src, view);
    src
}

fn classify_windows(
    src: &mut EventSource,
    channel: &str,
    event_id: Option<&str>,
    view: &EventView,
) {
    EventSource::add(&mut src.products, "windows");
    for (c, service) in CHANNELS {
        if *c == channel {
            EventSource::add(&mut src.services, service);
        }
    }
    let Some(id) = event_id else { return };
    let is = |s: &str| src.services.iter().any(|x| x == s);
    let mut categories: Vec<&str> = Vec::new();
    if is("sysmon") {
        categories.extend(SYSMON.iter().filter(|(e, _)| *e == id).map(|(_, c)| *c));
        if id == "12" {
            match view.first("eventtype").map(|t| t.lower) {
                Some("createkey") => categories.push("registry_add"),
                Some("deletekey" | "deletevalue") => categories.push("registry_delete"),
                _ => {}
            }
        }
    }
    if is("security") && id == "4688" {
        categories.push("process_creation");
    }
    if is("powershell") {
        match id {
            "4103" => categories.push("ps_module"),
            "4104" => categories.push("ps_script"),
            _ => {}
        }
    }
    if is("powershell-classic") {
        match id {
            "400" => categories.push("ps_classic_start"),
            "600" => categories.push("ps_classic_provider_start"),
            "800" => categories.push("ps_classic_script"),
            _ => {}
        }
    }
    if is("windefend")
        && matches!(
            id,
            "1006"
                | "1007"
                | "1008"
                | "1009"
                | "1010"
                | "1011"
                | "1012"
                | "1017"
                | "1018"
                | "1019"
                | "1115"
                | "1116"
        )
    {
        categories.push("antivirus");
    }
    for c in categories {
        EventSource::add(&mut src.categories, c);
    }
}

fn classify_ecs(src: &mut EventSource, view: &EventView) {
    let values = |name: &str| {
        view.get(name)
            .map(|v| v.lower.to_owned())
            .collect::<Vec<_>>()
    };
    let categories = values("event.category");
    let types = values("event.type");
    let dataset = view.first("event.dataset").map(|v| v.lower.to_owned());
    let module = view.first("event.module").map(|v| v.lower.to_owned());
    for p in values("host.os.type")
        .into_iter()
        .chain(values("host.os.family"))
        .chain(values("observer.vendor"))
        .chain(values("observer.product"))
        .chain(module.clone())
    {
        EventSource::add(&mut src.products, &p);
    }
    if view.has("winlog.channel") || view.has("winlog.event_id") {
        EventSource::add(&mut src.products, "windows");
    }
    if let Some(ds) = &dataset {
        let (head, tail) = ds.split_once('.').unwrap_or((ds.as_str(), ""));
        EventSource::add(&mut src.products, head);
        EventSource::add(&mut src.services, ds);
        if !tail.is_empty() {
            EventSource::add(&mut src.services, tail);
        }
        match ds.as_str() {
            "auditd.log" => {
                EventSource::add(&mut src.products, "linux");
                EventSource::add(&mut src.services, "auditd");
            }
            "system.auth" => {
                EventSource::add(&mut src.products, "linux");
                for s in ["auth", "sshd", "sudo", "syslog"] {
                    EventSource::add(&mut src.services, s);
                }
            }
            _ => {}
        }
    }
    let has = |list: &[String], v: &str| list.iter().any(|x| x == v);
    if has(&categories, "process") && (types.is_empty() || has(&types, "start")) {
        EventSource::add(&mut src.categories, "process_creation");
    }
    if has(&categories, "network") {
        EventSource::add(&mut src.categories, "network_connection");
        EventSource::add(&mut src.categories, "firewall");
    }
    if has(&categories, "file") {
        EventSource::add(&mut src.categories, "file_event");
    }
    if has(&categories, "dns") || view.has("dns.question.name") {
        EventSource::add(&mut src.categories, "dns");
        EventSource::add(&mut src.categories, "dns_query");
    }
    let proxy = ["squid", "zscaler", "proxy"].iter().any(|p| {
        dataset.as_deref().is_some_and(|d| d.contains(p))
            || values("observer.type").iter().any(|t| t == p)
    });
    if has(&categories, "web") || view.has("url.original") || view.has("http.request.method") {
        EventSource::add(
            &mut src.categories,
            if proxy { "proxy" } else { "webserver" },
        );
    }
    if src.products.iter().any(|p| p == "windows") {
        return;
    }
    if src.categories.iter().any(|c| c == "process_creation")
        && values("host.os.type").is_empty()
        && src.products.is_empty()
    {
        EventSource::add(&mut src.products, "linux");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source(v: serde_json::Value) -> EventSource {
        EventView::from_json(v.as_object().unwrap()).source
    }

    fn ls(p: Option<&str>, c: Option<&str>, s: Option<&str>) -> LogSource {
        LogSource {
            product: p.map(Into::into),
            category: c.map(Into::into),
            service: s.map(Into::into),
        }
    }

    #[test]
    fn windows_channels_and_sysmon_ids() {
        let e = source(
            json!({"Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 13}}}),
        );
        assert!(ls(Some("windows"), Some("registry_set"), None).applies_to(&e));
        assert!(ls(Some("windows"), Some("registry_event"), None).applies_to(&e));
        assert!(!ls(Some("windows"), Some("process_creation"), None).applies_to(&e));
        assert!(!ls(Some("linux"), None, None).applies_to(&e));
        assert!(ls(None, None, None).applies_to(&e));
        let sec = source(json!({"Event": {"System": {"Channel": "Security", "EventID": 4624}}}));
        assert!(ls(Some("windows"), None, Some("security")).applies_to(&sec));
        assert!(!ls(Some("windows"), None, Some("system")).applies_to(&sec));
    }

    #[test]
    fn channels_the_oracle_checked() {
        let iis = source(
            json!({"Event": {"System": {"Channel": "Microsoft-IIS-Configuration/Operational", "EventID": 29}}}),
        );
        assert!(ls(Some("windows"), None, Some("iis-configuration")).applies_to(&iis));
        let sb = source(
            json!({"Event": {"System": {"Channel": "Microsoft-ServiceBus-Client/Operational", "EventID": 1}}}),
        );
        assert!(ls(Some("windows"), None, Some("microsoft-servicebus-client")).applies_to(&sb));
        let av = |id: u32| {
            source(
                json!({"Event": {"System": {"Channel": "Microsoft-Windows-Windows Defender/Operational", "EventID": id}}}),
            )
        };
        let antivirus = ls(Some("windows"), Some("antivirus"), None);
        assert!(antivirus.applies_to(&av(1116)));
        assert!(antivirus.applies_to(&av(1006)));
        assert!(
            !antivirus.applies_to(&av(1013)),
            "1013-1016 are not detections"
        );
    }

    #[test]
    fn ecs_events() {
        let e = source(
            json!({"event": {"category": ["process"], "type": ["start"], "dataset": "auditd.log"}}),
        );
        assert!(ls(Some("linux"), Some("process_creation"), None).applies_to(&e));
        assert!(ls(Some("linux"), None, Some("auditd")).applies_to(&e));
        let w = source(
            json!({"winlog": {"channel": "Security", "event_id": "4625"}, "event": {"dataset": "system.security"}}),
        );
        assert!(ls(Some("windows"), None, Some("security")).applies_to(&w));
        let web = source(json!({"url": {"original": "/x"}, "event": {"dataset": "nginx.access"}}));
        assert!(ls(None, Some("webserver"), None).applies_to(&web));
        let proxy =
            source(json!({"url": {"original": "http://x/"}, "event": {"dataset": "squid.log"}}));
        assert!(ls(None, Some("proxy"), None).applies_to(&proxy));
    }
}
