//! The configuration of all models: one table per model, every key optional.
//!
//! Deserialises from the `[behaviour]` section of a role's TOML file. Unknown keys are
//! errors, so a misspelt threshold never silently keeps its default.

use crate::models::{
    beaconing::BeaconingConfig, brute_force::BruteForceConfig, crypto_mining::CryptoMiningConfig,
    exfiltration::ExfiltrationConfig, lateral_movement::LateralMovementConfig,
    port_scan::PortScanConfig, ransomware::RansomwareConfig, web_attack::WebAttackConfig,
};
use crate::net::DEFAULT_INTERNAL_NETWORKS;
use serde::{Deserialize, Serialize};

/// Default cap on the keys one table of one model tracks.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BehaviourConfig {
    /// An event time further than this ahead of the clock is not believed; the clock's
    /// time is used instead (a device with a wrong clock must not expire all state).
    pub max_future_skew_secs: u64,
    /// The customer's own networks (CIDRs or addresses): what "internal" means.
    pub internal_networks: Vec<String>,
    pub brute_force: BruteForceConfig,
    pub port_scan: PortScanConfig,
    pub beaconing: BeaconingConfig,
    pub crypto_mining: CryptoMiningConfig,
    pub ransomware: RansomwareConfig,
    pub lateral_movement: LateralMovementConfig,
    pub exfiltration: ExfiltrationConfig,
    pub web_attack: WebAttackConfig,
}

impl Default for BehaviourConfig {
    fn default() -> Self {
        Self {
            max_future_skew_secs: 300,
            internal_networks: DEFAULT_INTERNAL_NETWORKS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            brute_force: BruteForceConfig::default(),
            port_scan: PortScanConfig::default(),
            beaconing: BeaconingConfig::default(),
            crypto_mining: CryptoMiningConfig::default(),
            ransomware: RansomwareConfig::default(),
            lateral_movement: LateralMovementConfig::default(),
            exfiltration: ExfiltrationConfig::default(),
            web_attack: WebAttackConfig::default(),
        }
    }
}

impl BehaviourConfig {
    /// A configuration with every model switched off, to enable some explicitly.
    pub fn none() -> Self {
        let mut c = Self::default();
        c.brute_force.enabled = false;
        c.port_scan.enabled = false;
        c.beaconing.enabled = false;
        c.crypto_mining.enabled = false;
        c.ransomware.enabled = false;
        c.lateral_movement.enabled = false;
        c.exfiltration.enabled = false;
        c.web_attack.enabled = false;
        c
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("behaviour.{key}: {reason}")]
    Invalid { key: String, reason: String },
}

impl ConfigError {
    pub(crate) fn invalid(key: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn network(key: &str, value: &str) -> Self {
        Self::invalid(key, format!("{value:?} is not an address or CIDR network"))
    }
}

/// Checks that `value` lies in `min..=max`.
pub(crate) fn check_range<T: PartialOrd + std::fmt::Display>(
    key: &str,
    value: T,
    min: T,
    max: T,
) -> Result<(), ConfigError> {
    // Written with partial_cmp so that NaN (which TOML can spell) is refused too.
    let inside = value.partial_cmp(&min).is_some_and(|o| o.is_ge())
        && value.partial_cmp(&max).is_some_and(|o| o.is_le());
    if !inside {
        return Err(ConfigError::invalid(
            key,
            format!("{value} is outside {min}..={max}"),
        ));
    }
    Ok(())
}

/// Longest window or period accepted: ten years, far beyond any use, so millisecond
/// arithmetic on it cannot overflow.
pub(crate) const MAX_SECS: u64 = 10 * 366 * 24 * 3600;

pub(crate) fn check_secs(key: &str, secs: u64, min: u64) -> Result<(), ConfigError> {
    check_range(key, secs, min, MAX_SECS)
}

/// Seconds as engine-clock milliseconds.
pub(crate) fn millis(secs: u64) -> i64 {
    i64::try_from(secs.min(MAX_SECS) * 1000).unwrap_or(i64::MAX)
}
