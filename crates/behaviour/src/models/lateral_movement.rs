//! Lateral movement (ATT&CK T1021, remote services): one account logging on over the
//! network to many hosts it has not logged on to before, within a short window.
//!
//! Logons are Windows 4624 events of the configured logon types (3 network, 10 remote
//! desktop by default), `event.action: logged-in`, or any successful authentication
//! event with a remote source address (SSH). Each (account, host) pair is remembered
//! for `first_seen_ttl_secs` after its last use, so an administrator's daily rounds over
//! the same servers stay quiet and only new pairs count. Machine accounts (`NAME$`) and
//! built-in service identities are ignored.
//!
//! Administrative logons (elevated token, a 4672 special-privileges event for the
//! account, an admin role or group, "admin" in the name) raise the level to high.

use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::fields::{clip, each_str, first_of, first_str, first_text, unsigned};
use crate::finding::{span, Finding};
use crate::net::is_local_or_special;
use crate::state::{Cooldown, KeyedState, Keyer};
use crate::view::{category, EventView, Outcome};
use crate::window::Distinct;
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use steward_model::{Detection, Level};

const NAME: &str = "lateral_movement";
const TAGS: &[&str] = &["attack.lateral-movement", "attack.t1021"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LateralMovementConfig {
    pub enabled: bool,
    /// Distinct hosts newly logged on to by one account within the window.
    pub hosts: u32,
    pub window_secs: u64,
    /// How long a used (account, host) pair stays known.
    pub first_seen_ttl_secs: u64,
    /// Windows logon types that count (3 network, 8 network clear-text, 10 remote desktop).
    pub logon_types: Vec<u32>,
    /// Count only logons with an administrative hint.
    pub admin_only: bool,
    /// Accounts never reported (service accounts, scanners), case-insensitive.
    pub ignore_users: Vec<String>,
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for LateralMovementConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            hosts: 5,
            window_secs: 3600,
            first_seen_ttl_secs: 30 * 24 * 3600,
            logon_types: vec![3, 10],
            admin_only: false,
            ignore_users: Vec::new(),
            cooldown_secs: 3600,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

/// Identities that log on everywhere by design.
const BUILTIN_USERS: &[&str] = &[
    "anonymous logon",
    "system",
    "local service",
    "network service",
    "localsystem",
];

pub(crate) struct LateralMovement {
    hosts: usize,
    window: i64,
    window_secs: u64,
    logon_types: Vec<u32>,
    admin_only: bool,
    ignore: HashSet<String>,
    max_keys: usize,
    keyer: Keyer,
    /// (account, host) pairs seen.
    pairs: KeyedState<()>,
    /// account → new hosts within the window.
    spread: KeyedState<Distinct<Box<str>>>,
    /// accounts seen with special privileges (4672) recently.
    privileged: KeyedState<()>,
    cooldown: Cooldown,
    detections: u64,
}

fn logon_type_number(v: &EventView<'_>) -> Option<u32> {
    if let Some(n) = unsigned(v.event, "winlog.event_data.LogonType") {
        return u32::try_from(n).ok();
    }
    let name = first_text(v.event, "winlog.logon.type")?;
    if let Ok(n) = name.trim().parse::<u32>() {
        return Some(n);
    }
    let compact: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    Some(match compact.to_ascii_lowercase().as_str() {
        "interactive" => 2,
        "network" => 3,
        "batch" => 4,
        "service" => 5,
        "unlock" => 7,
        "networkcleartext" => 8,
        "newcredentials" => 9,
        "remoteinteractive" => 10,
        "cachedinteractive" => 11,
        _ => return None,
    })
}

impl LateralMovement {
    pub(crate) fn new(c: &LateralMovementConfig) -> Result<Self, ConfigError> {
        check_range("lateral_movement.hosts", c.hosts, 2, 10_000)?;
        check_secs("lateral_movement.window_secs", c.window_secs, 1)?;
        check_secs(
            "lateral_movement.first_seen_ttl_secs",
            c.first_seen_ttl_secs,
            1,
        )?;
        check_secs("lateral_movement.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("lateral_movement.max_keys", c.max_keys, 1, usize::MAX)?;
        let window = millis(c.window_secs);
        Ok(Self {
            hosts: c.hosts as usize,
            window,
            window_secs: c.window_secs,
            logon_types: c.logon_types.clone(),
            admin_only: c.admin_only,
            ignore: c
                .ignore_users
                .iter()
                .map(|u| u.trim().to_ascii_lowercase())
                .collect(),
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            pairs: KeyedState::new(c.max_keys, millis(c.first_seen_ttl_secs)),
            spread: KeyedState::new(c.max_keys, window),
            privileged: KeyedState::new(c.max_keys, window),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    /// `DOMAIN\user` in lower case, or `None` for accounts that are not people.
    fn account(&self, v: &EventView<'_>) -> Option<String> {
        let user = clip(v.user?, 256).to_ascii_lowercase();
        if user.ends_with('$')
            || BUILTIN_USERS.contains(&user.as_str())
            || user.starts_with("dwm-")
            || user.starts_with("umfd-")
        {
            return None;
        }
        let domain = first_of(
            v.event,
            &["user.domain", "winlog.event_data.TargetDomainName"],
        )
        .map(|d| clip(d, 256).to_ascii_lowercase());
        let account = match domain {
            Some(d) if !user.contains('\\') && !user.contains('@') => format!("{d}\\{user}"),
            _ => user.clone(),
        };
        if self.ignore.contains(&user) || self.ignore.contains(&account) {
            return None;
        }
        Some(account)
    }

    /// Whether a successful remote logon, and its logon type when known.
    fn remote_logon(&self, v: &EventView<'_>) -> Option<Option<u32>> {
        if v.outcome == Outcome::Failure {
            return None;
        }
        let logged_in = v
            .action
            .is_some_and(|a| a.eq_ignore_ascii_case("logged-in"));
        let success_auth = v.is(category::AUTHENTICATION) && v.outcome == Outcome::Success;
        if v.event_id != Some(4624) && !logged_in && !success_auth {
            return None;
        }
        match logon_type_number(v) {
            Some(t) => self.logon_types.contains(&t).then_some(Some(t)),
            None => v
                .source_ip
                .filter(|ip| !is_local_or_special(*ip))
                .map(|_| None),
        }
    }

    fn admin_hint(&self, v: &EventView<'_>, account_key: u64) -> bool {
        let elevated = first_str(v.event, "winlog.event_data.ElevatedToken").is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t == "%%1842" || t == "yes" || t == "true"
        });
        let named = v
            .user
            .is_some_and(|u| clip(u, 256).to_ascii_lowercase().contains("admin"));
        let role = ["user.roles", "group.name"]
            .iter()
            .flat_map(|p| each_str(v.event, p))
            .any(|r| clip(r, 256).to_ascii_lowercase().contains("admin"));
        elevated || named || role || self.privileged.get(account_key).is_some()
    }
}

impl Model for LateralMovement {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        // Special privileges assigned to a new logon: remember the account as admin.
        if v.event_id == Some(4672) {
            if let Some(account) = self.account(v) {
                self.privileged.expire(v.now);
                let key = self.keyer.key(&account);
                self.privileged.entry(key, v.now, || ());
            }
            return;
        }
        let Some(logon_type) = self.remote_logon(v) else {
            return;
        };
        let Some(account) = self.account(v) else {
            return;
        };
        let Some(host) = v.host.map(|h| clip(h, 256).to_ascii_lowercase()) else {
            return;
        };
        let account_key = self.keyer.key(&account);
        self.privileged.expire(v.now);
        let admin = self.admin_hint(v, account_key);
        if self.admin_only && !admin {
            return;
        }
        self.pairs.expire(v.now);
        let pair = self.keyer.key((&account, &host));
        if self.pairs.get_mut(pair, v.now).is_some() {
            return;
        }
        self.pairs.entry(pair, v.now, || ());

        self.spread.expire(v.now);
        let host_key = self.keyer.key(&host);
        let (window, hosts) = (self.window, self.hosts);
        let st = self.spread.entry(account_key, v.now, Distinct::default);
        let count = st.insert(host_key, v.t, window, hosts, || host.as_str().into());
        if count < hosts {
            return;
        }
        let names: Vec<String> = st.live(v.t, window).iter().map(|h| h.to_string()).collect();
        self.spread.remove(account_key);
        if !self.cooldown.allow(account_key, v.t, v.now) {
            return;
        }
        self.detections += 1;
        let title = format!(
            "Lateral movement: {} logged on to {count} new hosts within {}{}",
            clip(&account, 128),
            span(self.window_secs),
            if admin {
                " with administrative rights"
            } else {
                ""
            }
        );
        let level = if admin { Level::High } else { Level::Medium };
        let f = Finding::new(NAME, "new_hosts", level, TAGS, title)
            .entities(|e| {
                e.user = Some(account.clone());
                e.host = Some(host.clone());
            })
            .detail("account", account.clone())
            .detail("hosts", count)
            .detail("host_names", json!(names))
            .detail("admin", admin)
            .detail(
                "logon_type",
                logon_type.map_or(serde_json::Value::Null, |t| t.into()),
            )
            .detail("threshold", hosts)
            .detail("window_secs", self.window_secs);
        out.push(f.into_detection(v));
    }

    fn stats(&self) -> ModelStats {
        stats_of(
            NAME,
            self.max_keys,
            self.detections,
            &[&self.pairs, &self.spread, &self.privileged, &self.cooldown],
        )
    }
}
