//! A minimal HTTP/1.1 POST for loopback use by the demo and the benchmarks, which need
//! no general HTTP client.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Posts `body` and returns the status code; the connection is closed afterwards.
pub async fn post(
    addr: SocketAddr,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> std::io::Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await?;
    let status = std::str::from_utf8(reply.get(9..12).unwrap_or_default())
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status line in the reply"))?;
    if status == 200 {
        Ok(status)
    } else {
        let text = String::from_utf8_lossy(&reply[..reply.len().min(300)]).into_owned();
        Err(std::io::Error::other(text))
    }
}
