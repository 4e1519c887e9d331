//! ATT&CK tactics read from rule tags.
//!
//! Sigma writes tactics as `attack.initial_access` (older rules) or
//! `attack.initial-access` (newer ones), sometimes as `attack.ta0001`, and techniques as
//! `attack.t1110.001`. Techniques map to tactics through a small table of the ones
//! security operations meet most; an unknown technique adds no tactic.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The fourteen Enterprise ATT&CK tactics, in kill-chain order.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tactic {
    Reconnaissance,
    ResourceDevelopment,
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
    Exfiltration,
    Impact,
}

use Tactic::*;

impl Tactic {
    pub const ALL: [Tactic; 14] = [
        Reconnaissance,
        ResourceDevelopment,
        InitialAccess,
        Execution,
        Persistence,
        PrivilegeEscalation,
        DefenseEvasion,
        CredentialAccess,
        Discovery,
        LateralMovement,
        Collection,
        CommandAndControl,
        Exfiltration,
        Impact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reconnaissance => "reconnaissance",
            ResourceDevelopment => "resource_development",
            InitialAccess => "initial_access",
            Execution => "execution",
            Persistence => "persistence",
            PrivilegeEscalation => "privilege_escalation",
            DefenseEvasion => "defense_evasion",
            CredentialAccess => "credential_access",
            Discovery => "discovery",
            LateralMovement => "lateral_movement",
            Collection => "collection",
            CommandAndControl => "command_and_control",
            Exfiltration => "exfiltration",
            Impact => "impact",
        }
    }

    /// The ATT&CK id (`TA0001`).
    pub fn id(self) -> &'static str {
        match self {
            Reconnaissance => "TA0043",
            ResourceDevelopment => "TA0042",
            InitialAccess => "TA0001",
            Execution => "TA0002",
            Persistence => "TA0003",
            PrivilegeEscalation => "TA0004",
            DefenseEvasion => "TA0005",
            CredentialAccess => "TA0006",
            Discovery => "TA0007",
            LateralMovement => "TA0008",
            Collection => "TA0009",
            CommandAndControl => "TA0011",
            Exfiltration => "TA0010",
            Impact => "TA0040",
        }
    }

    /// Reads a tactic name (`initial_access`, `initial-access`) or id (`ta0001`).
    pub fn parse(s: &str) -> Option<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == norm || t.id().eq_ignore_ascii_case(&norm))
    }
}

impl fmt::Display for Tactic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parent technique → tactics, for techniques common in SOC alerts.
const TECHNIQUES: &[(&str, &[Tactic])] = &[
    ("t1595", &[Reconnaissance]),
    ("t1046", &[Discovery]),
    ("t1190", &[InitialAccess]),
    ("t1133", &[InitialAccess, Persistence]),
    ("t1566", &[InitialAccess]),
    (
        "t1078",
        &[
            InitialAccess,
            Persistence,
            PrivilegeEscalation,
            DefenseEvasion,
        ],
    ),
    ("t1059", &[Execution]),
    ("t1203", &[Execution]),
    ("t1053", &[Execution, Persistence, PrivilegeEscalation]),
    ("t1505", &[Persistence]),
    ("t1543", &[Persistence, PrivilegeEscalation]),
    ("t1547", &[Persistence, PrivilegeEscalation]),
    ("t1068", &[PrivilegeEscalation]),
    ("t1055", &[DefenseEvasion, PrivilegeEscalation]),
    ("t1070", &[DefenseEvasion]),
    ("t1562", &[DefenseEvasion]),
    ("t1110", &[CredentialAccess]),
    ("t1003", &[CredentialAccess]),
    ("t1558", &[CredentialAccess]),
    ("t1087", &[Discovery]),
    ("t1021", &[LateralMovement]),
    ("t1570", &[LateralMovement]),
    ("t1005", &[Collection]),
    ("t1071", &[CommandAndControl]),
    ("t1105", &[CommandAndControl]),
    ("t1572", &[CommandAndControl]),
    ("t1041", &[Exfiltration]),
    ("t1048", &[Exfiltration]),
    ("t1567", &[Exfiltration]),
    ("t1486", &[Impact]),
    ("t1490", &[Impact]),
    ("t1496", &[Impact]),
    ("t1498", &[Impact]),
    ("t1499", &[Impact]),
];

/// The tactics named or implied by `tags`, de-duplicated, in kill-chain order.
pub fn tactics_from_tags<S: AsRef<str>>(tags: &[S]) -> Vec<Tactic> {
    let mut out = Vec::new();
    for tag in tags {
        let tag = tag.as_ref().trim().to_ascii_lowercase();
        let Some(rest) = tag.strip_prefix("attack.") else {
            continue;
        };
        if let Some(t) = Tactic::parse(rest) {
            out.push(t);
            continue;
        }
        let parent = rest.split('.').next().unwrap_or(rest);
        if let Some((_, tactics)) = TECHNIQUES.iter().find(|(id, _)| *id == parent) {
            out.extend_from_slice(tactics);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The ATT&CK technique ids in `tags` (`T1110.001`), upper-cased as ATT&CK writes them.
pub fn techniques_from_tags<S: AsRef<str>>(tags: &[S]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .filter_map(|t| {
            let t = t.as_ref().trim().to_ascii_lowercase();
            let rest = t.strip_prefix("attack.")?.to_owned();
            let digits = rest.strip_prefix('t')?;
            let ok = digits
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            ok.then(|| rest.to_ascii_uppercase())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tactic_names_in_both_spellings_and_ids() {
        let tags = [
            "attack.initial_access",
            "attack.lateral-movement",
            "attack.TA0040",
            "cve.2021-44228",
        ];
        assert_eq!(
            tactics_from_tags(&tags),
            vec![InitialAccess, LateralMovement, Impact]
        );
    }

    #[test]
    fn techniques_imply_tactics_and_unknown_ones_add_nothing() {
        assert_eq!(
            tactics_from_tags(&["attack.t1110.001", "attack.t1110.003"]),
            vec![CredentialAccess]
        );
        assert_eq!(tactics_from_tags(&["attack.t9999"]), Vec::<Tactic>::new());
        assert_eq!(
            tactics_from_tags(&["attack.t1486", "attack.credential_access"]),
            vec![CredentialAccess, Impact]
        );
    }

    #[test]
    fn technique_ids_are_extracted() {
        assert_eq!(
            techniques_from_tags(&["attack.t1059.001", "attack.execution", "attack.t1059.001"]),
            vec!["T1059.001".to_owned()]
        );
    }

    #[test]
    fn every_tactic_round_trips() {
        for t in Tactic::ALL {
            assert_eq!(Tactic::parse(t.as_str()), Some(t));
            assert_eq!(Tactic::parse(t.id()), Some(t));
        }
    }
}
