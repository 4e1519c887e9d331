//! Syslog listeners: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425).

use crate::framing::{FrameDecoder, Record};
use crate::stats::{add, ListenerStats};
use crate::{Pipeline, Source};
use rustls::ServerConfig;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use steward_model::Event;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

/// Settings shared by the stream listeners.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// Longer records are cut to this many bytes and tagged `steward.truncated`.
    pub max_record_bytes: usize,
    /// Connections beyond this are closed at once and counted as rejected.
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Time a TLS client has to finish its handshake.
    pub handshake_timeout: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            max_record_bytes: 64 * 1024,
            max_connections: 20_000,
            idle_timeout: Duration::from_secs(600),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// Read size per socket read. Buffers exist only while a read is in progress, so ten
/// thousand idle connections cost no buffer memory.
const READ_CHUNK: usize = 16 * 1024;
/// Datagrams taken per wake-up before handing a batch to the store.
const UDP_BATCH: usize = 256;

/// Receives datagrams until `shutdown` flips. One datagram is one record.
pub async fn serve_udp(
    socket: UdpSocket,
    name: &'static str,
    pipeline: Arc<Pipeline>,
    max_record_bytes: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let stats = pipeline.stats().listener(name);
    // Big enough for any datagram, so oversize records are detected rather than cut by
    // the kernel.
    let mut buf = vec![0u8; 65_536.max(max_record_bytes + 1)];
    loop {
        let first = tokio::select! {
            r = socket.recv_from(&mut buf) => r,
            _ = shutdown.changed() => break,
        };
        let mut batch = Vec::with_capacity(16);
        match first {
            Ok((n, peer)) => batch.push(udp_event(
                &pipeline,
                &stats,
                name,
                &buf[..n],
                peer,
                max_record_bytes,
            )),
            Err(e) => {
                tracing::debug!(listener = name, error = %e, "udp receive error");
                continue;
            }
        }
        while batch.len() < UDP_BATCH {
            match socket.try_recv_from(&mut buf) {
                Ok((n, peer)) => batch.push(udp_event(
                    &pipeline,
                    &stats,
                    name,
                    &buf[..n],
                    peer,
                    max_record_bytes,
                )),
                Err(_) => break,
            }
        }
        let batch = pipeline.prepare(batch);
        if let Err(lost) = pipeline.queue().try_submit(batch) {
            add(&stats.dropped, lost.len() as u64);
        }
    }
}

fn udp_event(
    pipeline: &Pipeline,
    stats: &ListenerStats,
    name: &str,
    datagram: &[u8],
    peer: SocketAddr,
    max: usize,
) -> Event {
    add(&stats.received, 1);
    add(&stats.bytes, datagram.len() as u64);
    let mut data = datagram;
    while let Some((last, rest)) = data.split_last() {
        if matches!(last, b'\n' | b'\r' | b'\0') {
            data = rest;
        } else {
            break;
        }
    }
    let truncated = data.len() > max;
    if truncated {
        add(&stats.truncated, 1);
        data = &data[..max];
    }
    let source = Source {
        listener: name,
        peer: Some(peer),
        parser: None,
    };
    pipeline.normalize(&source, data, truncated)
}

/// Accepts TCP (or, with `tls`, TLS) connections until `shutdown` flips.
pub async fn serve_stream(
    listener: TcpListener,
    name: &'static str,
    pipeline: Arc<Pipeline>,
    options: StreamOptions,
    tls: Option<Arc<ServerConfig>>,
    shutdown: watch::Receiver<bool>,
) {
    let stats = pipeline.stats().listener(name);
    let permits = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let acceptor = tls.map(TlsAcceptor::from);
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and similar: back off instead of spinning.
                tracing::warn!(listener = name, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            add(&stats.connections_rejected, 1);
            drop(stream);
            continue;
        };
        add(&stats.connections_total, 1);
        stats.connections_open.fetch_add(1, Ordering::Relaxed);
        let conn = Connection {
            pipeline: pipeline.clone(),
            stats: stats.clone(),
            name,
            peer,
            options: options.clone(),
            shutdown: shutdown.clone(),
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => conn.run_plain(stream).await,
                Some(acceptor) => conn.run_tls(stream, acceptor).await,
            }
            conn.stats.connections_open.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
}

struct Connection {
    pipeline: Arc<Pipeline>,
    stats: Arc<ListenerStats>,
    name: &'static str,
    peer: SocketAddr,
    options: StreamOptions,
    shutdown: watch::Receiver<bool>,
}

enum Read {
    Data(usize),
    Closed,
    Stop,
}

impl Connection {
    async fn run_plain(&self, stream: TcpStream) {
        let mut decoder = FrameDecoder::new(self.options.max_record_bytes);
        let mut shutdown = self.shutdown.clone();
        let mut records = Vec::new();
        loop {
            let ready = tokio::select! {
                r = tokio::time::timeout(self.options.idle_timeout, stream.readable()) => r,
                _ = shutdown.changed() => break,
            };
            match ready {
                Err(_) => {
                    add(&self.stats.connections_idle_closed, 1);
                    break;
                }
                Ok(Err(_)) => break,
                Ok(Ok(())) => {}
            }
            let read = {
                let mut chunk = [0u8; READ_CHUNK];
                match stream.try_read(&mut chunk) {
                    Ok(0) => Read::Closed,
                    Ok(n) => {
                        decoder.feed(&chunk[..n], &mut records);
                        Read::Data(n)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Read::Data(0),
                    Err(_) => Read::Closed,
                }
            };
            match read {
                Read::Data(n) => {
                    add(&self.stats.bytes, n as u64);
                    if !self.deliver(&mut records).await {
                        return;
                    }
                }
                Read::Closed | Read::Stop => break,
            }
        }
        self.close(&mut decoder, &mut records).await;
    }

    async fn run_tls(&self, stream: TcpStream, acceptor: TlsAcceptor) {
        let mut tls = match tokio::time::timeout(
            self.options.handshake_timeout,
            acceptor.accept(stream),
        )
        .await
        {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(listener = self.name, peer = %self.peer, error = %e, "TLS handshake failed");
                add(&self.stats.framing_errors, 1);
                return;
            }
            Err(_) => {
                add(&self.stats.connections_idle_closed, 1);
                return;
            }
        };
        let mut decoder = FrameDecoder::new(self.options.max_record_bytes);
        let mut shutdown = self.shutdown.clone();
        let mut records = Vec::new();
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let read = tokio::select! {
                r = tokio::time::timeout(self.options.idle_timeout, tls.read(&mut chunk)) => match r {
                    Err(_) => {
                        add(&self.stats.connections_idle_closed, 1);
                        Read::Stop
                    }
                    Ok(Ok(0)) | Ok(Err(_)) => Read::Closed,
                    Ok(Ok(n)) => Read::Data(n),
                },
                _ = shutdown.changed() => Read::Stop,
            };
            match read {
                Read::Data(n) => {
                    add(&self.stats.bytes, n as u64);
                    decoder.feed(&chunk[..n], &mut records);
                    if !self.deliver(&mut records).await {
                        return;
                    }
                }
                Read::Closed | Read::Stop => break,
            }
        }
        self.close(&mut decoder, &mut records).await;
    }

    async fn close(&self, decoder: &mut FrameDecoder, records: &mut Vec<Record>) {
        if decoder.finish(records) {
            add(&self.stats.framing_errors, 1);
        }
        self.deliver(records).await;
    }

    /// Normalises the decoded records and waits for room in the store's queue. Returns
    /// `false` when the store is gone (the site is stopping).
    async fn deliver(&self, records: &mut Vec<Record>) -> bool {
        if records.is_empty() {
            return true;
        }
        let source = Source {
            listener: self.name,
            peer: Some(self.peer),
            parser: None,
        };
        let mut events = Vec::with_capacity(records.len());
        for record in records.drain(..) {
            add(&self.stats.received, 1);
            if record.truncated {
                add(&self.stats.truncated, 1);
            }
            events.push(
                self.pipeline
                    .normalize(&source, &record.bytes, record.truncated),
            );
        }
        let batch = self.pipeline.prepare(events);
        self.pipeline.queue().submit(batch).await.is_ok()
    }
}
