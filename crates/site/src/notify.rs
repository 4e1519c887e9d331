//! Breach notices to a webhook: one JSON POST over HTTP/1.1.
//!
//! Written by hand because the site needs nothing else from an HTTP client; https
//! targets go through a local relay until the notification issue brings a real client.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{0:?} is not an http:// URL")]
    Url(String),
    #[error("connecting or sending: {0}")]
    Io(#[from] std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the webhook answered {0}")]
    Status(String),
}

/// `http://host[:port][/path]` → (host:port, path).
fn split_url(url: &str) -> Result<(String, String), NotifyError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| NotifyError::Url(url.to_owned()))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || path.contains(['\r', '\n', ' ']) {
        return Err(NotifyError::Url(url.to_owned()));
    }
    let authority = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !authority.ends_with(']')
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path.to_owned()))
}

pub async fn post_json(url: &str, body: &serde_json::Value) -> Result<(), NotifyError> {
    let (authority, path) = split_url(url)?;
    let body = body.to_string();
    let send = async {
        let mut stream = tokio::net::TcpStream::connect(&authority).await?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
             User-Agent: steward-site\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut reply = Vec::new();
        stream.take(64 * 1024).read_to_end(&mut reply).await?;
        Ok::<_, NotifyError>(reply)
    };
    let reply = tokio::time::timeout(TIMEOUT, send)
        .await
        .map_err(|_| NotifyError::Timeout(TIMEOUT))??;
    let status_line = String::from_utf8_lossy(&reply)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    match status_line.split_whitespace().nth(1) {
        Some(code) if code.starts_with('2') => Ok(()),
        _ => Err(NotifyError::Status(status_line)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_authority_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:9000/hook").unwrap(),
            ("127.0.0.1:9000".into(), "/hook".into())
        );
        assert_eq!(
            split_url("http://example.invalid").unwrap(),
            ("example.invalid:80".into(), "/".into())
        );
        assert!(split_url("https://x/").is_err());
        assert!(split_url("http://u:p@x/").is_err());
        assert!(split_url("http://x/a b").is_err());
    }

    #[tokio::test]
    async fn posts_json_and_reads_the_status() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        post_json(&format!("http://{addr}/hook"), &serde_json::json!({"a": 1}))
            .await
            .unwrap();
        let request = server.await.unwrap();
        assert!(request.starts_with("POST /hook HTTP/1.1"));
        assert!(request.ends_with("{\"a\":1}"));
    }
}
