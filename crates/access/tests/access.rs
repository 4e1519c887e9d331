//! The access store end to end, on a temporary state.db, with time passed in.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::path::{Path, PathBuf};
use steward_access::{
    Access, AccessError, Bootstrap, Credential, NewUser, Permission, Role, SessionPolicy,
    UserUpdate,
};

const PASSWORD: &str = "correct-horse-battery-9";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap()
}

fn fresh() -> (tempfile::TempDir, PathBuf, Access) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let access = Access::open(&path).unwrap();
    (dir, path, access)
}

fn bootstrapped() -> (tempfile::TempDir, PathBuf, Access, String) {
    let (dir, path, access) = fresh();
    let Bootstrap::Created { token } = access.bootstrap("site-1", None).unwrap() else {
        panic!("first start must bootstrap");
    };
    (dir, path, access, token)
}

fn new_user(name: &str, role: Role, password: Option<&str>) -> NewUser {
    NewUser {
        name: name.into(),
        role,
        display_name: None,
        password: password.map(Into::into),
    }
}

/// The database file and its write-ahead log, where fresh rows live until a checkpoint.
fn db_bytes(path: &Path) -> Vec<u8> {
    let mut raw = std::fs::read(path).unwrap();
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if let Ok(more) = std::fs::read(wal) {
        raw.extend(more);
    }
    raw
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn bootstrap_once_and_the_token_works_across_restarts() {
    let (_dir, path, access, token) = bootstrapped();
    assert!(token.starts_with("stw_") && token.len() == 68);
    let p = access.authenticate(&token, Utc::now()).unwrap();
    assert_eq!((p.name.as_str(), p.role), ("admin", Role::Admin));
    assert!(matches!(&p.credential, Credential::Token { name, .. } if name == "bootstrap"));
    assert_eq!(p.actor(), "token:admin/bootstrap");
    assert!(p.can(Permission::UsersWrite));
    assert!(access.authenticate("stw_wrong", Utc::now()).is_none());
    assert!(matches!(
        access.bootstrap("site-1", None).unwrap(),
        Bootstrap::AlreadyDone
    ));
    let admin = &access.list_users().unwrap()[0];
    assert!(!admin.has_password && !admin.disabled);
    drop(access);
    let reopened = Access::open(&path).unwrap();
    assert!(reopened.authenticate(&token, Utc::now()).is_some());
    assert!(!contains(&db_bytes(&path), &token));
}

#[test]
fn preset_token_is_used_and_weak_presets_refused() {
    let (_dir, _path, access) = fresh();
    for weak in ["short", "has a space in it!!", "ünïcödé-is-not-ascii-ok"] {
        assert!(matches!(
            access.bootstrap("s1", Some(weak)),
            Err(AccessError::WeakBootstrapToken)
        ));
    }
    let preset = "automation-token-0123456789";
    let Bootstrap::Created { token } = access.bootstrap("s1", Some(preset)).unwrap() else {
        panic!("must bootstrap");
    };
    assert_eq!(token, preset);
    assert!(access.authenticate(preset, Utc::now()).is_some());
    assert!(!format!("{:?}", Bootstrap::Created { token }).contains(preset));
}

#[test]
fn a_database_from_the_old_schema_opens_and_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let old_token = "stw_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (
               id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
               site_id TEXT NOT NULL, tenant_id TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
             CREATE TABLE api_tokens (
               id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
               name TEXT NOT NULL, sha256 BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL);
             INSERT INTO users (name, role, site_id, created_at)
               VALUES ('admin', 'admin', 'old-site', '2025-06-01T10:00:00.123456789+00:00');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO api_tokens (user_id, name, sha256, created_at)
             VALUES (1, 'bootstrap', ?1, '2025-06-01T10:00:00.123456789+00:00')",
            [steward_access::hash_token(old_token).to_vec()],
        )
        .unwrap();
    }
    let access = Access::open(&path).unwrap();
    assert!(matches!(
        access.bootstrap("old-site", None).unwrap(),
        Bootstrap::AlreadyDone
    ));
    let p = access.authenticate(old_token, t0()).unwrap();
    assert_eq!(p.actor(), "token:admin/bootstrap");
    let admin = access.get_user(1).unwrap();
    assert_eq!(admin.updated_at, admin.created_at);
    assert!(!admin.has_password && !admin.disabled);
    let tokens = access.list_tokens(None).unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!((tokens[0].expires_at, tokens[0].revoked), (None, false));
    // The upgraded database takes the new features.
    access
        .update_user(
            1,
            &UserUpdate {
                password: Some(PASSWORD.into()),
                ..Default::default()
            },
            t0(),
        )
        .unwrap();
    assert!(access.login("admin", PASSWORD, t0()).is_ok());
    drop(access);
    // And opening it again is a no-op upgrade.
    let again = Access::open(&path).unwrap();
    assert!(again.authenticate(old_token, t0()).is_some());
    let site: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT site_id FROM users WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(site, "old-site");
}

#[test]
fn login_right_wrong_unknown_and_without_password() {
    let (_dir, _path, access, _) = bootstrapped();
    let alice = access
        .create_user(&new_user("alice", Role::Analyst, Some(PASSWORD)), t0())
        .unwrap();
    assert!(alice.has_password);
    access
        .create_user(&new_user("bot", Role::Analyst, None), t0())
        .unwrap();

    let s = access.login("alice", PASSWORD, t0()).unwrap();
    assert!(s.token.starts_with("sts_") && s.token.len() == 68);
    assert_eq!(s.expires_at, t0() + Duration::hours(12));
    assert_eq!(s.principal.user_id, alice.id);
    assert!(!format!("{s:?}").contains(&s.token), "Debug must redact");
    let p = access.authenticate(&s.token, t0()).unwrap();
    assert_eq!(p, s.principal);
    assert_eq!(p.actor(), "user:alice");
    assert!(p.can(Permission::IncidentsWrite) && !p.can(Permission::UsersRead));

    let wrong = access.login("alice", "not-the-password", t0()).unwrap_err();
    let unknown = access.login("mallory", PASSWORD, t0()).unwrap_err();
    let no_password = access.login("bot", PASSWORD, t0()).unwrap_err();
    assert!(matches!(wrong, AccessError::BadCredentials));
    assert!(matches!(unknown, AccessError::BadCredentials));
    assert!(matches!(no_password, AccessError::BadCredentials));
    assert_eq!(wrong.to_string(), unknown.to_string());
}

#[test]
fn five_failures_lock_the_account_for_five_minutes() {
    let (_dir, _path, access, _) = bootstrapped();
    access
        .create_user(&new_user("alice", Role::Analyst, Some(PASSWORD)), t0())
        .unwrap();
    // A success in between resets the count.
    for _ in 0..4 {
        assert!(matches!(
            access.login("alice", "wrong-password!", t0()),
            Err(AccessError::BadCredentials)
        ));
    }
    access.login("alice", PASSWORD, t0()).unwrap();
    for _ in 0..4 {
        access.login("alice", "wrong-password!", t0()).unwrap_err();
    }
    access.login("alice", PASSWORD, t0()).unwrap();

    for _ in 0..5 {
        assert!(matches!(
            access.login("alice", "wrong-password!", t0()),
            Err(AccessError::BadCredentials)
        ));
    }
    let later = t0() + Duration::seconds(10);
    match access.login("alice", PASSWORD, later) {
        Err(AccessError::Locked { until }) => assert_eq!(until, t0() + Duration::minutes(5)),
        other => panic!("expected Locked, got {other:?}"),
    }
    // Other accounts are not affected.
    access
        .update_user(
            1,
            &UserUpdate {
                password: Some(PASSWORD.into()),
                ..Default::default()
            },
            t0(),
        )
        .unwrap();
    access.login("admin", PASSWORD, later).unwrap();
    // After the lock, the right password works again.
    access
        .login("alice", PASSWORD, t0() + Duration::minutes(5))
        .unwrap();
}

#[test]
fn sessions_end_when_idle_and_at_the_absolute_limit() {
    let (_dir, path, access, _) = bootstrapped();
    access
        .create_user(&new_user("alice", Role::Analyst, Some(PASSWORD)), t0())
        .unwrap();
    let policy = SessionPolicy::default();
    let idle = Duration::seconds(policy.idle_secs);

    // Idle: used just within the idle limit, it lives; left longer, it ends.
    let s = access.login("alice", PASSWORD, t0()).unwrap().token;
    let mut now = t0();
    for _ in 0..3 {
        now += idle;
        assert!(access.authenticate(&s, now).is_some());
    }
    assert!(access
        .authenticate(&s, now + idle + Duration::seconds(1))
        .is_none());
    // Once idle-dead it stays dead.
    assert!(access.authenticate(&s, now + idle + idle).is_none());

    // Absolute: busy all along, it still ends at the limit.
    let s = access.login("alice", PASSWORD, t0()).unwrap();
    let mut now = t0();
    let end = t0() + Duration::seconds(policy.absolute_secs);
    while now + Duration::minutes(10) < end {
        now += Duration::minutes(10);
        assert!(access.authenticate(&s.token, now).is_some(), "at {now}");
    }
    assert!(access
        .authenticate(&s.token, end - Duration::seconds(1))
        .is_some());
    assert!(access.authenticate(&s.token, end).is_none());

    // Sessions survive a restart, with the last-use time written back.
    let s = access.login("alice", PASSWORD, t0()).unwrap().token;
    let used = t0() + idle;
    assert!(access.authenticate(&s, used).is_some());
    drop(access);
    let reopened = Access::open(&path).unwrap();
    assert!(reopened.authenticate(&s, used + idle).is_some());
    assert!(!contains(&db_bytes(&path), &s));
}

#[test]
fn a_custom_session_policy_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let policy = SessionPolicy {
        idle_secs: 60,
        absolute_secs: 600,
    };
    let access = Access::open_with_policy(&dir.path().join("state.db"), policy).unwrap();
    access.bootstrap("s", None).unwrap();
    access
        .create_user(&new_user("alice", Role::Auditor, Some(PASSWORD)), t0())
        .unwrap();
    let s = access.login("alice", PASSWORD, t0()).unwrap();
    assert_eq!(s.expires_at, t0() + Duration::seconds(600));
    assert!(access
        .authenticate(&s.token, t0() + Duration::seconds(60))
        .is_some());
    assert!(access
        .authenticate(&s.token, t0() + Duration::seconds(121))
        .is_none());
}

#[test]
fn logout_ends_the_session_once() {
    let (_dir, _path, access, _) = bootstrapped();
    access
        .create_user(&new_user("alice", Role::Analyst, Some(PASSWORD)), t0())
        .unwrap();
    let a = access.login("alice", PASSWORD, t0()).unwrap().token;
    let b = access.login("alice", PASSWORD, t0()).unwrap().token;
    assert!(access.logout(&a).unwrap());
    assert!(access.authenticate(&a, t0()).is_none());
    assert!(
        access.authenticate(&b, t0()).is_some(),
        "other sessions stay"
    );
    assert!(!access.logout(&a).unwrap());
    assert!(!access.logout("sts_never-issued").unwrap());
    assert_eq!(access.revoke_sessions(2).unwrap(), 1);
    assert!(access.authenticate(&b, t0()).is_none());
}

#[test]
fn tokens_are_created_listed_revoked_and_expire() {
    let (_dir, path, access, boot) = bootstrapped();
    let alice = access
        .create_user(&new_user("alice", Role::CustomerViewer, None), t0())
        .unwrap();
    let expiry = t0() + Duration::hours(1);
    let (info, secret) = access
        .create_token(alice.id, "ci", Some(expiry), t0())
        .unwrap();
    assert!(secret.starts_with("stw_") && secret.len() == 68);
    assert_eq!(
        (
            info.user_name.as_str(),
            info.name.as_str(),
            info.expires_at,
            info.revoked
        ),
        ("alice", "ci", Some(expiry), false)
    );
    let p = access.authenticate(&secret, t0()).unwrap();
    assert_eq!(p.actor(), "token:alice/ci");
    assert!(p.can(Permission::AlertsRead) && !p.can(Permission::EventsRead));
    assert!(access
        .authenticate(&secret, expiry - Duration::seconds(1))
        .is_some());
    assert!(access.authenticate(&secret, expiry).is_none());

    let (forever, forever_secret) = access
        .create_token(alice.id, "dashboard", None, t0())
        .unwrap();
    let mine = access.list_tokens(Some(alice.id)).unwrap();
    assert_eq!(
        mine.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["ci", "dashboard"]
    );
    assert_eq!(access.list_tokens(None).unwrap().len(), 3);
    let json = serde_json::to_string(&mine).unwrap();
    assert!(!json.contains(&forever_secret) && !json.contains("sha256"));

    access.revoke_token(forever.id).unwrap();
    assert!(access.authenticate(&forever_secret, t0()).is_none());
    assert!(access.list_tokens(Some(alice.id)).unwrap()[1].revoked);
    access.revoke_token(forever.id).unwrap();
    assert!(matches!(
        access.revoke_token(999),
        Err(AccessError::NotFound)
    ));
    assert!(
        access.authenticate(&boot, t0()).is_some(),
        "others unaffected"
    );

    assert!(matches!(
        access.create_token(alice.id, "old", Some(t0()), t0()),
        Err(AccessError::Invalid {
            field: "expires_at",
            ..
        })
    ));
    assert!(matches!(
        access.create_token(alice.id, "", None, t0()),
        Err(AccessError::Invalid { field: "name", .. })
    ));
    assert!(matches!(
        access.create_token(999, "x", None, t0()),
        Err(AccessError::NotFound)
    ));

    // A revoked token stays revoked after a restart.
    drop(access);
    let reopened = Access::open(&path).unwrap();
    assert!(reopened.authenticate(&forever_secret, t0()).is_none());
    assert!(reopened.authenticate(&secret, t0()).is_some());
}

#[test]
fn a_disabled_user_loses_access_at_once() {
    let (_dir, _path, access, _) = bootstrapped();
    let alice = access
        .create_user(&new_user("alice", Role::Analyst, Some(PASSWORD)), t0())
        .unwrap();
    let session = access.login("alice", PASSWORD, t0()).unwrap().token;
    let (_, token) = access.create_token(alice.id, "ci", None, t0()).unwrap();
    assert!(access.authenticate(&session, t0()).is_some());
    assert!(access.authenticate(&token, t0()).is_some());

    let off = UserUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    assert!(access.update_user(alice.id, &off, t0()).unwrap().disabled);
    assert!(access.authenticate(&session, t0()).is_none());
    assert!(access.authenticate(&token, t0()).is_none());
    assert!(matches!(
        access.login("alice", PASSWORD, t0()),
        Err(AccessError::BadCredentials)
    ));

    let on = UserUpdate {
        disabled: Some(false),
        ..Default::default()
    };
    access.update_user(alice.id, &on, t0()).unwrap();
    assert!(
        access.authenticate(&token, t0()).is_some(),
        "tokens come back"
    );
    assert!(
        access.authenticate(&session, t0()).is_none(),
        "sessions do not"
    );
}

#[test]
fn role_and_password_changes_apply_at_once() {
    let (_dir, _path, access, _) = bootstrapped();
    let alice = access
        .create_user(&new_user("alice", Role::Analyst, Some(PASSWORD)), t0())
        .unwrap();
    let session = access.login("alice", PASSWORD, t0()).unwrap().token;
    let (_, token) = access.create_token(alice.id, "ci", None, t0()).unwrap();
    let to_viewer = UserUpdate {
        role: Some(Role::CustomerViewer),
        display_name: Some("Alice A.".into()),
        ..Default::default()
    };
    let later = t0() + Duration::seconds(5);
    let updated = access.update_user(alice.id, &to_viewer, later).unwrap();
    assert_eq!(updated.role, Role::CustomerViewer);
    assert_eq!(updated.display_name.as_deref(), Some("Alice A."));
    assert_eq!(updated.updated_at, later);
    assert!(access.authenticate(&session, t0()).is_none());
    let p = access.authenticate(&token, t0()).unwrap();
    assert_eq!(p.role, Role::CustomerViewer);
    assert!(!p.can(Permission::IncidentsWrite));

    // Only the display name: sessions stay.
    let session = access.login("alice", PASSWORD, t0()).unwrap().token;
    let rename = UserUpdate {
        display_name: Some(String::new()),
        ..Default::default()
    };
    assert_eq!(
        access
            .update_user(alice.id, &rename, t0())
            .unwrap()
            .display_name,
        None
    );
    assert!(access.authenticate(&session, t0()).is_some());

    // A new password ends sessions and replaces the old one.
    let new_password = "an-entirely-new-passphrase";
    let change = UserUpdate {
        password: Some(new_password.into()),
        ..Default::default()
    };
    access.update_user(alice.id, &change, t0()).unwrap();
    assert!(access.authenticate(&session, t0()).is_none());
    assert!(access.login("alice", PASSWORD, t0()).is_err());
    access.login("alice", new_password, t0()).unwrap();
    assert!(matches!(
        access.update_user(999, &change, t0()),
        Err(AccessError::NotFound)
    ));
}

#[test]
fn the_last_enabled_admin_is_protected() {
    let (_dir, _path, access, boot) = bootstrapped();
    let demote = UserUpdate {
        role: Some(Role::Analyst),
        ..Default::default()
    };
    let disable = UserUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        access.update_user(1, &demote, t0()),
        Err(AccessError::LastAdmin)
    ));
    assert!(matches!(
        access.update_user(1, &disable, t0()),
        Err(AccessError::LastAdmin)
    ));
    assert!(
        access.authenticate(&boot, t0()).is_some(),
        "nothing changed"
    );

    let second = access
        .create_user(&new_user("root2", Role::Admin, None), t0())
        .unwrap();
    access.update_user(1, &disable, t0()).unwrap();
    assert!(matches!(
        access.update_user(second.id, &demote, t0()),
        Err(AccessError::LastAdmin)
    ));
    // A disabled admin does not count, and may be changed freely.
    access.update_user(1, &demote, t0()).unwrap();
    assert_eq!(access.get_user(1).unwrap().role, Role::Analyst);
}

#[test]
fn only_hashes_are_stored() {
    let (_dir, path, access, boot) = bootstrapped();
    let plain = "plain-text-password-4711";
    let alice = access
        .create_user(&new_user("alice", Role::Analyst, Some(plain)), t0())
        .unwrap();
    let session = access.login("alice", plain, t0()).unwrap().token;
    let (_, token) = access.create_token(alice.id, "ci", None, t0()).unwrap();
    let phc: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT password_hash FROM users WHERE name = 'alice'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
    let raw = db_bytes(&path);
    for secret in [plain, session.as_str(), token.as_str(), boot.as_str()] {
        assert!(
            !contains(&raw, secret),
            "a secret reached the database file"
        );
    }
    let json = serde_json::to_string(&access.list_users().unwrap()).unwrap();
    assert!(!json.contains("argon2") && !json.contains(plain));
}

#[test]
fn account_input_is_validated() {
    let (_dir, _path, access, _) = bootstrapped();
    for bad in ["", "has space", "semi;colon", "ünï", &"x".repeat(65)] {
        assert!(
            matches!(
                access.create_user(&new_user(bad, Role::Analyst, None), t0()),
                Err(AccessError::Invalid { field: "name", .. })
            ),
            "{bad:?}"
        );
    }
    access
        .create_user(&new_user(&"a".repeat(64), Role::Analyst, None), t0())
        .unwrap();
    access
        .create_user(&new_user("ops.team_1@corp-x", Role::Auditor, None), t0())
        .unwrap();
    for bad in ["short-pw-11", &"p".repeat(1025)] {
        assert!(matches!(
            access.create_user(&new_user("bob", Role::Analyst, Some(bad)), t0()),
            Err(AccessError::Invalid {
                field: "password",
                ..
            })
        ));
    }
    access
        .create_user(&new_user("bob", Role::Analyst, Some("twelve-chars")), t0())
        .unwrap();
    assert!(matches!(
        access.create_user(&new_user("bob", Role::Admin, None), t0()),
        Err(AccessError::Exists)
    ));
    assert!(matches!(access.get_user(999), Err(AccessError::NotFound)));
    let weak = UserUpdate {
        password: Some("short".into()),
        ..Default::default()
    };
    assert!(matches!(
        access.update_user(1, &weak, t0()),
        Err(AccessError::Invalid {
            field: "password",
            ..
        })
    ));
    assert_eq!(access.list_users().unwrap().len(), 4);
}

#[test]
fn requests_parse_strictly_and_print_without_secrets() {
    let input: NewUser = serde_json::from_str(
        r#"{"name":"carol","role":"customer_viewer","password":"secret-passphrase"}"#,
    )
    .unwrap();
    assert_eq!(input.role, Role::CustomerViewer);
    assert!(!format!("{input:?}").contains("secret-passphrase"));
    assert!(
        serde_json::from_str::<NewUser>(r#"{"name":"c","role":"admin","is_root":true}"#).is_err()
    );
    assert!(serde_json::from_str::<NewUser>(r#"{"name":"c","role":"superuser"}"#).is_err());
    let update: UserUpdate = serde_json::from_str(r#"{"password":"secret-passphrase"}"#).unwrap();
    assert!(!format!("{update:?}").contains("secret-passphrase"));
    assert!(serde_json::from_str::<UserUpdate>(r#"{"password_hash":"x"}"#).is_err());
}
