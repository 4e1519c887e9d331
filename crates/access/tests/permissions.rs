//! The whole permission matrix, cell by cell, against a table written out by hand.

use steward_access::{Permission, Role};

/// Columns: admin, analyst, customer_viewer, auditor. `y` = allowed.
const EXPECTED: &[(&str, [char; 4])] = &[
    ("events:read", ['y', 'y', '-', 'y']),
    ("events:write", ['y', 'y', '-', '-']),
    ("alerts:read", ['y', 'y', 'y', 'y']),
    ("alerts:write", ['y', 'y', '-', '-']),
    ("incidents:read", ['y', 'y', 'y', 'y']),
    ("incidents:write", ['y', 'y', '-', '-']),
    ("assets:read", ['y', 'y', 'y', 'y']),
    ("assets:write", ['y', 'y', '-', '-']),
    ("vulns:read", ['y', 'y', 'y', 'y']),
    ("vulns:write", ['y', 'y', '-', '-']),
    ("kb:read", ['y', 'y', 'y', 'y']),
    ("kb:write", ['y', 'y', '-', '-']),
    ("users:read", ['y', '-', '-', 'y']),
    ("users:write", ['y', '-', '-', '-']),
    ("audit:read", ['y', '-', '-', 'y']),
    ("self", ['y', 'y', 'y', 'y']),
];

const COLUMNS: [&str; 4] = ["admin", "analyst", "customer_viewer", "auditor"];

#[test]
fn matrix_matches_the_written_table_cell_by_cell() {
    assert_eq!(
        EXPECTED.len(),
        Permission::ALL.len(),
        "every permission has a row"
    );
    for (perm_str, cells) in EXPECTED {
        let perm = Permission::parse(perm_str).unwrap_or_else(|| panic!("unknown {perm_str}"));
        for (col, cell) in COLUMNS.iter().zip(cells) {
            let role = Role::parse(col).unwrap();
            assert_eq!(
                role.allows(perm),
                *cell == 'y',
                "{col} × {perm_str}: expected {cell}"
            );
            assert_eq!(role.permissions().contains(&perm), *cell == 'y');
        }
    }
    for role in Role::ALL {
        let allowed = EXPECTED
            .iter()
            .filter(|(_, cells)| {
                cells[COLUMNS.iter().position(|c| *c == role.as_str()).unwrap()] == 'y'
            })
            .count();
        assert_eq!(
            role.permissions().len(),
            allowed,
            "{role} has no duplicates"
        );
    }
}

#[test]
fn names_round_trip_and_unknown_names_are_refused() {
    for role in Role::ALL {
        assert_eq!(Role::parse(role.as_str()), Some(role));
        assert_eq!(
            serde_json::to_string(&role).unwrap(),
            format!("\"{}\"", role.as_str())
        );
        assert_eq!(role.to_string(), role.as_str());
    }
    for perm in Permission::ALL {
        assert_eq!(Permission::parse(perm.as_str()), Some(perm));
        assert_eq!(
            serde_json::to_string(&perm).unwrap(),
            format!("\"{}\"", perm.as_str())
        );
        let back: Permission = serde_json::from_str(&format!("\"{perm}\"")).unwrap();
        assert_eq!(back, perm);
    }
    assert_eq!(Role::parse("Admin"), None);
    assert_eq!(Role::parse("root"), None);
    assert_eq!(Permission::parse("events:delete"), None);
    assert_eq!(Permission::parse(""), None);
}

#[test]
fn auditor_reads_everything_and_writes_nothing() {
    for perm in Permission::ALL {
        assert_eq!(Role::Auditor.allows(perm), perm.is_read(), "{perm}");
        assert!(Role::Admin.allows(perm));
    }
}
