//! Incident categories and severities, with the labels the console shows.

use crate::attack::Tactic;
use serde::{Deserialize, Serialize};
use steward_model::Level;

/// What kind of incident this is (中文 labels follow common Chinese SOC usage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Malware,
    Intrusion,
    BruteForce,
    Exploitation,
    DataLeak,
    Mining,
    Ransomware,
    PolicyViolation,
    Availability,
    Reconnaissance,
    Phishing,
    Other,
}

use Category::*;

/// Keyword rules, first match wins: the specific kinds (ransomware, mining) come
/// before the general one (malware) they would also match. ASCII keywords match a
/// word of the title that starts with them; other keywords (Chinese) match anywhere.
const KEYWORDS: &[(Category, &[&str])] = &[
    (Ransomware, &["ransom", "勒索"]),
    (
        Mining,
        &["mining", "miner", "xmrig", "cryptomin", "coinhive", "挖矿"],
    ),
    (
        BruteForce,
        &["brute", "bruteforce", "spray", "暴力破解", "爆破"],
    ),
    (DataLeak, &["exfil", "leak", "数据泄露", "外传"]),
    (Phishing, &["phish", "钓鱼"]),
    (
        Exploitation,
        &[
            "exploit",
            "injection",
            "sqli",
            "xss",
            "rce",
            "cve",
            "log4j",
            "漏洞利用",
        ],
    ),
    (
        Malware,
        &[
            "malware", "trojan", "backdoor", "virus", "webshell", "worm", "木马", "病毒",
        ],
    ),
    (
        Availability,
        &["ddos", "dos", "flood", "denial", "拒绝服务"],
    ),
    (Reconnaissance, &["scan", "scanner", "recon", "扫描"]),
    (
        Intrusion,
        &["intrusion", "lateral", "compromise", "入侵", "失陷"],
    ),
    (PolicyViolation, &["policy", "violation", "违规"]),
];

/// Techniques that settle the category on their own.
const TECHNIQUES: &[(&str, Category)] = &[
    ("T1486", Ransomware),
    ("T1496", Mining),
    ("T1110", BruteForce),
    ("T1566", Phishing),
    ("T1190", Exploitation),
    ("T1203", Exploitation),
    ("T1498", Availability),
    ("T1499", Availability),
    ("T1595", Reconnaissance),
    ("T1046", Reconnaissance),
    ("T1041", DataLeak),
    ("T1048", DataLeak),
    ("T1567", DataLeak),
    ("T1505", Malware),
];

impl Category {
    pub const ALL: [Category; 12] = [
        Malware,
        Intrusion,
        BruteForce,
        Exploitation,
        DataLeak,
        Mining,
        Ransomware,
        PolicyViolation,
        Availability,
        Reconnaissance,
        Phishing,
        Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Malware => "malware",
            Intrusion => "intrusion",
            BruteForce => "brute_force",
            Exploitation => "exploitation",
            DataLeak => "data_leak",
            Mining => "mining",
            Ransomware => "ransomware",
            PolicyViolation => "policy_violation",
            Availability => "availability",
            Reconnaissance => "reconnaissance",
            Phishing => "phishing",
            Other => "other",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Malware => "Malware",
            Intrusion => "Intrusion",
            BruteForce => "Brute force",
            Exploitation => "Exploitation",
            DataLeak => "Data leak",
            Mining => "Crypto-mining",
            Ransomware => "Ransomware",
            PolicyViolation => "Policy violation",
            Availability => "Availability",
            Reconnaissance => "Reconnaissance",
            Phishing => "Phishing",
            Other => "Other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Malware => "恶意代码",
            Intrusion => "网络入侵",
            BruteForce => "暴力破解",
            Exploitation => "漏洞利用",
            DataLeak => "数据泄露",
            Mining => "挖矿",
            Ransomware => "勒索软件",
            PolicyViolation => "违规操作",
            Availability => "可用性事件",
            Reconnaissance => "扫描探测",
            Phishing => "网络钓鱼",
            Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Guesses the category from a rule's tags and title: ATT&CK techniques first
    /// (they are precise), then title keywords, then broad tactics, else `Other`.
    pub fn classify<S: AsRef<str>>(tags: &[S], title: &str) -> Category {
        let techniques = crate::attack::techniques_from_tags(tags);
        for tech in &techniques {
            let parent = tech.split('.').next().unwrap_or(tech);
            if let Some((_, c)) = TECHNIQUES.iter().find(|(id, _)| *id == parent) {
                return *c;
            }
        }
        let lower = title.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        for (cat, keys) in KEYWORDS {
            let hit = keys.iter().any(|k| {
                if k.is_ascii() {
                    // Short keywords ("dos", "rce") must be whole words, or "windows"
                    // would read as a denial of service.
                    words.iter().any(|w| {
                        if k.len() < 5 {
                            w == k
                        } else {
                            w.starts_with(k)
                        }
                    })
                } else {
                    lower.contains(k)
                }
            });
            if hit {
                return *cat;
            }
        }
        // Last resort: the rule's tactics, most telling first. Host-level tactics
        // (execution, persistence, ...) mean someone is inside: an intrusion.
        let tactics = crate::attack::tactics_from_tags(tags);
        let has = |t: Tactic| tactics.contains(&t);
        if has(Tactic::Exfiltration) {
            DataLeak
        } else if has(Tactic::Impact) {
            Availability
        } else if has(Tactic::CommandAndControl) {
            Malware
        } else if tactics.iter().any(|t| {
            !matches!(
                t,
                Tactic::Reconnaissance | Tactic::ResourceDevelopment | Tactic::Discovery
            )
        }) {
            Intrusion
        } else if has(Tactic::Reconnaissance) || has(Tactic::Discovery) {
            Reconnaissance
        } else {
            Other
        }
    }
}

/// Incident severity. Informational alerts open low-severity incidents: an incident
/// always asks someone to look.
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
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Low => "低危",
            Self::Medium => "中危",
            Self::High => "高危",
            Self::Critical => "严重",
        }
    }
}

impl From<Level> for Severity {
    fn from(level: Level) -> Self {
        match level {
            Level::Informational | Level::Low => Self::Low,
            Level::Medium => Self::Medium,
            Level::High => Self::High,
            Level::Critical => Self::Critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_TAGS: [&str; 0] = [];

    #[test]
    fn labels_exist_for_every_category() {
        assert_eq!(BruteForce.label_zh(), "暴力破解");
        assert_eq!(BruteForce.label_en(), "Brute force");
        for c in Category::ALL {
            assert!(!c.label_zh().is_empty() && !c.label_en().is_empty());
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn techniques_win_over_title() {
        assert_eq!(
            Category::classify(&["attack.t1110.001"], "Suspicious scan"),
            BruteForce
        );
    }

    #[test]
    fn title_keywords_in_priority_order() {
        assert_eq!(
            Category::classify(&NO_TAGS, "SSH brute-force then success"),
            BruteForce
        );
        assert_eq!(
            Category::classify(&NO_TAGS, "Ransomware note dropped by malware"),
            Ransomware
        );
        assert_eq!(Category::classify(&NO_TAGS, "XMRig miner started"), Mining);
        assert_eq!(Category::classify(&NO_TAGS, "Webshell upload"), Malware);
        assert_eq!(Category::classify(&NO_TAGS, "检测到挖矿程序"), Mining);
        assert_eq!(
            Category::classify(&NO_TAGS, "Possible DoS flood"),
            Availability
        );
    }

    #[test]
    fn short_keywords_need_whole_words() {
        // "windows" holds "dos" only as a substring.
        assert_eq!(
            Category::classify(&NO_TAGS, "Windows service created"),
            Other
        );
    }

    #[test]
    fn tactics_are_the_last_resort() {
        assert_eq!(
            Category::classify(&["attack.lateral_movement"], "Remote service created"),
            Intrusion
        );
        assert_eq!(
            Category::classify(&["attack.exfiltration"], "Odd upload"),
            DataLeak
        );
    }

    #[test]
    fn severity_from_level() {
        assert_eq!(Severity::from(Level::Informational), Severity::Low);
        assert_eq!(Severity::from(Level::Critical), Severity::Critical);
        assert!(Severity::Critical > Severity::High);
    }
}
