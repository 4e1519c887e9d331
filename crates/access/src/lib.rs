//! Who may do what at a site: user accounts with argon2id passwords, console sessions,
//! API tokens, and the roles' permission matrix.
//!
//! Everything lives in the site's `state.db`. Only hashes are stored: argon2id PHC
//! strings for passwords (low entropy, so a slow hash), SHA-256 for API tokens and
//! session secrets (256 random bits each, so a fast hash suffices). A copy of the
//! database lets nobody log in or call the API.
//!
//! Checking a request (`Access::authenticate`) reads an in-memory cache of credential
//! hashes and accounts; every change through this crate rebuilds it, so revoking a
//! token or disabling a user takes effect at the next request.

mod cache;
mod error;
mod login;
mod role;
mod schema;
mod secret;
mod store;
mod tokens;
mod types;
mod users;

pub use error::AccessError;
pub use login::{LOCKOUT_SECS, MAX_FAILED_LOGINS};
pub use role::{Permission, Role};
pub use secret::{
    hash_token, new_password, new_session_secret, new_token, SESSION_PREFIX, TOKEN_PREFIX,
};
pub use store::Access;
pub use types::{
    Bootstrap, Credential, NewSession, NewUser, Principal, SessionPolicy, TokenInfo, User,
    UserUpdate,
};
pub use users::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
