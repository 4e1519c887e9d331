//! Brute force (ATT&CK T1110): many failed logons from one origin, password spraying
//! (one origin failing against many accounts), and the success that follows either.
//!
//! The origin is the source address; logons without one (console, `su`) are keyed by
//! host and account instead. Only failures create state: a success is checked against
//! the failures already held and never costs memory.

use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::fields::clip;
use crate::finding::{span, Finding};
use crate::state::{Cooldown, KeyedState, Keyer};
use crate::view::{category, kind, EventView, Outcome};
use crate::window::{Burst, Distinct};
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::IpAddr;
use steward_model::{Detection, Level};

const NAME: &str = "brute_force";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BruteForceConfig {
    pub enabled: bool,
    /// Failed logons from one origin within the window that make an attempt.
    pub failures: u32,
    /// Distinct accounts failing from one origin within the window that make spraying.
    pub spray_users: u32,
    pub window_secs: u64,
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for BruteForceConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            failures: 10,
            spray_users: 10,
            window_secs: 300,
            cooldown_secs: 600,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

/// Failures of one origin.
#[derive(Default)]
struct Failures {
    times: Burst,
    users: Distinct<Box<str>>,
}

pub(crate) struct BruteForce {
    failures: usize,
    spray_users: usize,
    window: i64,
    window_secs: u64,
    max_keys: usize,
    keyer: Keyer,
    state: KeyedState<Failures>,
    cooldown: Cooldown,
    detections: u64,
}

/// Where the logons come from.
enum Origin<'a> {
    Address(IpAddr),
    Local { host: &'a str, user: &'a str },
}

impl BruteForce {
    pub(crate) fn new(c: &BruteForceConfig) -> Result<Self, ConfigError> {
        check_range("brute_force.failures", c.failures, 1, 10_000)?;
        check_range("brute_force.spray_users", c.spray_users, 2, 1_000)?;
        check_secs("brute_force.window_secs", c.window_secs, 1)?;
        check_secs("brute_force.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("brute_force.max_keys", c.max_keys, 1, usize::MAX)?;
        Ok(Self {
            failures: c.failures as usize,
            spray_users: c.spray_users as usize,
            window: millis(c.window_secs),
            window_secs: c.window_secs,
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            state: KeyedState::new(c.max_keys, millis(c.window_secs)),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    fn origin_key(&self, origin: &Origin<'_>) -> u64 {
        match origin {
            Origin::Address(ip) => self.keyer.key(("ip", ip)),
            Origin::Local { host, user } => self.keyer.key((
                "local",
                clip(host, 256).to_ascii_lowercase(),
                clip(user, 256).to_ascii_lowercase(),
            )),
        }
    }

    fn user_key(&self, user: &str) -> u64 {
        self.keyer.key(clip(user, 256).to_ascii_lowercase())
    }

    fn finding(
        &mut self,
        origin: &Origin<'_>,
        variant: &'static str,
        level: Level,
        tags: &'static [&'static str],
        title: String,
    ) -> Finding {
        self.detections += 1;
        let (ip, host, user) = match origin {
            Origin::Address(ip) => (Some(ip.to_string()), None, None),
            Origin::Local { host, user } => (
                None,
                Some(clip(host, 256).to_owned()),
                Some(clip(user, 256).to_owned()),
            ),
        };
        Finding::new(NAME, variant, level, tags, title)
            .entities(|e| {
                e.source_ip = ip;
                e.host = host;
                e.user = user;
            })
            .detail("window_secs", self.window_secs)
    }
}

/// Whether an event is a logon attempt, and how it ended.
fn logon_outcome(v: &EventView<'_>) -> Option<Outcome> {
    let windows = match v.event_id {
        Some(4625) | Some(4771) => Some(Outcome::Failure),
        Some(4624) => Some(Outcome::Success),
        Some(4776) => Some(Outcome::Unknown),
        _ => None,
    };
    let typed = if v.has_type(kind::AUTH_FAILURE) {
        Some(Outcome::Failure)
    } else if v.has_type(kind::AUTH_SUCCESS) {
        Some(Outcome::Success)
    } else {
        None
    };
    if !v.is(category::AUTHENTICATION) && windows.is_none() && typed.is_none() {
        return None;
    }
    match v.outcome {
        Outcome::Unknown => typed.or(windows).filter(|o| *o != Outcome::Unknown),
        known => Some(known),
    }
}

fn origin<'a>(v: &EventView<'a>) -> Option<Origin<'a>> {
    match v.source_ip {
        Some(ip) if !ip.is_unspecified() => Some(Origin::Address(ip)),
        _ => Some(Origin::Local {
            host: v.host?,
            user: v.user.unwrap_or(""),
        }),
    }
}

fn describe(origin: &Origin<'_>) -> String {
    match origin {
        Origin::Address(ip) => ip.to_string(),
        Origin::Local { host, .. } => format!("local logons on {}", clip(host, 128)),
    }
}

impl Model for BruteForce {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let Some(outcome) = logon_outcome(v) else {
            return;
        };
        let Some(origin) = origin(v) else {
            return;
        };
        self.state.expire(v.now);
        let key = self.origin_key(&origin);
        let user = v.user.map(|u| clip(u, 128));
        match outcome {
            Outcome::Failure => {
                let user_key = user.map(|u| self.user_key(u));
                let (window, n, spray) = (self.window, self.failures, self.spray_users);
                let st = self.state.entry(key, v.now, Failures::default);
                let burst = st.times.push(v.t, n, window);
                let users = match (user_key, user) {
                    (Some(k), Some(u)) => st.users.insert(k, v.t, window, spray, || u.into()),
                    _ => 0,
                };
                let count = st.times.count_near(v.t, window);
                let names: Vec<String> = if users >= spray {
                    st.users
                        .live(v.t, window)
                        .iter()
                        .take(20)
                        .map(|u| u.to_string())
                        .collect()
                } else {
                    Vec::new()
                };
                if users >= spray {
                    if self
                        .cooldown
                        .allow(self.keyer.key((key, "spray")), v.t, v.now)
                    {
                        let title = format!(
                            "Password spraying: {users} accounts failed to log on from {} within {}",
                            describe(&origin),
                            span(self.window_secs)
                        );
                        let f = self
                            .finding(&origin, "spray", Level::Medium, SPRAY_TAGS, title)
                            .detail("distinct_users", users)
                            .detail("failures", count)
                            .detail("users", json!(names))
                            .detail("threshold", spray);
                        out.push(f.into_detection(v));
                    }
                } else if burst
                    && self
                        .cooldown
                        .allow(self.keyer.key((key, "attempt")), v.t, v.now)
                {
                    let title = format!(
                        "Brute-force attempt: {count} failed logons from {} within {}",
                        describe(&origin),
                        span(self.window_secs)
                    );
                    let f = self
                        .finding(&origin, "attempt", Level::Medium, ATTEMPT_TAGS, title)
                        .entities(|e| e.user = user.map(str::to_owned))
                        .detail("failures", count)
                        .detail("distinct_users", users)
                        .detail("threshold", n);
                    out.push(f.into_detection(v));
                }
            }
            Outcome::Success => {
                let (window, n, spray) = (self.window, self.failures, self.spray_users);
                let user_key = user.map(|u| self.user_key(u));
                let Some(st) = self.state.get_mut(key, v.now) else {
                    return;
                };
                let count = st.times.count_within(v.t, window);
                if count < n {
                    return;
                }
                let users = st.users.live(v.t, window).len();
                let targeted = user_key.is_some_and(|k| st.users.contains(k));
                if !self
                    .cooldown
                    .allow(self.keyer.key((key, "success")), v.t, v.now)
                {
                    return;
                }
                let who = user.unwrap_or("an account");
                let title = format!(
                    "Logon succeeded after brute force: {who} from {} after {count} failures within {}",
                    describe(&origin),
                    span(self.window_secs)
                );
                let f = self
                    .finding(&origin, "success", Level::High, SUCCESS_TAGS, title)
                    .entities(|e| e.user = user.map(str::to_owned))
                    .detail("failures", count)
                    .detail("distinct_users", users)
                    .detail("user_was_targeted", targeted)
                    .detail("spray", users >= spray)
                    .detail("threshold", n);
                out.push(f.into_detection(v));
            }
            Outcome::Unknown => {}
        }
    }

    fn stats(&self) -> ModelStats {
        stats_of(
            NAME,
            self.max_keys,
            self.detections,
            &[&self.state, &self.cooldown],
        )
    }
}

const ATTEMPT_TAGS: &[&str] = &[
    "attack.credential-access",
    "attack.t1110",
    "attack.t1110.001",
];
const SPRAY_TAGS: &[&str] = &[
    "attack.credential-access",
    "attack.t1110",
    "attack.t1110.003",
];
const SUCCESS_TAGS: &[&str] = &[
    "attack.credential-access",
    "attack.t1110",
    "attack.initial-access",
    "attack.t1078",
];
