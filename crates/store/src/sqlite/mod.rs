//! The embedded event store: one SQLite database per UTC day of ingestion.
//!
//! Partitioning by the day an event arrived (not by its own `@timestamp`) bounds the
//! number of files whatever clocks the devices have, and makes retention mean "what we
//! received more than N days ago". Each partition remembers the smallest and largest
//! `@timestamp` it holds, so a search opens only the partitions its time range touches.

mod compile;
mod functions;
mod partition;
mod read;
mod schema;

use crate::types::is_partition_name;
use crate::{
    AppendStats, EventStore, HistogramBucket, HistogramRequest, PreparedBatch, SearchRequest,
    SearchResult, StoreError, TopRequest, TopValue,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use partition::{Partition, PartitionInfo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use steward_model::Event;

/// How hard a commit waits for the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// fsync on every commit: acknowledged events survive power loss.
    Full,
    /// fsync at checkpoints only: acknowledged events survive a process crash (kill -9),
    /// the last transactions may be lost on power loss.
    Normal,
}

#[derive(Clone, Debug)]
pub struct SqliteOptions {
    pub sync: SyncMode,
    /// Read connections kept open per partition.
    pub readers_per_partition: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            sync: SyncMode::Full,
            readers_per_partition: 4,
        }
    }
}

pub struct SqliteStore {
    dir: PathBuf,
    options: SqliteOptions,
    /// Partition name -> what it holds. The writer updates it after each commit.
    partitions: RwLock<BTreeMap<String, PartitionInfo>>,
    writer: Mutex<Option<Partition>>,
    readers: Mutex<BTreeMap<String, Vec<Partition>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`, checking recently written
    /// partitions and setting aside any that SQLite reports as damaged.
    pub fn open(dir: impl Into<PathBuf>, options: SqliteOptions) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        let mut names = list_partitions(&dir)?;
        names.sort();
        let mut partitions = BTreeMap::new();
        let recent = names.len().saturating_sub(2);
        for (i, name) in names.iter().enumerate() {
            let path = partition_path(&dir, name);
            let checked = if i >= recent {
                Partition::open(&path, &options, partition::Check::Quick)
            } else {
                Partition::open(&path, &options, partition::Check::None)
            };
            match checked {
                Ok(p) => {
                    partitions.insert(name.clone(), p.info()?);
                }
                Err(e) => {
                    let aside = path.with_extension(format!("corrupt-{}", Utc::now().timestamp()));
                    tracing::error!(partition = %name, error = %e, moved_to = %aside.display(),
                        "partition failed its integrity check and was set aside");
                    std::fs::rename(&path, &aside).map_err(StoreError::io(&path))?;
                }
            }
        }
        Ok(Self {
            dir,
            options,
            partitions: RwLock::new(partitions),
            writer: Mutex::new(None),
            readers: Mutex::new(BTreeMap::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Names of the partitions whose `@timestamp` span overlaps `[from, to)`, newest first.
    fn partitions_for(&self, from: i64, to: i64) -> Vec<(String, PartitionInfo)> {
        let map = self.partitions.read().unwrap_or_else(|p| p.into_inner());
        map.iter()
            .rev()
            .filter(|(_, info)| info.events > 0 && info.max_ts >= from && info.min_ts < to)
            .map(|(n, i)| (n.clone(), *i))
            .collect()
    }

    /// Runs `f` with a pooled read connection of partition `name`.
    fn with_reader<T>(
        &self,
        name: &str,
        f: impl FnOnce(&Partition) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = {
            let mut pools = self.readers.lock().unwrap_or_else(|p| p.into_inner());
            pools.get_mut(name).and_then(Vec::pop)
        };
        let reader = match pooled {
            Some(r) => r,
            None => Partition::open_reader(&partition_path(&self.dir, name))?,
        };
        let result = f(&reader);
        let mut pools = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        let pool = pools.entry(name.to_owned()).or_default();
        if pool.len() < self.options.readers_per_partition {
            pool.push(reader);
        }
        result
    }
}

fn partition_name(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

fn partition_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("events-{name}.db"))
}

fn list_partitions(dir: &Path) -> Result<Vec<String>, StoreError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(StoreError::io(dir))? {
        let entry = entry.map_err(StoreError::io(dir))?;
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        if let Some(name) = file
            .strip_prefix("events-")
            .and_then(|f| f.strip_suffix(".db"))
        {
            if is_partition_name(name) {
                names.push(name.to_owned());
            }
        }
    }
    Ok(names)
}

impl EventStore for SqliteStore {
    fn prepare(&self, events: &[Event]) -> PreparedBatch {
        let now = Utc::now().timestamp_micros();
        PreparedBatch {
            rows: events.iter().map(|e| schema::prepare_row(e, now)).collect(),
        }
    }

    fn append(&self, batches: &[PreparedBatch]) -> Result<AppendStats, StoreError> {
        if batches.iter().all(PreparedBatch::is_empty) {
            return Ok(AppendStats::default());
        }
        let now = Utc::now();
        let name = partition_name(now.date_naive());
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if writer.as_ref().map(|w| w.name()) != Some(name.as_str()) {
            let path = partition_path(&self.dir, &name);
            *writer = Some(Partition::open(
                &path,
                &self.options,
                partition::Check::None,
            )?);
        }
        let Some(partition) = writer.as_mut() else {
            return Err(StoreError::WriterGone);
        };
        let stats = partition.append(batches)?;
        let info = partition.info()?;
        self.partitions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name, info);
        Ok(stats)
    }

    fn search(&self, request: &SearchRequest) -> Result<SearchResult, StoreError> {
        read::search(self, request)
    }

    fn histogram(&self, request: &HistogramRequest) -> Result<Vec<HistogramBucket>, StoreError> {
        read::histogram(self, request)
    }

    fn top(&self, request: &TopRequest) -> Result<Vec<TopValue>, StoreError> {
        read::top(self, request)
    }

    fn apply_retention(
        &self,
        now: DateTime<Utc>,
        keep_days: u32,
    ) -> Result<Vec<String>, StoreError> {
        let oldest_kept = partition_name((now - Duration::days(i64::from(keep_days))).date_naive());
        let doomed: Vec<String> = list_partitions(&self.dir)?
            .into_iter()
            .filter(|n| n.as_str() < oldest_kept.as_str())
            .collect();
        for name in &doomed {
            self.readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(name);
            {
                let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
                if writer.as_ref().map(|w| w.name()) == Some(name.as_str()) {
                    *writer = None;
                }
            }
            self.partitions
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .remove(name);
            let path = partition_path(&self.dir, name);
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(StoreError::Io {
                            path: file,
                            source: e,
                        })
                    }
                }
            }
            tracing::info!(partition = %name, "retention dropped a partition");
        }
        Ok(doomed)
    }

    fn disk_bytes(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        for entry in std::fs::read_dir(&self.dir).map_err(StoreError::io(&self.dir))? {
            let entry = entry.map_err(StoreError::io(&self.dir))?;
            if entry.file_name().to_string_lossy().starts_with("events-") {
                total += entry
                    .metadata()
                    .map_err(StoreError::io(entry.path()))?
                    .len();
            }
        }
        Ok(total)
    }
}
