//! Secrets and their hashes. Tokens and session secrets are 256-bit random values, so a
//! fast SHA-256 suffices; passwords are low-entropy and get argon2id.

use crate::error::AccessError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Prefix of API tokens.
pub const TOKEN_PREFIX: &str = "stw_";
/// Prefix of console session secrets.
pub const SESSION_PREFIX: &str = "sts_";

/// SHA-256 of a token or session secret: the only form stored.
pub fn hash_token(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AccessError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AccessError::Random(e.to_string()))?;
    Ok(bytes)
}

fn random_secret(prefix: &str) -> Result<String, AccessError> {
    let bytes = random_bytes::<32>()?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}{hex}"))
}

/// A new API token: `stw_` and 64 hex digits of OS randomness.
pub fn new_token() -> Result<String, AccessError> {
    random_secret(TOKEN_PREFIX)
}

/// A new console session secret: `sts_` and 64 hex digits of OS randomness.
pub fn new_session_secret() -> Result<String, AccessError> {
    random_secret(SESSION_PREFIX)
}

/// A generated password: 20 characters from an alphabet without look-alikes (~114 bits).
pub fn new_password() -> Result<String, AccessError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<20>()?;
    // 256 % 56 != 0 leaves a slight bias; at 20 characters it costs under a bit.
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// An argon2id (v19, default cost) PHC string with a fresh 128-bit salt.
pub(crate) fn hash_password(password: &str) -> Result<String, AccessError> {
    let salt = random_bytes::<16>()?;
    hash_with_salt(password, &salt)
}

fn hash_with_salt(password: &str, salt: &[u8]) -> Result<String, AccessError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| AccessError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccessError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string; a malformed string never matches.
pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one real verification, for logins naming no account (or one
/// without a password), so response time does not tell which names exist.
pub(crate) fn verify_dummy(password: &str) {
    if let Some(phc) = dummy_hash() {
        let _ = verify_password(password, phc);
    }
}

/// Computed once per process; `Access::open` asks for it early so that the first
/// login naming no account is not the one that pays for hashing it.
pub(crate) fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| hash_with_salt("steward-no-such-account", &[0x5a; 16]).ok())
        .as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_to_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("x", "not a phc string"));
        assert_ne!(phc, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn secrets_have_their_prefix_and_length() {
        let t = new_token().unwrap();
        let s = new_session_secret().unwrap();
        assert!(t.starts_with("stw_") && t.len() == 68);
        assert!(s.starts_with("sts_") && s.len() == 68);
        assert!(t[4..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(new_token().unwrap(), t);
    }
}
