//! TLS for syslog (RFC 5425): a configured certificate and key, or a self-signed pair
//! generated into the data directory on first start so TLS works out of the box.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("generating a self-signed certificate: {0}")]
    Generate(String),
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// Where the certificate came from, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    Configured(PathBuf),
    Generated(PathBuf),
    Existing(PathBuf),
}

/// Builds the server config from `cert`/`key` when both are given, otherwise from the
/// pair in `dir` (generated there on first use).
pub fn server_config(
    cert: Option<&Path>,
    key: Option<&Path>,
    dir: &Path,
) -> Result<(Arc<ServerConfig>, CertSource), TlsError> {
    let (cert_path, key_path, source) = match (cert, key) {
        (Some(c), Some(k)) => (
            c.to_owned(),
            k.to_owned(),
            CertSource::Configured(c.to_owned()),
        ),
        (Some(_), None) | (None, Some(_)) => {
            return Err(TlsError::Config(
                "tls_cert and tls_key must be given together".into(),
            ))
        }
        (None, None) => {
            let c = dir.join("syslog-tls.crt");
            let k = dir.join("syslog-tls.key");
            if c.exists() && k.exists() {
                (c.clone(), k, CertSource::Existing(c))
            } else {
                generate(&c, &k)?;
                (c.clone(), k, CertSource::Generated(c))
            }
        }
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Read {
            path: cert_path.clone(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Read {
            path: cert_path,
            message: "no certificate found".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| TlsError::Read {
        path: key_path.clone(),
        message: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    Ok((Arc::new(config), source))
}

fn generate(cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    let names = vec!["localhost".to_string(), "steward-site".to_string()];
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    if let Some(parent) = cert_path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| TlsError::Write {
            path: parent.to_owned(),
            source,
        })?;
    }
    write_private(key_path, certified.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, certified.cert.pem()).map_err(|source| TlsError::Write {
        path: cert_path.to_owned(),
        source,
    })?;
    Ok(())
}

/// Writes a secret readable by the owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| TlsError::Write {
        path: path.to_owned(),
        source,
    })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|source| TlsError::Write {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let (_, first) = server_config(None, None, dir.path()).unwrap();
        assert!(matches!(first, CertSource::Generated(_)));
        let (_, second) = server_config(None, None, dir.path()).unwrap();
        assert!(matches!(second, CertSource::Existing(_)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("syslog-tls.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn half_a_pair_or_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bogus = dir.path().join("bogus.pem");
        std::fs::write(&bogus, "not a pem").unwrap();
        assert!(server_config(Some(&bogus), None, dir.path()).is_err());
        assert!(server_config(Some(&bogus), Some(&bogus), dir.path()).is_err());
    }
}
