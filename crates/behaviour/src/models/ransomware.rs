//! Ransomware precursors.
//!
//! - Inhibiting recovery (ATT&CK T1490): command lines that delete shadow copies or
//!   backups or switch off Windows recovery (`vssadmin delete shadows`, `wmic shadowcopy
//!   delete`, `bcdedit ... recoveryenabled no`, `wbadmin delete catalog`, ...), after
//!   removing cmd's caret escapes and quotes.
//! - Data encrypted for impact (ATT&CK T1486): one process (or host, when events name no
//!   process) renaming or deleting many files within a short window, and, sooner, renaming
//!   files to unusual extensions (a known ransomware extension, or an extension that is
//!   neither common nor the file's previous one).

use super::file_extensions::{COMMON_EXTENSIONS, RANSOM_EXTENSIONS};
use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError};
use crate::fields::{clip, each_str, first_of, first_str, first_text};
use crate::finding::{evidence, span, Finding};
use crate::state::{Cooldown, KeyedState, Keyer};
use crate::text::{in_order, normalize_command_line};
use crate::view::{category, kind, EventView};
use crate::window::Burst;
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_model::{Detection, Level};

const NAME: &str = "ransomware";
const ENCRYPT_TAGS: &[&str] = &["attack.impact", "attack.t1486"];
const INHIBIT_TAGS: &[&str] = &["attack.impact", "attack.t1490"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RansomwareConfig {
    pub enabled: bool,
    /// Renames and deletions by one process within the window.
    pub file_events: u32,
    /// Renames (or writes) to unusual extensions by one process within the window.
    pub unusual_renames: u32,
    pub window_secs: u64,
    /// Extensions (without the dot) added to the built-in ransomware list.
    pub extra_ransom_extensions: Vec<String>,
    /// Report shadow-copy, backup-catalogue and recovery-setting tampering.
    pub shadow_copy_deletion: bool,
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for RansomwareConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            file_events: 200,
            unusual_renames: 20,
            window_secs: 60,
            extra_ransom_extensions: Vec::new(),
            shadow_copy_deletion: true,
            cooldown_secs: 1800,
            // Each key holds up to `file_events` times; a smaller table keeps the worst
            // case near 20 MB.
            max_keys: 10_000,
        }
    }
}

/// Command lines that destroy recovery data: a name and words that must occur in order.
const INHIBIT: &[(&str, &[&str])] = &[
    (
        "vssadmin delete shadows",
        &["vssadmin", "delete", "shadows"],
    ),
    (
        "vssadmin resize shadowstorage",
        &["vssadmin", "resize", "shadowstorage", "maxsize"],
    ),
    ("wmic shadowcopy delete", &["wmic", "shadowcopy", "delete"]),
    ("Win32_ShadowCopy delete", &["win32_shadowcopy", "delete"]),
    ("Win32_ShadowCopy remove", &["win32_shadowcopy", "remove-"]),
    (
        "bcdedit recoveryenabled no",
        &["bcdedit", "recoveryenabled no"],
    ),
    (
        "bcdedit bootstatuspolicy ignoreallfailures",
        &["bcdedit", "bootstatuspolicy ignoreallfailures"],
    ),
    ("wbadmin delete catalog", &["wbadmin", "delete", "catalog"]),
    (
        "wbadmin delete systemstatebackup",
        &["wbadmin", "delete", "systemstatebackup"],
    ),
    ("wbadmin delete backup", &["wbadmin", "delete", "backup"]),
    (
        "diskshadow delete shadows",
        &["diskshadow", "delete", "shadows"],
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum FileOp {
    Rename,
    Delete,
    Change,
    Create,
}

#[derive(Default)]
struct Activity {
    ops: Burst,
    unusual: Burst,
    last_path: Option<Box<str>>,
}

pub(crate) struct Ransomware {
    file_events: usize,
    unusual_renames: usize,
    window: i64,
    window_secs: u64,
    inhibit: bool,
    ransom: HashSet<String>,
    common: HashSet<&'static str>,
    max_keys: usize,
    keyer: Keyer,
    activity: KeyedState<Activity>,
    cooldown: Cooldown,
    detections: u64,
}

impl Ransomware {
    pub(crate) fn new(c: &RansomwareConfig) -> Result<Self, ConfigError> {
        check_range("ransomware.file_events", c.file_events, 2, 100_000)?;
        check_range("ransomware.unusual_renames", c.unusual_renames, 1, 100_000)?;
        check_secs("ransomware.window_secs", c.window_secs, 1)?;
        check_secs("ransomware.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("ransomware.max_keys", c.max_keys, 1, usize::MAX)?;
        let mut ransom: HashSet<String> =
            RANSOM_EXTENSIONS.iter().map(|s| (*s).to_owned()).collect();
        ransom.extend(
            c.extra_ransom_extensions
                .iter()
                .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|e| !e.is_empty()),
        );
        Ok(Self {
            file_events: c.file_events as usize,
            unusual_renames: c.unusual_renames as usize,
            window: millis(c.window_secs),
            window_secs: c.window_secs,
            inhibit: c.shadow_copy_deletion,
            ransom,
            common: COMMON_EXTENSIONS.iter().copied().collect(),
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            activity: KeyedState::new(c.max_keys, millis(c.window_secs)),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    fn check_inhibit(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let lines = [
            "process.command_line",
            "process.args",
            "winlog.event_data.CommandLine",
        ]
        .iter()
        .flat_map(|p| each_str(v.event, p));
        let mut found = None;
        for line in lines {
            let norm = normalize_command_line(line);
            if let Some((name, _)) = INHIBIT.iter().find(|(_, words)| in_order(&norm, words)) {
                found = Some((*name, line));
                break;
            }
        }
        let Some((name, line)) = found else {
            return;
        };
        let host = v.machine().unwrap_or_else(|| "unknown".to_owned());
        if !self
            .cooldown
            .allow(self.keyer.key((&host, "inhibit")), v.t, v.now)
        {
            return;
        }
        self.detections += 1;
        let title = format!("Recovery inhibited on {}: {name}", clip(&host, 128));
        let f = Finding::new(NAME, "inhibit_recovery", Level::High, INHIBIT_TAGS, title)
            .detail("technique", name)
            .detail("command_line", evidence(line));
        out.push(f.into_detection(v));
    }

    fn is_unusual(&self, op: FileOp, ext: Option<&str>, original: Option<&str>) -> bool {
        let Some(ext) = ext else {
            return false;
        };
        if self.ransom.contains(ext) {
            return true;
        }
        if op != FileOp::Rename || self.common.contains(ext) {
            return false;
        }
        match original {
            Some(orig) => orig != ext && self.common.contains(orig),
            None => true,
        }
    }

    fn check_files(&mut self, v: &EventView<'_>, op: FileOp, out: &mut Vec<Detection>) {
        let path = first_of(v.event, &["file.path", "file.name"]);
        let ext = first_str(v.event, "file.extension")
            .map(|e| clip(e.trim_start_matches('.'), 32).to_ascii_lowercase())
            .or_else(|| path.and_then(extension_of));
        let original = first_of(v.event, &["file.Ext.original.extension"])
            .map(|e| clip(e.trim_start_matches('.'), 32).to_ascii_lowercase())
            .or_else(|| {
                first_of(
                    v.event,
                    &["file.Ext.original.path", "file.Ext.original.name"],
                )
                .and_then(extension_of)
            });
        let unusual = self.is_unusual(op, ext.as_deref(), original.as_deref());
        let counted = matches!(op, FileOp::Rename | FileOp::Delete);
        if !unusual && !counted {
            return;
        }
        let host = v
            .host
            .map(|h| clip(h, 256).to_ascii_lowercase())
            .unwrap_or_default();
        let process = first_text(v.event, "process.entity_id")
            .or_else(|| {
                let pid = first_text(v.event, "process.pid")?;
                let name = first_of(v.event, &["process.executable", "process.name"]).unwrap_or("");
                Some(format!("{pid}:{name}").into())
            })
            .or_else(|| first_of(v.event, &["process.executable", "process.name"]).map(Into::into))
            .map(|p| clip(&p, 512).to_ascii_lowercase())
            .unwrap_or_default();
        let key = self.keyer.key((&host, &process));
        self.activity.expire(v.now);
        let (window, n_ops, n_unusual) = (self.window, self.file_events, self.unusual_renames);
        let st = self.activity.entry(key, v.now, Activity::default);
        let mut fire_unusual = false;
        if unusual {
            st.last_path = path.map(|p| clip(p, 512).into());
            fire_unusual = st.unusual.push(v.t, n_unusual, window);
        }
        let fire_mass = counted && st.ops.push(v.t, n_ops, window);
        let ops_count = st.ops.count_near(v.t, window);
        let unusual_count = st.unusual.count_near(v.t, window);
        let sample = st.last_path.as_deref().unwrap_or("").to_owned();
        if fire_unusual {
            st.unusual.clear();
        }
        if fire_mass {
            st.ops.clear();
        }
        let who = describe(v.host, &process);
        if fire_unusual
            && self
                .cooldown
                .allow(self.keyer.key((key, "unusual")), v.t, v.now)
        {
            self.detections += 1;
            let title = format!(
                "Possible ransomware: {unusual_count} files renamed to unusual extensions by {who} within {}",
                span(self.window_secs)
            );
            let f = Finding::new(NAME, "unusual_extension", Level::High, ENCRYPT_TAGS, title)
                .detail("files", unusual_count)
                .detail("extension", ext.clone().unwrap_or_default())
                .detail("sample_path", evidence(&sample))
                .detail("threshold", n_unusual)
                .detail("window_secs", self.window_secs);
            out.push(f.into_detection(v));
        }
        if fire_mass
            && self
                .cooldown
                .allow(self.keyer.key((key, "mass")), v.t, v.now)
        {
            self.detections += 1;
            let title = format!(
                "Mass file renames/deletions: {ops_count} files by {who} within {}",
                span(self.window_secs)
            );
            let f = Finding::new(
                NAME,
                "mass_file_activity",
                Level::Medium,
                ENCRYPT_TAGS,
                title,
            )
            .detail("files", ops_count)
            .detail("threshold", n_ops)
            .detail("window_secs", self.window_secs);
            out.push(f.into_detection(v));
        }
    }
}

fn describe(host: Option<&str>, process: &str) -> String {
    let host = clip(host.unwrap_or("unknown host"), 128);
    if process.is_empty() {
        host.to_owned()
    } else {
        let name = process.rsplit(['/', '\\', ':']).next().unwrap_or(process);
        format!("{} on {host}", clip(name, 128))
    }
}

/// The extension of the last component of a path (1 to 16 characters).
fn extension_of(path: &str) -> Option<String> {
    let name = path.rsplit(['/', '\\']).next()?;
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && (1..=16).contains(&ext.len())).then(|| ext.to_ascii_lowercase())
}

/// What a file event did, from `event.action` (vendors' words) or `event.type`.
fn file_op(v: &EventView<'_>) -> Option<FileOp> {
    if let Some(action) = v.action {
        let a = clip(action, 64).to_ascii_lowercase();
        let op = if a.contains("rename") || a.contains("moved") {
            Some(FileOp::Rename)
        } else if a.contains("delet") || a.contains("remov") || a.contains("unlink") {
            Some(FileOp::Delete)
        } else if a.contains("modif")
            || a.contains("overwrit")
            || a.contains("write")
            || a.contains("change")
        {
            Some(FileOp::Change)
        } else if a.contains("creat") {
            Some(FileOp::Create)
        } else {
            None
        };
        if op.is_some() {
            return op;
        }
    }
    if v.has_type(kind::DELETION) {
        Some(FileOp::Delete)
    } else if v.has_type(kind::CHANGE) {
        Some(FileOp::Change)
    } else if v.has_type(kind::CREATION) {
        Some(FileOp::Create)
    } else {
        None
    }
}

impl Model for Ransomware {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        if self.inhibit {
            self.check_inhibit(v, out);
        }
        if v.is(category::FILE) {
            if let Some(op) = file_op(v) {
                self.check_files(v, op, out);
            }
        }
    }

    fn stats(&self) -> ModelStats {
        stats_of(
            NAME,
            self.max_keys,
            self.detections,
            &[&self.activity, &self.cooldown],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(
            extension_of("C:\\Users\\a\\report.DOCX.locked"),
            Some("locked".into())
        );
        assert_eq!(extension_of("/home/a/.bashrc"), None);
        assert_eq!(extension_of("/tmp/noext"), None);
    }

    #[test]
    fn inhibit_patterns() {
        let hit = |s: &str| {
            INHIBIT
                .iter()
                .any(|(_, w)| in_order(&normalize_command_line(s), w))
        };
        assert!(hit(
            "\"C:\\Windows\\system32\\vssadmin.exe\" Delete Shadows /All /Quiet"
        ));
        assert!(hit("cmd.exe /c v^ssadm^in delete shadows /all"));
        assert!(hit("wmic.exe SHADOWCOPY /nointeractive delete"));
        assert!(hit("bcdedit /set {default} recoveryenabled No"));
        assert!(hit("wbadmin DELETE SYSTEMSTATEBACKUP -keepVersions:0"));
        assert!(hit(
            "powershell Get-WmiObject Win32_Shadowcopy | ForEach-Object {$_.Delete();}"
        ));
        assert!(!hit("vssadmin list shadows"));
        assert!(!hit("bcdedit /enum"));
        assert!(!hit(
            "bcdedit /set {default} recoveryenabled yes /nointegritychecks"
        ));
        assert!(!hit("wbadmin start backup -backupTarget:E:"));
    }
}
