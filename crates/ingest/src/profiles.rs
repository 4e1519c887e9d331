//! Device profiles: which parser (and which clock assumptions) apply to records arriving
//! on a listener from a range of peers. The first matching profile wins; without a match
//! the site's default profile (auto-detection) applies.

use chrono_tz::Tz;
use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;
use steward_normalize::ParseOptions;

/// A device profile as written in the configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceProfile {
    pub name: String,
    /// Listener names this profile applies to (`syslog-udp`, `syslog-tcp`, `syslog-tls`,
    /// `http`); empty means every listener.
    #[serde(default)]
    pub listeners: Vec<String>,
    /// Peer networks this profile applies to; empty means every peer.
    #[serde(default)]
    pub peers: Vec<IpNet>,
    /// Parser name, or `auto`.
    #[serde(default = "auto")]
    pub parser: String,
    /// IANA zone for timestamps that carry none (RFC 3164 and many vendor formats).
    #[serde(default)]
    pub timezone: Option<String>,
}

fn auto() -> String {
    "auto".into()
}

/// What a record gets from the profile that matched it.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub profile: String,
    pub parser: String,
    pub options: ParseOptions,
}

#[derive(Clone, Debug)]
pub struct ProfileSet {
    profiles: Vec<(DeviceProfile, Resolved)>,
    default: Resolved,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("device profile {profile:?}: unknown time zone {zone:?}")]
    BadZone { profile: String, zone: String },
    #[error("device profile {profile:?}: unknown parser {parser:?} (known: {known})")]
    UnknownParser {
        profile: String,
        parser: String,
        known: String,
    },
}

impl ProfileSet {
    /// Builds the set, checking zones and parser names up front so a typo fails at start,
    /// not silently at the first record.
    pub fn new(
        profiles: Vec<DeviceProfile>,
        default_timezone: Tz,
        known_parsers: &[&str],
    ) -> Result<Self, ProfileError> {
        let default = Resolved {
            profile: "default".into(),
            parser: "auto".into(),
            options: ParseOptions {
                timezone: default_timezone,
                ..ParseOptions::default()
            },
        };
        let mut resolved = Vec::new();
        for p in profiles {
            if p.parser != "auto" && !known_parsers.contains(&p.parser.as_str()) {
                return Err(ProfileError::UnknownParser {
                    profile: p.name.clone(),
                    parser: p.parser.clone(),
                    known: known_parsers.join(", "),
                });
            }
            let timezone = match &p.timezone {
                None => default_timezone,
                Some(z) => z.parse::<Tz>().map_err(|_| ProfileError::BadZone {
                    profile: p.name.clone(),
                    zone: z.clone(),
                })?,
            };
            let r = Resolved {
                profile: p.name.clone(),
                parser: p.parser.clone(),
                options: ParseOptions {
                    timezone,
                    ..ParseOptions::default()
                },
            };
            resolved.push((p, r));
        }
        Ok(Self {
            profiles: resolved,
            default,
        })
    }

    pub fn resolve(&self, listener: &str, peer: Option<IpAddr>) -> &Resolved {
        self.profiles
            .iter()
            .find(|(p, _)| {
                (p.listeners.is_empty() || p.listeners.iter().any(|l| l == listener))
                    && (p.peers.is_empty()
                        || peer.is_some_and(|ip| p.peers.iter().any(|n| n.contains(&ip))))
            })
            .map(|(_, r)| r)
            .unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, listeners: &[&str], peers: &[&str], parser: &str) -> DeviceProfile {
        DeviceProfile {
            name: name.into(),
            listeners: listeners.iter().map(|s| s.to_string()).collect(),
            peers: peers.iter().map(|s| s.parse().unwrap()).collect(),
            parser: parser.into(),
            timezone: Some("Asia/Shanghai".into()),
        }
    }

    #[test]
    fn first_matching_profile_wins_and_default_is_auto() {
        let set = ProfileSet::new(
            vec![
                profile("fw", &["syslog-udp"], &["10.0.0.0/8"], "cef"),
                profile("any-tcp", &["syslog-tcp"], &[], "rfc5424"),
            ],
            Tz::UTC,
            &["cef", "rfc5424"],
        )
        .unwrap();
        let ip = |s: &str| Some(s.parse().unwrap());
        assert_eq!(set.resolve("syslog-udp", ip("10.1.1.1")).parser, "cef");
        assert_eq!(
            set.resolve("syslog-udp", ip("10.1.1.1")).options.timezone,
            Tz::Asia__Shanghai
        );
        assert_eq!(set.resolve("syslog-udp", ip("192.168.1.1")).parser, "auto");
        assert_eq!(set.resolve("syslog-tcp", None).parser, "rfc5424");
        assert_eq!(set.resolve("http", None).profile, "default");
    }

    #[test]
    fn bad_zone_and_unknown_parser_are_refused() {
        let mut p = profile("x", &[], &[], "cef");
        p.timezone = Some("Mars/Olympus".into());
        assert!(ProfileSet::new(vec![p], Tz::UTC, &["cef"]).is_err());
        let p = profile("y", &[], &[], "nope");
        assert!(ProfileSet::new(vec![p], Tz::UTC, &["cef"]).is_err());
    }
}
