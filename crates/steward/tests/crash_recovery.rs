//! Acknowledged means durable: a client posts batches at full speed, the site is killed
//! with SIGKILL, and after a restart every batch that was answered 200 is present
//! exactly once.

mod common;

use common::{now_5424, post, run_id, Site, TOKEN};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn acknowledged_batches_survive_kill_9_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut site = Site::new(&dir.path().join("data")).start();
    let run = run_id();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut posters = Vec::new();
    for worker in 0..3 {
        let (acked, stop, run, http) = (acked.clone(), stop.clone(), run.clone(), site.http);
        posters.push(std::thread::spawn(move || {
            let mut batch = 0;
            while !stop.load(Ordering::Relaxed) {
                let tag = format!("{run}w{worker}b{batch}x");
                let body: String = (0..200)
                    .map(|i| format!("<134>1 {} db01 app 1 - - {tag} n={i}\n", now_5424()))
                    .collect();
                if let Ok((200, _)) = post(
                    http,
                    "/api/v1/ingest",
                    Some(TOKEN),
                    "text/plain",
                    body.as_bytes(),
                ) {
                    acked.lock().unwrap().push(tag);
                }
                batch += 1;
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(3));
    site.kill9();
    stop.store(true, Ordering::Relaxed);
    for p in posters {
        p.join().unwrap();
    }
    site.launch();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 3,
        "too few batches acknowledged before the kill: {}",
        acked.len()
    );
    for tag in &acked {
        assert_eq!(site.count(tag), 200, "batch {tag}");
    }
}
