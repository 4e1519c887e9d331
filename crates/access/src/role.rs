//! Roles and the one table that says what each may do.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// What a user is at a site. Every credential acts with its user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including accounts.
    Admin,
    /// The SOC analyst: reads and changes security data, not accounts or the audit log.
    Analyst,
    /// Customer staff: reads their posture; no raw events, no changes.
    CustomerViewer,
    /// Reads everything, changes nothing.
    Auditor,
}

/// One thing an API caller may do. Strings are `area:read` / `area:write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Permission {
    #[serde(rename = "events:read")]
    EventsRead,
    /// Ingest over HTTP.
    #[serde(rename = "events:write")]
    EventsWrite,
    #[serde(rename = "alerts:read")]
    AlertsRead,
    #[serde(rename = "alerts:write")]
    AlertsWrite,
    #[serde(rename = "incidents:read")]
    IncidentsRead,
    #[serde(rename = "incidents:write")]
    IncidentsWrite,
    #[serde(rename = "assets:read")]
    AssetsRead,
    #[serde(rename = "assets:write")]
    AssetsWrite,
    #[serde(rename = "vulns:read")]
    VulnsRead,
    #[serde(rename = "vulns:write")]
    VulnsWrite,
    #[serde(rename = "kb:read")]
    KbRead,
    #[serde(rename = "kb:write")]
    KbWrite,
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
    /// One's own session: who am I, sign out. Every role has it.
    #[serde(rename = "self")]
    OwnSession,
}

use Permission as P;

/// The permission matrix. Kept as data so a reviewer reads the policy in one place.
const MATRIX: [(Role, &[Permission]); 4] = [
    (Role::Admin, &Permission::ALL),
    (
        Role::Analyst,
        &[
            P::EventsRead,
            P::EventsWrite,
            P::AlertsRead,
            P::AlertsWrite,
            P::IncidentsRead,
            P::IncidentsWrite,
            P::AssetsRead,
            P::AssetsWrite,
            P::VulnsRead,
            P::VulnsWrite,
            P::KbRead,
            P::KbWrite,
            P::OwnSession,
        ],
    ),
    (
        Role::CustomerViewer,
        &[
            P::AlertsRead,
            P::IncidentsRead,
            P::AssetsRead,
            P::VulnsRead,
            P::KbRead,
            P::OwnSession,
        ],
    ),
    (
        Role::Auditor,
        &[
            P::EventsRead,
            P::AlertsRead,
            P::IncidentsRead,
            P::AssetsRead,
            P::VulnsRead,
            P::KbRead,
            P::UsersRead,
            P::AuditRead,
            P::OwnSession,
        ],
    ),
];

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Analyst,
        Role::CustomerViewer,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::CustomerViewer => "customer_viewer",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Everything this role may do.
    pub fn permissions(self) -> &'static [Permission] {
        MATRIX
            .iter()
            .find(|(role, _)| *role == self)
            .map_or(&[], |(_, perms)| *perms)
    }

    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        P::EventsRead,
        P::EventsWrite,
        P::AlertsRead,
        P::AlertsWrite,
        P::IncidentsRead,
        P::IncidentsWrite,
        P::AssetsRead,
        P::AssetsWrite,
        P::VulnsRead,
        P::VulnsWrite,
        P::KbRead,
        P::KbWrite,
        P::UsersRead,
        P::UsersWrite,
        P::AuditRead,
        P::OwnSession,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            P::EventsRead => "events:read",
            P::EventsWrite => "events:write",
            P::AlertsRead => "alerts:read",
            P::AlertsWrite => "alerts:write",
            P::IncidentsRead => "incidents:read",
            P::IncidentsWrite => "incidents:write",
            P::AssetsRead => "assets:read",
            P::AssetsWrite => "assets:write",
            P::VulnsRead => "vulns:read",
            P::VulnsWrite => "vulns:write",
            P::KbRead => "kb:read",
            P::KbWrite => "kb:write",
            P::UsersRead => "users:read",
            P::UsersWrite => "users:write",
            P::AuditRead => "audit:read",
            P::OwnSession => "self",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// True for the `:read` permissions and one's own session, which change no site data.
    pub fn is_read(self) -> bool {
        self == P::OwnSession || self.as_str().ends_with(":read")
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
