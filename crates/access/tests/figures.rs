//! Prints what checking a request and logging in cost here. No thresholds: figures only.

use chrono::Utc;
use std::time::Instant;
use steward_access::{Access, Bootstrap, NewUser, Role};

#[test]
fn print_authenticate_and_login_costs() {
    let dir = tempfile::tempdir().unwrap();
    let access = Access::open(&dir.path().join("state.db")).unwrap();
    let Bootstrap::Created { token } = access.bootstrap("s", None).unwrap() else {
        panic!("must bootstrap");
    };
    let now = Utc::now();
    let password = "figures-password-123";
    access
        .create_user(
            &NewUser {
                name: "alice".into(),
                role: Role::Analyst,
                display_name: None,
                password: Some(password.into()),
            },
            now,
        )
        .unwrap();
    let session = access.login("alice", password, now).unwrap().token;

    let rounds = 100_000u32;
    for (what, secret) in [
        ("token", token.as_str()),
        ("session", session.as_str()),
        ("unknown", "stw_nope"),
    ] {
        let start = Instant::now();
        let mut hits = 0u32;
        for _ in 0..rounds {
            hits += u32::from(access.authenticate(secret, now).is_some());
        }
        let per = start.elapsed() / rounds;
        println!("authenticate {what}: {per:?} per call ({hits} accepted of {rounds})");
    }

    let logins = 5u32;
    let start = Instant::now();
    for _ in 0..logins {
        access.login("alice", password, now).unwrap();
    }
    println!(
        "login (argon2id verify + session insert): {:?} each",
        start.elapsed() / logins
    );
    let start = Instant::now();
    for _ in 0..logins - 1 {
        access
            .login("alice", "wrong-password-here", now)
            .unwrap_err();
    }
    println!(
        "login with a wrong password: {:?} each",
        start.elapsed() / (logins - 1)
    );
    let start = Instant::now();
    for _ in 0..logins {
        access.login("nobody", password, now).unwrap_err();
    }
    println!(
        "login for an unknown name (dummy verify): {:?} each",
        start.elapsed() / logins
    );
}
