//! Table tests of the language, evaluation tests and the round-trip / no-panic properties.

use crate::*;
use chrono::{TimeZone, Utc};
use serde_json::json;
use std::ops::Bound::{self, Excluded, Included, Unbounded};
use steward_model::Event;

fn p(input: &str) -> Query {
    match parse(input) {
        Ok(q) => q,
        Err(e) => panic!("{input:?} failed to parse: {e}"),
    }
}

fn field(name: &str, predicate: Predicate) -> Query {
    Query::field(name, predicate)
}

fn eq(name: &str, s: Scalar) -> Query {
    field(name, Predicate::Equals(s))
}

fn s(v: &str) -> Scalar {
    Scalar::Str(v.to_owned())
}

fn ip(v: &str) -> Scalar {
    Scalar::Ip(v.parse().unwrap())
}

fn range(name: &str, lower: Bound<Scalar>, upper: Bound<Scalar>) -> Query {
    field(name, Predicate::Range { lower, upper })
}

fn word(w: &str) -> Query {
    Query::Text(TextQuery::Word(w.to_owned()))
}

fn phrase(words: &[&str]) -> Query {
    Query::Text(TextQuery::Phrase(
        words.iter().map(|w| w.to_string()).collect(),
    ))
}

fn wild(name: &str, parts: Vec<WildcardPart>) -> Query {
    field(name, Predicate::Wildcard(WildcardPattern::new(parts)))
}

fn lit(s: &str) -> WildcardPart {
    WildcardPart::Literal(s.to_owned())
}

fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

fn round_trips(input: &str, q: &Query) {
    let text = q.to_string();
    match parse(&text) {
        Ok(again) => assert_eq!(&again, q, "{input:?} → {text:?} reads back differently"),
        Err(e) => panic!("{input:?} → {text:?} does not parse: {e}"),
    }
}

/// Input → canonical form. Every row also checks the round trip.
const CANONICAL: &[(&str, &str)] = &[
    // Match-all forms.
    ("", "*"),
    ("   \t\n", "*"),
    ("*", "*"),
    ("  *  ", "*"),
    // Field equality and value typing.
    ("host.name:web01", "host.name:web01"),
    ("host.name:WEB01", "host.name:WEB01"),
    ("source.ip:10.0.0.5", "source.ip:10.0.0.5"),
    ("destination.port:-5", "destination.port:-5"),
    ("event.code:4624", "event.code:4624"),
    ("event.code:\"4624\"", "event.code:\"4624\""),
    ("event.code:0042", "event.code:0042"),
    ("score:1.5", "score:1.5"),
    ("@timestamp:2026-01-01", "@timestamp:2026-01-01"),
    ("labels.my-key_2:x", "labels.my-key_2:x"),
    (
        "http.request.method:\"GET /index.html\"",
        "http.request.method:\"GET /index.html\"",
    ),
    ("url.path:/index.html", "url.path:/index.html"),
    ("a:b:c", "a:b:c"),
    ("a:\"\"", "a:\"\""),
    ("a:-", "a:-"),
    ("a:AND", "a:\"AND\""),
    ("a:NOT", "a:\"NOT\""),
    ("a:=5", "a:\"=5\""),
    ("a:'1'", "a:'1'"),
    ("user.name:张三", "user.name:张三"),
    ("user.name:\"José Ñ\"", "user.name:\"José Ñ\""),
    // Escapes.
    (r#"a:"say \"hi\"""#, r#"a:"say \"hi\"""#),
    (r#"a:"C:\Windows\System32""#, r#"a:"C:\\Windows\\System32""#),
    (
        r"file.path:C:\Windows\System32\cmd.exe",
        r#"file.path:"C:\\Windows\\System32\\cmd.exe""#,
    ),
    (
        r"file.path:C:\Windows\\*.exe",
        r"file.path:C:\\Windows\\*.exe",
    ),
    (r"a:x\ y", r#"a:"x y""#),
    (r"a:\(x\)", r#"a:"(x)""#),
    (r"a:\\", r#"a:"\\""#),
    // Wildcards vs literals.
    ("host.name:web*", "host.name:web*"),
    ("user.name:adm?n", "user.name:adm?n"),
    ("host.name:*web*01?", "host.name:*web*01?"),
    ("host.name:web**", "host.name:web*"),
    ("host.name:\"web*\"", "host.name:\"web*\""),
    (r"host.name:web\*", "host.name:\"web*\""),
    (r"host.name:web\**", r"host.name:web\**"),
    ("user.name:*", "user.name:*"),
    ("user.name:**", "user.name:*"),
    ("a:100%_x", "a:100%_x"),
    ("a:100%_x*", "a:100%_x*"),
    // Networks.
    ("source.ip:10.0.0.0/8", "source.ip:10.0.0.0/8"),
    ("source.ip:10.1.2.3/8", "source.ip:10.0.0.0/8"),
    ("source.ip:\"192.168.1.0/24\"", "source.ip:192.168.1.0/24"),
    (
        "destination.ip:\"2001:db8::/32\"",
        "destination.ip:2001:db8::/32",
    ),
    (
        "destination.ip:2001:db8::/32",
        "destination.ip:2001:db8::/32",
    ),
    ("destination.ip:2001:db8::1", "destination.ip:2001:db8::1"),
    ("destination.ip:2001:DB8:0::1", "destination.ip:2001:db8::1"),
    ("destination.ip:::1", "destination.ip:::1"),
    // Comparisons.
    ("destination.port:>1024", "destination.port:>1024"),
    ("destination.port:>=1024", "destination.port:>=1024"),
    ("destination.port:<1024", "destination.port:<1024"),
    ("destination.port:<=1024", "destination.port:<=1024"),
    ("destination.port:>0042", "destination.port:>42"),
    ("score:>1.5", "score:>1.5"),
    ("score:>1e3", "score:>1000.0"),
    ("user.name:>\"m\"", "user.name:>m"),
    ("a:>\"=x\"", "a:>\"=x\""),
    ("a:>\"5\"", "a:>\"5\""),
    (
        "@timestamp:>2026-01-01T10:00:00+02:00",
        "@timestamp:>2026-01-01T08:00:00.000Z",
    ),
    (
        "@timestamp:<=2026-01-01T00:00:00.123456Z",
        "@timestamp:<=2026-01-01T00:00:00.123456Z",
    ),
    (
        "@timestamp:<2026-01-02",
        "@timestamp:<2026-01-02T00:00:00.000Z",
    ),
    // Ranges.
    (
        "destination.port:[1 TO 1024]",
        "destination.port:[1 TO 1024]",
    ),
    (
        "destination.port:{1 TO 1024}",
        "destination.port:{1 TO 1024}",
    ),
    (
        "destination.port:[1 TO 1024}",
        "destination.port:[1 TO 1024}",
    ),
    (
        "destination.port:{1 TO 1024]",
        "destination.port:{1 TO 1024]",
    ),
    (
        "destination.port:[ 1   TO   1024 ]",
        "destination.port:[1 TO 1024]",
    ),
    ("destination.port:[1024 TO *]", "destination.port:>=1024"),
    ("destination.port:{1024 TO *]", "destination.port:>1024"),
    ("destination.port:[* TO 1024}", "destination.port:<1024"),
    ("destination.port:[* TO *]", "destination.port:*"),
    ("a:[1 TO 2.5]", "a:[1 TO 2.5]"),
    ("a:[a TO \"b c\"]", "a:[a TO \"b c\"]"),
    (
        "source.ip:[10.0.0.1 TO 10.0.0.255]",
        "source.ip:[10.0.0.1 TO 10.0.0.255]",
    ),
    (
        "@timestamp:[2026-01-01 TO 2026-02-01}",
        "@timestamp:[2026-01-01T00:00:00.000Z TO 2026-02-01T00:00:00.000Z}",
    ),
    (
        "@timestamp:[2026-01-01T00:00:00 TO *]",
        "@timestamp:>=2026-01-01T00:00:00.000Z",
    ),
    // Booleans and precedence.
    ("a AND b", "a AND b"),
    ("a b", "a AND b"),
    ("a OR b", "a OR b"),
    ("a OR b AND c", "a OR (b AND c)"),
    ("a AND b OR c", "(a AND b) OR c"),
    ("a OR b c", "a OR (b AND c)"),
    ("a OR b OR c AND d", "a OR b OR (c AND d)"),
    ("(a OR b) AND c", "(a OR b) AND c"),
    ("(a OR b)c", "(a OR b) AND c"),
    ("(a AND b) AND c", "a AND b AND c"),
    ("a OR (b OR c)", "a OR b OR c"),
    ("((a))", "a"),
    ("a && b || c", "(a AND b) OR c"),
    ("NOT a", "NOT a"),
    ("NOT a AND b", "NOT a AND b"),
    ("NOT a OR b", "NOT a OR b"),
    ("a NOT b", "a AND NOT b"),
    ("NOT (a OR b)", "NOT (a OR b)"),
    ("NOT(a)", "NOT a"),
    ("-user.name:root", "NOT user.name:root"),
    ("!a", "NOT a"),
    ("!(a b)", "NOT (a AND b)"),
    ("NOT NOT a", "NOT NOT a"),
    ("--a", "NOT NOT a"),
    ("-5", "NOT 5"),
    ("a *", "a"),
    ("a OR *", "*"),
    ("NOT *", "NOT *"),
    ("error source.ip:1.2.3.4", "error AND source.ip:1.2.3.4"),
    ("and or not", "and AND or AND not"),
    ("ANDROID ORACLE NOTE", "android AND oracle AND note"),
    // Field groups.
    (
        "host.name:(web01 OR web02)",
        "host.name:web01 OR host.name:web02",
    ),
    (
        "host.name:(web01 web02)",
        "host.name:web01 AND host.name:web02",
    ),
    (
        "event.action:(\"a b\" AND c)",
        "event.action:\"a b\" AND event.action:c",
    ),
    (
        "destination.port:(>1024 AND -8080)",
        "destination.port:>1024 AND NOT destination.port:8080",
    ),
    (
        "host.name:(a OR (b AND NOT c))",
        "host.name:a OR (host.name:b AND NOT host.name:c)",
    ),
    ("host.name:(web*)", "host.name:web*"),
    ("a:(x OR *)", "a:x OR a:*"),
    ("a:( x )", "a:x"),
    ("port:([1 TO 5] OR >100)", "port:[1 TO 5] OR port:>100"),
    ("a:(b:c)", "a:b:c"),
    // Full text.
    ("failed", "failed"),
    ("FAILED", "failed"),
    ("\"Failed password\"", "\"failed password\""),
    ("\"failed\"", "failed"),
    ("\"fail*\"", "fail"),
    ("fail*", "fail*"),
    ("10.0.0.5", "\"10 0 0 5\""),
    ("foo-bar", "\"foo bar\""),
    ("Σ", "σ"),
    ("登录失败", "\"登录 录失 失败\""),
    ("\"登录\"", "登录"),
    ("登", "登*"),
    ("登录*", "登录*"),
    ("登录失*", "\"登录 录失\""),
    ("ログイン", "\"ログ グイ イン\""),
    ("로그인 실패", "\"로그 그인\" AND 실패"),
    ("message:\"Failed password\"", "message:\"Failed password\""),
    // Injection attempts: harmless values.
    ("x' OR '1'='1", "x OR \"1 1\""),
    ("\"; DROP TABLE events; --\"", "\"drop table events\""),
    ("user.name:\"x' OR '1'='1\"", "user.name:\"x' OR '1'='1\""),
    (r#"field:"a\" OR 1=1 --""#, r#"field:"a\" OR 1=1 --""#),
    ("union select", "union AND select"),
    ("user.name:admin'--", "user.name:admin'--"),
    ("a:1;DELETE", "a:1;DELETE"),
    ("a:x\u{0}y", "a:\"x\u{0}y\""),
    ("a:\"x\u{0}y\"", "a:\"x\u{0}y\""),
    ("x\u{0}y", "\"x y\""),
    ("a:\"$(rm)\"", "a:\"$(rm)\""),
];

#[test]
fn canonical_table() {
    assert!(CANONICAL.len() >= 60);
    for (input, expected) in CANONICAL {
        let q = p(input);
        assert_eq!(q.to_string(), *expected, "canonical form of {input:?}");
        round_trips(input, &q);
    }
}

#[test]
fn ast_table() {
    use WildcardPart::{AnyChar, AnyRun};
    let t = |y, mo, d, h| Scalar::Time(Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap());
    let cases: Vec<(&str, Query)> = vec![
        ("host.name:web01", eq("host.name", s("web01"))),
        ("event.code:4624", eq("event.code", Scalar::Int(4624))),
        ("event.code:\"4624\"", eq("event.code", s("4624"))),
        ("event.code:0042", eq("event.code", s("0042"))),
        ("score:1.5", eq("score", Scalar::Float(1.5))),
        ("score:1e3", eq("score", s("1e3"))),
        ("source.ip:10.0.0.5", eq("source.ip", ip("10.0.0.5"))),
        ("source.ip:\"10.0.0.5\"", eq("source.ip", s("10.0.0.5"))),
        ("a:2001:db8::1", eq("a", ip("2001:db8::1"))),
        ("@timestamp:2026-01-01", eq("@timestamp", s("2026-01-01"))),
        ("a:-5", eq("a", Scalar::Int(-5))),
        ("a:\"web*\"", eq("a", s("web*"))),
        (r"a:web\*", eq("a", s("web*"))),
        ("a:web*", wild("a", vec![lit("web"), AnyRun])),
        ("a:adm?n", wild("a", vec![lit("adm"), AnyChar, lit("n")])),
        ("a:*", field("a", Predicate::Exists)),
        ("a:[* TO *]", field("a", Predicate::Exists)),
        (
            "a:10.9.8.7/8",
            field("a", Predicate::Cidr("10.0.0.0/8".parse().unwrap())),
        ),
        (
            "port:>1024",
            range("port", Excluded(Scalar::Int(1024)), Unbounded),
        ),
        (
            "port:>=1024",
            range("port", Included(Scalar::Int(1024)), Unbounded),
        ),
        (
            "port:<1024",
            range("port", Unbounded, Excluded(Scalar::Int(1024))),
        ),
        (
            "port:<=1024",
            range("port", Unbounded, Included(Scalar::Int(1024))),
        ),
        (
            "port:[1 TO 1024}",
            range(
                "port",
                Included(Scalar::Int(1)),
                Excluded(Scalar::Int(1024)),
            ),
        ),
        (
            "port:{1.5 TO *]",
            range("port", Excluded(Scalar::Float(1.5)), Unbounded),
        ),
        (
            "@timestamp:[2026-01-01 TO 2026-01-02T10:00:00Z]",
            range(
                "@timestamp",
                Included(t(2026, 1, 1, 0)),
                Included(t(2026, 1, 2, 10)),
            ),
        ),
        (
            "ip:[10.0.0.1 TO 10.0.0.9]",
            range("ip", Included(ip("10.0.0.1")), Included(ip("10.0.0.9"))),
        ),
        ("a:>\"5\"", range("a", Excluded(s("5")), Unbounded)),
        ("a:>now-1h", range("a", Excluded(s("now-1h")), Unbounded)),
        (
            "a b OR c",
            Query::Or(vec![Query::And(vec![word("a"), word("b")]), word("c")]),
        ),
        (
            "-a:1 !b",
            Query::And(vec![not(eq("a", Scalar::Int(1))), not(word("b"))]),
        ),
        (
            "h:(x OR y)",
            Query::Or(vec![eq("h", s("x")), eq("h", s("y"))]),
        ),
        ("fail*", Query::Text(TextQuery::Prefix("fail".into()))),
        ("\"Failed password\"", phrase(&["failed", "password"])),
        ("登录失败", phrase(&["登录", "录失", "失败"])),
        (
            "x' OR '1'='1",
            Query::Or(vec![word("x"), phrase(&["1", "1"])]),
        ),
        (r#"field:"a\" OR 1=1 --""#, eq("field", s("a\" OR 1=1 --"))),
        ("a:100%_x", eq("a", s("100%_x"))),
    ];
    for (input, expected) in cases {
        assert_eq!(p(input), expected, "{input:?}");
    }
}

#[test]
fn injection_attempts_stay_values_or_fail() {
    // Rejected outright: the ')' closes nothing.
    let e = parse("source.ip:1.1.1.1) OR (1=1").unwrap_err();
    assert_eq!(e.position, 17);
    // LIKE metacharacters stay literal.
    let q = p("a:100%_x\\y*");
    let Query::Field(FieldQuery {
        predicate: Predicate::Wildcard(w),
        ..
    }) = &q
    else {
        panic!("{q:?}")
    };
    assert_eq!(w.to_like(), (r"100\%\_x\\y%".to_owned(), '\\'));
    // Field names never carry quotes, brackets or spaces into a backend.
    for input in ["a'b:1", "a\"b:1", "a b:1", "a;b:1", "a)b:1"] {
        if let Ok(q) = parse(input) {
            for f in q.fields() {
                assert!(
                    f.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_@.-".contains(c)),
                    "{input:?} gave field {f:?}"
                );
            }
        }
    }
}

/// Input → (error position, part of the message).
const ERRORS: &[(&str, usize, &str)] = &[
    ("(a", 2, "expected ')' to close the '(' at position 0"),
    (
        "(a OR (b)",
        9,
        "expected ')' to close the '(' at position 0",
    ),
    ("a)", 1, "unexpected ')'"),
    (")", 0, "unexpected ')'"),
    ("a:(b", 4, "expected ')' to close the '(' at position 2"),
    ("()", 1, "empty parentheses"),
    ("a:()", 3, "empty value group"),
    ("a:(", 3, "expected a term"),
    ("\"abc", 0, "unterminated quoted string"),
    ("x a:\"abc", 4, "unterminated quoted string"),
    ("a AND", 5, "expected a term after 'AND'"),
    ("a OR", 4, "expected a term after 'OR'"),
    ("a || ", 5, "expected a term after '||'"),
    ("AND a", 0, "unexpected 'AND'"),
    ("&& a", 0, "unexpected '&&'"),
    ("a OR OR b", 5, "found 'OR'"),
    ("a AND )", 6, "found ')'"),
    ("NOT", 3, "expected a term after 'NOT'"),
    ("a:(OR b)", 3, "unexpected 'OR'"),
    ("!", 1, "expected a term right after '!'"),
    ("- a", 1, "expected a term right after '-'"),
    ("a -", 3, "expected a term right after '-'"),
    ("--", 2, "expected a term right after '-'"),
    ("a:", 2, "expected a value after 'a:'"),
    ("a: b", 2, "expected a value after 'a:'"),
    ("(a:)", 3, "expected a value after 'a:'"),
    (
        "a:[1 TO 2",
        9,
        "expected ']' or '}' to close the range opened at position 2",
    ),
    ("a:[1 2]", 5, "expected 'TO'"),
    ("a:[1 to 2]", 5, "expected 'TO'"),
    ("a:[1 TO]", 7, "expected a range bound"),
    ("a:[1 TO", 7, "expected a range bound"),
    ("a:[1 TOO 2]", 5, "expected 'TO'"),
    ("a:[1]", 4, "expected ' TO '"),
    ("a:[]", 3, "expected a range bound"),
    ("a:[* TO ]", 8, "expected a range bound"),
    ("a:[1 TO abc]", 2, "different types (number and text)"),
    (
        "a:[2026-01-01 TO 5]",
        2,
        "different types (time and number)",
    ),
    ("a:[1* TO 5]", 3, "wildcards are not allowed in a range"),
    ("a:[1 TO 2]x", 10, "unexpected 'x' right after the value"),
    ("a:>", 3, "expected a value after '>'"),
    ("a:$(rm)", 3, "unexpected '(' inside a value"),
    ("a:>= 5", 4, "expected a value after '>='"),
    ("a:>5*", 3, "wildcards cannot be compared"),
    (
        "source.ip:10.0.0.0/33",
        10,
        "prefix length must be a number from 0 to 32",
    ),
    ("source.ip:10.0.0.0/x", 10, "invalid network"),
    ("source.ip:10.0.0.0/+8", 10, "invalid network"),
    ("a:\"2001:db8::/129\"", 2, "from 0 to 128"),
    ("f?il", 0, "only at the end of a word"),
    ("*fail", 0, "only at the end of a word"),
    ("foo.ba*", 0, "single word"),
    ("'", 0, "no letters or digits"),
    ("a \"!!\"", 2, "no letters or digits"),
    ("a:b\"c\"", 3, "unexpected '\"' inside a value"),
    ("foo(bar)", 3, "unexpected '(' inside a value"),
    ("a:\"b\"c", 5, "unexpected 'c' right after the value"),
    ("..:x", 0, "invalid field name"),
    ("a..b:x", 0, "invalid field name"),
    ("登录 a:", 5, "expected a value"),
];

#[test]
fn error_table() {
    for (input, position, message) in ERRORS {
        match parse(input) {
            Ok(q) => panic!("{input:?} parsed as {q:?}"),
            Err(e) => {
                assert_eq!(e.position, *position, "{input:?}: {e}");
                assert!(e.message.contains(message), "{input:?}: {e}");
                assert_eq!(
                    e.to_string(),
                    format!("at position {position}: {}", e.message)
                );
            }
        }
    }
}

#[test]
fn limits() {
    let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(p(&deep), word("a"));
    let too_deep = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let e = parse(&too_deep).unwrap_err();
    assert_eq!(e.position, MAX_DEPTH);
    assert!(e.message.contains("nested too deeply"));
    let nots = format!("{}a", "NOT ".repeat(MAX_DEPTH + 1));
    assert!(parse(&nots)
        .unwrap_err()
        .message
        .contains("nested too deeply"));
    let dashes = format!("{}a", "-".repeat(5000));
    assert!(parse(&dashes)
        .unwrap_err()
        .message
        .contains("nested too deeply"));
    let groups = format!("x:{}a{}", "(".repeat(200), ")".repeat(200));
    assert!(parse(&groups)
        .unwrap_err()
        .message
        .contains("nested too deeply"));
    // Parentheses around a value group and inside it all count.
    let mixed = |n: usize| format!("{}x:{}a{}", "(".repeat(n), "(".repeat(n), ")".repeat(2 * n));
    assert_eq!(p(&mixed(MAX_DEPTH / 2)), eq("x", s("a")));
    assert!(parse(&mixed(MAX_DEPTH / 2 + 1))
        .unwrap_err()
        .message
        .contains("too deeply"));

    let long = "a ".repeat(MAX_QUERY_BYTES); // 2 × the limit
    let e = parse(&long).unwrap_err();
    assert_eq!(e.position, MAX_QUERY_BYTES);
    assert!(e.message.contains("too long"));
    let wide = "é".repeat(MAX_QUERY_BYTES / 2 + 1); // 2 bytes per char
    assert_eq!(parse(&wide).unwrap_err().position, MAX_QUERY_BYTES / 2);
    let just = "a ".repeat(MAX_QUERY_BYTES / 2);
    assert!(parse(&just).is_ok());
    // Many terms at the limit stay flat (no recursion per term).
    let many = "a:1 OR ".repeat(MAX_QUERY_BYTES / 8) + "b";
    let Query::Or(items) = p(&many) else { panic!() };
    assert_eq!(items.len(), MAX_QUERY_BYTES / 8 + 1);
}

#[test]
fn error_positions_count_characters_not_bytes() {
    let e = parse("用户 (a").unwrap_err();
    assert_eq!(e.position, 5);
    // Field names are ASCII: this is a phrase, not a field.
    assert_eq!(p("é:x").to_string(), "\"é x\"");
    let e = parse("\"é\" a:[1 TO 2").unwrap_err();
    assert_eq!(e.position, 13);
}

#[test]
fn fields_and_is_all() {
    let q = p("a:1 (b:2 OR NOT a:3) failed c:(x OR y) @timestamp:>2026-01-01");
    assert_eq!(q.fields(), vec!["a", "b", "c", "@timestamp"]);
    assert!(q.has_text());
    assert!(!q.is_all());
    assert!(p("").is_all());
    assert!(p("* *").is_all());
    assert!(!p("NOT *").is_all());
    assert!(Query::And(vec![]).is_all());
    assert!(!Query::Or(vec![]).is_all());
    assert!(p("failed").fields().is_empty());
    assert_eq!("a:1".parse::<Query>(), Ok(eq("a", Scalar::Int(1))));
}

// ---------------------------------------------------------------------------------------
// Evaluation.
// ---------------------------------------------------------------------------------------

fn sample() -> Event {
    let mut e = Event::new();
    e.set("@timestamp", "2026-01-15T10:30:00.000Z");
    e.set(
        "message",
        "Failed password for root from 10.0.0.5 port 22 ssh2",
    );
    e.set(
        "event.original",
        "<38>Jan 15 sshd[123]: 用户登录失败 user=Root",
    );
    e.set("event.code", "4624");
    e.set("event.action", "ssh login");
    e.set("event.severity", 5);
    e.set("host.name", "WEB01.example.com");
    e.set("source.ip", "10.0.0.5");
    e.set("source.port", 51515);
    e.set("destination.ip", "2001:DB8::1");
    e.set("destination.port", "22");
    e.set("user.name", "root");
    e.set("score", 1.5);
    e.set("flag", true);
    e.set("empty", json!(null));
    e.set("none", json!([]));
    e.set("related.ip", json!(["192.168.1.10", "8.8.8.8"]));
    e.set("tags", json!(["ssh", "auth_failure"]));
    e.set("file.path", r"C:\Windows\System32\cmd.exe");
    e.set("odd", "100%_x");
    e.set("zip", "0042");
    e
}

#[test]
fn matches_table() {
    let e = sample();
    let cases: &[(&str, bool)] = &[
        ("", true),
        ("*", true),
        ("NOT *", false),
        // Equality, case-insensitive.
        ("user.name:root", true),
        ("user.name:ROOT", true),
        ("user.name:roo", false),
        ("host.name:web01.example.com", true),
        ("missing.field:x", false),
        // Numbers vs numeric strings.
        ("event.code:4624", true),
        ("event.code:\"4624\"", true),
        ("event.severity:5", true),
        ("event.severity:\"5\"", true),
        ("event.severity:5.0", true),
        ("destination.port:22", true),
        ("source.port:51515", true),
        ("zip:0042", true),
        ("zip:42", true),
        ("score:1.5", true),
        ("flag:true", true),
        ("flag:TRUE", true),
        // Addresses.
        ("source.ip:10.0.0.5", true),
        ("destination.ip:2001:db8::1", true),
        ("destination.ip:2001:db8:0:0::1", true),
        ("destination.ip:\"2001:db8::1\"", true),
        ("source.ip:10.0.0.0/8", true),
        ("source.ip:10.0.0.0/30", false),
        ("source.ip:10.0.0.4/30", true),
        ("destination.ip:2001:db8::/32", true),
        ("destination.ip:10.0.0.0/8", false),
        ("source.ip:2001:db8::/32", false),
        ("related.ip:192.168.0.0/16", true),
        ("related.ip:8.8.8.8", true),
        ("related.ip:1.1.1.1", false),
        ("user.name:10.0.0.0/8", false),
        // Exists.
        ("user.name:*", true),
        ("empty:*", false),
        ("none:*", false),
        ("missing:*", false),
        ("event:*", true),
        ("event:x", false),
        // Wildcards.
        ("host.name:web*", true),
        ("host.name:*.EXAMPLE.com", true),
        ("host.name:web0?.example.com", true),
        ("host.name:web?.example.com", false),
        ("user.name:r??t", true),
        ("event.code:46*", true),
        ("event.severity:5*", true),
        ("tags:auth*", true),
        ("tags:*fail*", true),
        ("odd:100%_x", true),
        ("odd:100%_*", true),
        ("odd:100\\%*", false),
        ("user.name:\"r*\"", false),
        (r"file.path:C:\Windows\System32\cmd.exe", true),
        (r#"file.path:"c:\windows\system32\CMD.EXE""#, true),
        (r"file.path:C:\Windows\\*.exe", true),
        (r"file.path:C:\\Windows\\*", true),
        // Comparisons and ranges.
        ("destination.port:>21", true),
        ("destination.port:>22", false),
        ("destination.port:>=22", true),
        ("destination.port:[1 TO 1024]", true),
        ("destination.port:{22 TO 1024]", false),
        ("destination.port:[1 TO 22}", false),
        ("destination.port:[1 TO 22]", true),
        ("source.port:[1024 TO *]", true),
        ("source.port:<1024", false),
        ("score:>1", true),
        ("score:[1.5 TO 2]", true),
        ("score:{1.5 TO 2]", false),
        ("event.severity:<5.5", true),
        ("user.name:>\"q\"", true),
        ("user.name:>\"S\"", false),
        ("user.name:[r TO s]", true),
        ("user.name:>5", false),
        ("@timestamp:>2026-01-15", true),
        ("@timestamp:<2026-01-15", false),
        ("@timestamp:[2026-01-15 TO 2026-01-16}", true),
        (
            "@timestamp:[2026-01-15T10:30:00Z TO 2026-01-15T10:30:00Z]",
            true,
        ),
        ("@timestamp:{2026-01-15T10:30:00Z TO *]", false),
        ("@timestamp:>2026-01-15T11:00:00+02:00", true),
        ("@timestamp:2026-01-15", false),
        ("source.ip:[10.0.0.1 TO 10.0.0.9]", true),
        ("source.ip:[10.0.0.6 TO 10.0.0.9]", false),
        ("destination.ip:[:: TO 2001:db8::ffff]", true),
        ("destination.ip:[0.0.0.0 TO 255.255.255.255]", false),
        ("related.ip:>100.0.0.0", true),
        ("related.ip:>200.0.0.0", false),
        ("missing:>1", false),
        // Booleans.
        ("user.name:root AND source.ip:10.0.0.5", true),
        ("user.name:root source.ip:10.0.0.6", false),
        ("user.name:admin OR source.ip:10.0.0.5", true),
        ("NOT user.name:root", false),
        ("-user.name:admin", true),
        ("NOT missing:x", true),
        ("user.name:(admin OR root)", true),
        ("user.name:(admin root)", false),
        ("destination.port:(>1 AND -22)", false),
        ("destination.port:(>1 AND -23)", true),
        ("user.name:admin OR (failed AND NOT success)", true),
        // Full text: whole tokens, phrases, prefixes, both text fields.
        ("failed", true),
        ("FAILED", true),
        ("fail", false),
        ("fail*", true),
        ("pass*", true),
        ("\"Failed password\"", true),
        ("\"password failed\"", false),
        ("\"failed for\"", false),
        ("10.0.0.5", true),
        ("\"from 10.0.0.5 port\"", true),
        ("10.0.0.6", false),
        ("ssh2", true),
        ("ssh", false),
        ("sshd", true),
        ("sshd*", true),
        ("123", true),
        ("root", true),
        ("登录失败", true),
        ("登录", true),
        ("用户登录", true),
        ("失败", true),
        ("登", true),
        ("登录成功", false),
        ("\"失败 user\"", true),
        ("用户*", true),
        ("登录失*", true),
        ("成功", false),
    ];
    for (input, expected) in cases {
        let q = p(input);
        assert_eq!(q.matches(&e), *expected, "{input:?} ({q:?})");
        // The canonical form means the same thing.
        assert_eq!(
            p(&q.to_string()).matches(&e),
            *expected,
            "{input:?} canonical"
        );
    }
}

#[test]
fn text_fields_are_searched_separately() {
    let mut e = Event::new();
    e.set("message", "alpha beta");
    e.set("event.original", "gamma delta");
    assert!(p("alpha").matches(&e));
    assert!(p("delta").matches(&e));
    assert!(!p("\"beta gamma\"").matches(&e));
    e.set("message", json!(["one two", "three"]));
    assert!(p("\"one two\"").matches(&e));
    assert!(p("three").matches(&e));
    assert!(!p("\"two three\"").matches(&e));
    assert!(!p("failed").matches(&Event::new()));
    // Other fields are not full-text searched.
    let mut e = Event::new();
    e.set("user.name", "alpha");
    assert!(!p("alpha").matches(&e));
}

// ---------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIELDS: &[&str] = &[
    "a",
    "host.name",
    "source.ip",
    "@timestamp",
    "destination.port",
    "event.code",
    "labels.x-y_z",
];

const VALUES: &[&str] = &[
    "web01",
    "WEB*",
    "adm?n",
    "*",
    "**",
    "\"a b\"",
    "\"\"",
    "\"x\\\"y\"",
    "\"c:\\\\dir\"",
    "c:\\dir\\x",
    "a\\ b",
    "a\\*",
    "4624",
    "0042",
    "-5",
    "1.5",
    "1e3",
    "10.0.0.5",
    "10.0.0.0/8",
    "\"2001:db8::/32\"",
    "2001:db8::1",
    "::",
    "2026-01-01",
    "2026-01-01T10:00:00Z",
    ">1024",
    ">=0042",
    "<1e3",
    "<=2026-01-01",
    ">\"m\"",
    "[1 TO 1024]",
    "{1 TO 1024}",
    "[1 TO *]",
    "{* TO 5]",
    "[* TO *]",
    "[2026-01-01 TO 2026-02-01T00:00:00+01:00}",
    "[a TO \"b c\"]",
    "[10.0.0.1 TO 10.0.0.9]",
    "张三",
    "100%_x",
    "AND",
    "=x",
    "x\u{0}y",
    "'1'='1",
];

const WORDS: &[&str] = &[
    "failed",
    "FAILED",
    "fail*",
    "\"Failed password\"",
    "\"fail*\"",
    "10.0.0.5",
    "登录失败",
    "登",
    "登录失*",
    "로그인",
    "x'",
    "*",
    "İstanbul",
    "ǅemal",
    "a_b",
];

fn gen_query(rng: &mut Rng, depth: usize) -> String {
    let choice = if depth > 4 {
        rng.below(3)
    } else {
        rng.below(9)
    };
    match choice {
        0 | 1 => format!("{}:{}", rng.pick(FIELDS), rng.pick(VALUES)),
        2 => rng.pick(WORDS).to_owned(),
        3 => format!(
            "{} {} {}",
            gen_query(rng, depth + 1),
            rng.pick(&["AND", "OR", "&&", "||", ""]),
            gen_query(rng, depth + 1)
        )
        .replace("  ", " "),
        4 => format!("({})", gen_query(rng, depth + 1)),
        5 => format!(
            "{}{}",
            rng.pick(&["NOT ", "-", "!"]),
            gen_query(rng, depth + 1)
        ),
        6 => {
            let n = 1 + rng.below(3);
            let values: Vec<String> = (0..n)
                .map(|_| {
                    format!(
                        "{}{}",
                        rng.pick(&["", "NOT ", "-", ""]),
                        rng.pick(&VALUES[..VALUES.len() - 3])
                    )
                })
                .collect();
            format!(
                "{}:({})",
                rng.pick(FIELDS),
                values.join(rng.pick(&[" OR ", " AND ", " "]))
            )
        }
        7 => format!(
            "{} {}",
            gen_query(rng, depth + 1),
            gen_query(rng, depth + 1)
        ),
        _ => format!(
            "{} OR {} AND {}",
            gen_query(rng, depth + 1),
            gen_query(rng, depth + 1),
            gen_query(rng, depth + 1)
        ),
    }
}

#[test]
fn round_trip_over_tables() {
    for (input, _) in CANONICAL {
        round_trips(input, &p(input));
    }
}

#[test]
fn round_trip_over_generated_queries() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let event = sample();
    let mut ok = 0;
    for _ in 0..4000 {
        let input = gen_query(&mut rng, 0);
        if let Ok(q) = parse(&input) {
            ok += 1;
            round_trips(&input, &q);
            let canonical = q.to_string();
            // Canonical form is a fixed point.
            assert_eq!(p(&canonical).to_string(), canonical, "{input:?}");
            let _ = q.matches(&event);
        }
    }
    assert!(ok > 3000, "generator mostly produces valid queries ({ok})");
}

#[test]
fn no_panic_on_random_input() {
    let mut rng = Rng(0x0DDB_A11C_0FFE_E001);
    let event = sample();
    const ALPHABET: &[char] = &[
        'a', 'b', 'Z', '0', '1', '5', '.', ':', '/', '-', '_', '@', '*', '?', '(', ')', '[', ']',
        '{', '}', '<', '>', '=', '"', '\\', '\'', '!', '&', '|', '%', ' ', ' ', ' ', '\t', '\n',
        '\0', 'é', '登', '录', 'İ', '\u{3000}', 'T', 'O', 'A', 'N', 'D', 'R',
    ];
    let mut parsed = 0;
    for i in 0..30_000 {
        let len = rng.below(24);
        let input: String = if i % 3 == 0 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect()
        };
        if let Ok(q) = parse(&input) {
            parsed += 1;
            round_trips(&input, &q);
            let _ = q.matches(&event);
            let _ = q.fields();
        }
    }
    assert!(parsed > 1000, "{parsed}");
    // Whole keyword soups, too.
    for _ in 0..3000 {
        let input: Vec<&str> = (0..rng.below(12))
            .map(|_| {
                rng.pick(&[
                    "AND", "OR", "NOT", "TO", "(", ")", "a:", "a:(", "[1", "2]", "*", "-", "!",
                    "&&", "||", "\"", "x", "b:[1 TO", "}", "{", " ", "a:>",
                ])
            })
            .collect();
        let input = input.join(if rng.below(2) == 0 { " " } else { "" });
        if let Ok(q) = parse(&input) {
            round_trips(&input, &q);
        }
    }
}

#[test]
fn doc_examples_parse() {
    let doc = include_str!("../../../docs/search.md");
    let mut checked = 0;
    for line in doc.lines() {
        // Example rows in the reference: "| `query` | ... |".
        if let Some(rest) = line.strip_prefix("| `") {
            if let Some(end) = rest.find("` |") {
                let example = &rest[..end];
                let q = p(example);
                round_trips(example, &q);
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked}");
}
