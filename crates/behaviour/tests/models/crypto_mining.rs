use super::common::*;
use serde_json::json;
use steward_model::Level;

fn mining() -> steward_behaviour::Behaviours {
    engine(|c| c.crypto_mining.enabled = true)
}

#[test]
fn a_cryptojacking_episode_reports_each_signal_once() {
    let mut b = mining();
    let events = vec![
        // The dropper resolves the pool...
        event(json!({
            "@timestamp": ts(0.0), "host": {"name": "build-07"},
            "source": {"ip": "10.0.3.7"}, "event": {"category": ["network"]},
            "dns": {"question": {"name": "pool.supportxmr.com"}},
        })),
        // ...starts the miner, renamed but with its tell-tale options...
        event(json!({
            "@timestamp": ts(5.0), "host": {"name": "build-07"},
            "event": {"category": ["process"], "type": ["start"]},
            "process": {"name": "kworkerds", "executable": "/tmp/.x/kworkerds",
                        "command_line": "/tmp/.x/kworkerds -o pool.supportxmr.com:443 -u 44AFFq5kSiGBoZ --donate-level 1 -B"},
        })),
        // ...which resolves the pool again (same signal, cool-down)...
        event(json!({
            "@timestamp": ts(6.0), "host": {"name": "build-07"},
            "dns": {"question": {"name": "POOL.SUPPORTXMR.COM."}},
        })),
        // ...and a second host runs stock xmrig with a stratum URL.
        event(json!({
            "@timestamp": ts(60.0), "host": {"name": "web-02"},
            "event": {"category": "process", "type": "start"},
            "process": {"name": "xmrig.exe",
                        "command_line": "xmrig.exe -o stratum+tcp://xmr.example-pool.net:3333 -u wallet -p x"},
        })),
    ];
    let found = run(&mut b, &events);
    let got: Vec<_> = found
        .iter()
        .map(|d| {
            (
                variant(d).to_owned(),
                d.entities.host.clone().unwrap_or_default(),
                d.level,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "pool_domain".to_owned(),
                "build-07".to_owned(),
                Level::Medium
            ),
            (
                "miner_program".to_owned(),
                "build-07".to_owned(),
                Level::High
            ),
            ("stratum".to_owned(), "web-02".to_owned(), Level::High),
        ],
        "{found:#?}"
    );
    assert_eq!(found[0].rule_id, "behaviour.crypto_mining");
    assert!(found[0].tags.contains(&"attack.t1496".to_owned()));
    assert_eq!(
        found[2].details["evidence"],
        json!("stratum+tcp://xmr.example-pool.net:3333")
    );
}

#[test]
fn miner_port_with_a_pool_like_domain() {
    let mut b = mining();
    let e = event(json!({
        "@timestamp": ts(0.0), "source": {"ip": "10.0.3.9"},
        "destination": {"ip": "198.51.100.30", "port": 14444, "domain": "xmr-eu1.unknownpool.io"},
    }));
    let found = run(&mut b, &[e]);
    assert_eq!(found.len(), 1);
    assert_eq!(variant(&found[0]), "miner_port");
    assert_eq!(found[0].entities.source_ip.as_deref(), Some("10.0.3.9"));
}

#[test]
fn near_misses_stay_quiet() {
    let mut b = mining();
    let events = vec![
        // NTP talks about strata.
        event(json!({"@timestamp": ts(0.0), "host": {"name": "ntp1"},
            "process": {"name": "ntpd", "command_line": "ntpd -g -u ntp:ntp stratum 2"}})),
        // Port 4444 with a domain that is no pool.
        event(json!({"@timestamp": ts(1.0), "source": {"ip": "10.0.0.5"},
            "destination": {"ip": "198.51.100.4", "port": 4444, "domain": "api.example.com"}})),
        // A pool-like word in a domain on an ordinary port.
        event(json!({"@timestamp": ts(2.0), "source": {"ip": "10.0.0.5"},
            "destination": {"ip": "198.51.100.5", "port": 443, "domain": "carpool.example.com"}})),
        // A domain that merely ends like a pool name.
        event(json!({"@timestamp": ts(3.0), "source": {"ip": "10.0.0.5"},
            "dns": {"question": {"name": "notnanopool.org"}}})),
        // A miner's name inside another word.
        event(json!({"@timestamp": ts(4.0), "host": {"name": "h"},
            "process": {"name": "xmrigger-docs", "command_line": "less xmrig-readme.txt"}})),
    ];
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn extra_pools_and_names_from_config() {
    let mut b = engine(|c| {
        c.crypto_mining.enabled = true;
        c.crypto_mining.extra_pool_domains = vec!["mine.corp-lab.example".into()];
        c.crypto_mining.extra_miner_names = vec!["OurMiner.exe".into()];
        c.crypto_mining.cooldown_secs = 0;
    });
    let events = vec![
        event(json!({"@timestamp": ts(0.0), "host": {"name": "lab1"},
            "url": {"original": "https://eu.mine.corp-lab.example/api"}})),
        event(json!({"@timestamp": ts(1.0), "host": {"name": "lab1"},
            "process": {"executable": "C:\\lab\\ourminer.exe"}})),
        event(json!({"@timestamp": ts(2.0), "host": {"name": "lab1"},
            "process": {"executable": "C:\\lab\\ourminer.exe"}})),
    ];
    let found = run(&mut b, &events);
    let kinds: Vec<_> = found.iter().map(variant).collect();
    assert_eq!(kinds, vec!["pool_domain", "miner_program", "miner_program"]);
}
