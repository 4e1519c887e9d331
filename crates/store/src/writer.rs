//! The single writer: every producer's batches funnel through one bounded queue into one
//! thread, which groups whatever is waiting into one transaction (group commit) and only
//! then acknowledges. One writer keeps SQLite free of lock contention and turns many
//! small batches into few fsyncs.

use crate::{AppendStats, EventStore, PreparedBatch, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use steward_model::Event;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

#[derive(Clone, Copy, Debug)]
pub struct WriteQueueOptions {
    /// Events that may wait for the writer before producers are pushed back. Counted in
    /// events, not batches, so memory stays bounded whatever the batch sizes.
    pub capacity_events: usize,
    /// The writer stops gathering waiting batches into one transaction past this size.
    pub max_transaction_events: usize,
}

impl Default for WriteQueueOptions {
    fn default() -> Self {
        Self {
            capacity_events: 20_000,
            max_transaction_events: 10_000,
        }
    }
}

type Ack = oneshot::Sender<Result<AppendStats, String>>;

struct Job {
    batch: PreparedBatch,
    ack: Option<Ack>,
    /// The batch's share of the queue's capacity, returned when it is committed.
    room: Option<OwnedSemaphorePermit>,
    /// Last job: the writer commits what is queued before it and stops.
    close: bool,
}

/// Upper bounds (seconds) of the commit-latency histogram buckets.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A Prometheus-style cumulative histogram of durations.
#[derive(Debug, Default)]
pub struct LatencyHistogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl LatencyHistogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
    /// `(upper bound, cumulative count)` pairs, then the total count and the sum in seconds.
    pub fn snapshot(&self) -> (Vec<(f64, u64)>, u64, f64) {
        let buckets = LATENCY_BUCKETS
            .iter()
            .zip(&self.buckets)
            .map(|(b, c)| (*b, c.load(Ordering::Relaxed)))
            .collect();
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (buckets, self.count.load(Ordering::Relaxed), sum)
    }
}

/// Counters of the writer, read by `/metrics`.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub stored_events: AtomicU64,
    pub stored_bytes: AtomicU64,
    pub transactions: AtomicU64,
    /// Events that could not be written after retries (storage failure).
    pub failed_events: AtomicU64,
    /// Events handed to the queue and not yet committed.
    pub queued_events: AtomicU64,
    pub commit_latency: LatencyHistogram,
}

/// Producer side of the writer; cheap to clone.
#[derive(Clone)]
pub struct WriteQueue {
    store: Arc<dyn EventStore>,
    tx: mpsc::Sender<Job>,
    room: Arc<Semaphore>,
    capacity: u32,
    stats: Arc<WriterStats>,
}

/// Owner of the writer thread; `join` waits until every queued batch is written.
pub struct WriterHandle(JoinHandle<()>);

impl WriterHandle {
    pub fn join(self) {
        if self.0.join().is_err() {
            tracing::error!("the store writer thread panicked");
        }
    }
}

impl WriteQueue {
    pub fn start(store: Arc<dyn EventStore>, options: WriteQueueOptions) -> (Self, WriterHandle) {
        let capacity = options
            .capacity_events
            .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        // Every job holds at least one permit, so the channel never holds more jobs than
        // there are permits; the semaphore is the real bound.
        let (tx, rx) = mpsc::channel(capacity + 1);
        let room = Arc::new(Semaphore::new(capacity));
        let stats = Arc::new(WriterStats::default());
        let writer_stats = stats.clone();
        let writer_store = store.clone();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run_writer(writer_store, rx, writer_stats, options))
            .unwrap_or_else(|e| panic!("cannot start the store writer thread: {e}"));
        let queue = Self {
            store,
            tx,
            room,
            capacity: capacity as u32,
            stats,
        };
        (queue, WriterHandle(thread))
    }

    pub fn stats(&self) -> &Arc<WriterStats> {
        &self.stats
    }

    /// Turns events into rows on the caller's thread (see [`PreparedBatch`]). Call it
    /// where CPU work is welcome: a connection task, a blocking worker.
    pub fn prepare(&self, events: &[Event]) -> PreparedBatch {
        self.store.prepare(events)
    }

    /// Queues a batch and waits until it is durably committed.
    pub async fn append(&self, batch: PreparedBatch) -> Result<AppendStats, StoreError> {
        let (ack, done) = oneshot::channel();
        self.enqueue(batch, Some(ack)).await?;
        match done.await {
            Ok(Ok(stats)) => Ok(stats),
            Ok(Err(message)) => Err(StoreError::BadRequest(message)),
            Err(_) => Err(StoreError::WriterGone),
        }
    }

    /// Queues a batch, waiting only for room in the queue (back-pressure for streams).
    pub async fn submit(&self, batch: PreparedBatch) -> Result<(), StoreError> {
        self.enqueue(batch, None).await
    }

    /// Queues a batch if there is room now; hands the batch back when the queue is full so
    /// the caller can count the drop.
    pub fn try_submit(&self, batch: PreparedBatch) -> Result<(), PreparedBatch> {
        let Ok(room) = self
            .room
            .clone()
            .try_acquire_many_owned(self.permits_for(&batch))
        else {
            return Err(batch);
        };
        let n = batch.len() as u64;
        self.stats.queued_events.fetch_add(n, Ordering::Relaxed);
        let job = Job {
            batch,
            ack: None,
            room: Some(room),
            close: false,
        };
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job)) => {
                self.stats.queued_events.fetch_sub(n, Ordering::Relaxed);
                Err(job.batch)
            }
        }
    }

    /// A batch larger than the whole queue takes all of it rather than waiting forever.
    fn permits_for(&self, batch: &PreparedBatch) -> u32 {
        u32::try_from(batch.len())
            .unwrap_or(u32::MAX)
            .clamp(1, self.capacity)
    }

    /// Asks the writer to commit everything queued so far and stop; later batches are
    /// refused with [`StoreError::WriterGone`]. Pair with [`WriterHandle::join`].
    pub async fn close(&self) {
        let job = Job {
            batch: PreparedBatch::default(),
            ack: None,
            room: None,
            close: true,
        };
        // A writer that is already gone has nothing left to commit.
        let _ = self.tx.send(job).await;
    }

    async fn enqueue(&self, batch: PreparedBatch, ack: Option<Ack>) -> Result<(), StoreError> {
        let room = self
            .room
            .clone()
            .acquire_many_owned(self.permits_for(&batch))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        let n = batch.len() as u64;
        self.stats.queued_events.fetch_add(n, Ordering::Relaxed);
        let job = Job {
            batch,
            ack,
            room: Some(room),
            close: false,
        };
        if self.tx.send(job).await.is_err() {
            self.stats.queued_events.fetch_sub(n, Ordering::Relaxed);
            return Err(StoreError::WriterGone);
        }
        Ok(())
    }
}

fn run_writer(
    store: Arc<dyn EventStore>,
    mut rx: mpsc::Receiver<Job>,
    stats: Arc<WriterStats>,
    options: WriteQueueOptions,
) {
    let mut batches: Vec<PreparedBatch> = Vec::new();
    let mut acks: Vec<Ack> = Vec::new();
    let mut rooms: Vec<OwnedSemaphorePermit> = Vec::new();
    let mut closing = false;
    while !closing {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut pending = 0;
        closing |= take(first, &mut batches, &mut acks, &mut rooms, &mut pending);
        while pending < options.max_transaction_events && !closing {
            match rx.try_recv() {
                Ok(job) => closing |= take(job, &mut batches, &mut acks, &mut rooms, &mut pending),
                Err(_) => break,
            }
        }
        if batches.is_empty() && acks.is_empty() {
            continue;
        }
        let started = Instant::now();
        let result = append_with_retry(store.as_ref(), &batches);
        stats.commit_latency.observe(started.elapsed());
        let n = pending as u64;
        stats.queued_events.fetch_sub(n, Ordering::Relaxed);
        match &result {
            Ok(s) => {
                stats.stored_events.fetch_add(n, Ordering::Relaxed);
                stats
                    .stored_bytes
                    .fetch_add(s.bytes as u64, Ordering::Relaxed);
                stats.transactions.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                stats.failed_events.fetch_add(n, Ordering::Relaxed);
                tracing::error!(events = n, error = %e, "storing a batch failed; its senders are told");
            }
        }
        // Room in the queue is given back only once the transaction is over, so queued
        // plus in-flight events never exceed the capacity; and before the acks, so a
        // sender that was just acknowledged finds its room free again.
        rooms.clear();
        for ack in acks.drain(..) {
            // Acks carry the transaction's result; a sender that went away is fine.
            let _ = ack.send(result.as_ref().map(|s| *s).map_err(|e| e.to_string()));
        }
        batches.clear();
    }
    rx.close();
}

/// Moves a job's batch and ack into the pending transaction; `true` for the close job.
fn take(
    job: Job,
    batches: &mut Vec<PreparedBatch>,
    acks: &mut Vec<Ack>,
    rooms: &mut Vec<OwnedSemaphorePermit>,
    pending: &mut usize,
) -> bool {
    if job.close {
        return true;
    }
    rooms.extend(job.room);
    *pending += job.batch.len();
    batches.push(job.batch);
    if let Some(ack) = job.ack {
        acks.push(ack);
    }
    false
}

/// Transient failures (a reader holding a lock during a checkpoint, a full disk being
/// cleaned) get a few chances before the batch is reported as failed.
fn append_with_retry(
    store: &dyn EventStore,
    batches: &[PreparedBatch],
) -> Result<AppendStats, StoreError> {
    let mut delay = Duration::from_millis(50);
    let mut attempt = 0;
    loop {
        match store.append(batches) {
            Ok(stats) => return Ok(stats),
            Err(e) if attempt < 3 => {
                tracing::warn!(error = %e, attempt, "store append failed; retrying");
                std::thread::sleep(delay);
                delay *= 4;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SqliteOptions, SqliteStore};
    use std::sync::atomic::AtomicBool;

    /// The real SQLite store behind a gate the test opens, to hold the writer busy.
    struct Gated {
        inner: SqliteStore,
        open: AtomicBool,
    }

    impl EventStore for Gated {
        fn prepare(&self, events: &[Event]) -> PreparedBatch {
            self.inner.prepare(events)
        }
        fn append(&self, batches: &[PreparedBatch]) -> Result<AppendStats, StoreError> {
            while !self.open.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(2));
            }
            self.inner.append(batches)
        }
        fn search(&self, r: &crate::SearchRequest) -> Result<crate::SearchResult, StoreError> {
            self.inner.search(r)
        }
        fn histogram(
            &self,
            r: &crate::HistogramRequest,
        ) -> Result<Vec<crate::HistogramBucket>, StoreError> {
            self.inner.histogram(r)
        }
        fn top(&self, r: &crate::TopRequest) -> Result<Vec<crate::TopValue>, StoreError> {
            self.inner.top(r)
        }
        fn apply_retention(
            &self,
            now: chrono::DateTime<chrono::Utc>,
            days: u32,
        ) -> Result<Vec<String>, StoreError> {
            self.inner.apply_retention(now, days)
        }
        fn disk_bytes(&self) -> Result<u64, StoreError> {
            self.inner.disk_bytes()
        }
    }

    fn events(queue: &WriteQueue, n: usize) -> PreparedBatch {
        let events: Vec<Event> = (0..n)
            .map(|i| {
                let mut e = Event::new();
                e.set("message", format!("m{i}"));
                e
            })
            .collect();
        queue.prepare(&events)
    }

    #[tokio::test]
    async fn the_queue_is_bounded_in_events_and_frees_room_after_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Gated {
            inner: SqliteStore::open(dir.path(), SqliteOptions::default()).unwrap(),
            open: AtomicBool::new(false),
        });
        let options = WriteQueueOptions {
            capacity_events: 10,
            max_transaction_events: 100,
        };
        let (queue, writer) = WriteQueue::start(store.clone(), options);
        assert!(queue.try_submit(events(&queue, 6)).is_ok());
        assert!(queue.try_submit(events(&queue, 4)).is_ok());
        let refused = queue.try_submit(events(&queue, 1)).unwrap_err();
        assert_eq!(refused.len(), 1, "a full queue hands the batch back");
        assert_eq!(queue.stats().queued_events.load(Ordering::Relaxed), 10);

        store.open.store(true, Ordering::Release);
        let acked = queue.append(events(&queue, 25)).await.unwrap();
        assert_eq!(
            acked.events, 25,
            "a batch bigger than the queue still goes through"
        );
        assert!(
            queue.try_submit(events(&queue, 10)).is_ok(),
            "room returns after the commit"
        );
        queue.close().await;
        tokio::task::spawn_blocking(move || writer.join())
            .await
            .unwrap();
        assert_eq!(queue.stats().stored_events.load(Ordering::Relaxed), 45);
        assert!(
            queue.try_submit(events(&queue, 1)).is_err(),
            "a closed queue refuses"
        );
    }
}
