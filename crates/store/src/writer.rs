//! The single writer: every producer's batches funnel through one bounded queue into one
//! thread, which groups whatever is waiting into one transaction (group commit) and only
//! then acknowledges. One writer keeps SQLite free of lock contention and turns many
//! small batches into few fsyncs.

use crate::{AppendStats, EventStore, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use steward_model::Event;
use tokio::sync::{mpsc, oneshot};

#[derive(Clone, Copy, Debug)]
pub struct WriteQueueOptions {
    /// Batches that may wait for the writer before producers are pushed back.
    pub capacity_batches: usize,
    /// The writer stops gathering waiting batches into one transaction past this size.
    pub max_transaction_events: usize,
}

impl Default for WriteQueueOptions {
    fn default() -> Self {
        Self {
            capacity_batches: 1024,
            max_transaction_events: 20_000,
        }
    }
}

type Ack = oneshot::Sender<Result<AppendStats, String>>;

struct Job {
    events: Vec<Event>,
    ack: Option<Ack>,
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
    tx: mpsc::Sender<Job>,
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
        let (tx, rx) = mpsc::channel(options.capacity_batches.max(1));
        let stats = Arc::new(WriterStats::default());
        let writer_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run_writer(store, rx, writer_stats, options))
            .unwrap_or_else(|e| panic!("cannot start the store writer thread: {e}"));
        (Self { tx, stats }, WriterHandle(thread))
    }

    pub fn stats(&self) -> &Arc<WriterStats> {
        &self.stats
    }

    /// Queues a batch and waits until it is durably committed.
    pub async fn append(&self, events: Vec<Event>) -> Result<AppendStats, StoreError> {
        let (ack, done) = oneshot::channel();
        self.enqueue(events, Some(ack)).await?;
        match done.await {
            Ok(Ok(stats)) => Ok(stats),
            Ok(Err(message)) => Err(StoreError::BadRequest(message)),
            Err(_) => Err(StoreError::WriterGone),
        }
    }

    /// Queues a batch, waiting only for room in the queue (back-pressure for streams).
    pub async fn submit(&self, events: Vec<Event>) -> Result<(), StoreError> {
        self.enqueue(events, None).await
    }

    /// Queues a batch if there is room now; hands the batch back when the queue is full so
    /// the caller can count the drop.
    pub fn try_submit(&self, events: Vec<Event>) -> Result<(), Vec<Event>> {
        let n = events.len() as u64;
        self.stats.queued_events.fetch_add(n, Ordering::Relaxed);
        match self.tx.try_send(Job {
            events,
            ack: None,
            close: false,
        }) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job)) => {
                self.stats.queued_events.fetch_sub(n, Ordering::Relaxed);
                Err(job.events)
            }
        }
    }

    /// Blocking variant of [`WriteQueue::append`] for synchronous callers (CLI import, bench).
    pub fn append_blocking(&self, events: Vec<Event>) -> Result<AppendStats, StoreError> {
        let (ack, done) = oneshot::channel();
        let n = events.len() as u64;
        self.stats.queued_events.fetch_add(n, Ordering::Relaxed);
        if self
            .tx
            .blocking_send(Job {
                events,
                ack: Some(ack),
                close: false,
            })
            .is_err()
        {
            self.stats.queued_events.fetch_sub(n, Ordering::Relaxed);
            return Err(StoreError::WriterGone);
        }
        match done.blocking_recv() {
            Ok(Ok(stats)) => Ok(stats),
            Ok(Err(message)) => Err(StoreError::BadRequest(message)),
            Err(_) => Err(StoreError::WriterGone),
        }
    }

    /// Asks the writer to commit everything queued so far and stop; later batches are
    /// refused with [`StoreError::WriterGone`]. Pair with [`WriterHandle::join`].
    pub async fn close(&self) {
        let job = Job {
            events: Vec::new(),
            ack: None,
            close: true,
        };
        // A writer that is already gone has nothing left to commit.
        let _ = self.tx.send(job).await;
    }

    async fn enqueue(&self, events: Vec<Event>, ack: Option<Ack>) -> Result<(), StoreError> {
        let n = events.len() as u64;
        self.stats.queued_events.fetch_add(n, Ordering::Relaxed);
        if self
            .tx
            .send(Job {
                events,
                ack,
                close: false,
            })
            .await
            .is_err()
        {
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
    let mut events: Vec<Event> = Vec::new();
    let mut acks: Vec<Ack> = Vec::new();
    let mut closing = false;
    while !closing {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        closing |= take(first, &mut events, &mut acks);
        while events.len() < options.max_transaction_events && !closing {
            match rx.try_recv() {
                Ok(job) => closing |= take(job, &mut events, &mut acks),
                Err(_) => break,
            }
        }
        if events.is_empty() && acks.is_empty() {
            continue;
        }
        let started = Instant::now();
        let result = append_with_retry(store.as_ref(), &events);
        stats.commit_latency.observe(started.elapsed());
        let n = events.len() as u64;
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
        for ack in acks.drain(..) {
            // Acks carry the transaction's result; a sender that went away is fine.
            let _ = ack.send(result.as_ref().map(|s| *s).map_err(|e| e.to_string()));
        }
        events.clear();
    }
    rx.close();
}

/// Moves a job's events and ack into the pending transaction; `true` for the close job.
fn take(job: Job, events: &mut Vec<Event>, acks: &mut Vec<Ack>) -> bool {
    if job.close {
        return true;
    }
    if events.is_empty() {
        *events = job.events;
    } else {
        events.extend(job.events);
    }
    if let Some(ack) = job.ack {
        acks.push(ack);
    }
    false
}

/// Transient failures (a reader holding a lock during a checkpoint, a full disk being
/// cleaned) get a few chances before the batch is reported as failed.
fn append_with_retry(store: &dyn EventStore, events: &[Event]) -> Result<AppendStats, StoreError> {
    let mut delay = Duration::from_millis(50);
    let mut attempt = 0;
    loop {
        match store.append(events) {
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
