//! Splitting a syslog byte stream into records (RFC 6587).
//!
//! Both framings may arrive on one listener: octet counting (`LEN SP MSG`) and
//! newline-delimited ("non-transparent") frames. Syslog messages start with `<`, so a frame
//! that starts with digits, a space and then `<` is octet-counted; anything else runs to
//! the next line feed. Records longer than the configured maximum are cut and flagged, and
//! the rest of that record is skipped; nothing is dropped silently.

/// One record taken out of the stream.
#[derive(Debug, PartialEq, Eq)]
pub struct Record {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

#[derive(Debug)]
enum State {
    /// At a frame boundary.
    Start,
    /// Inside a newline-framed record longer than the maximum: discard to the next LF.
    SkipLine,
    /// Inside an octet-counted frame: `remaining` bytes of it still to come, of which the
    /// first `keep` are kept.
    Counted {
        remaining: usize,
        keep: usize,
        truncated: bool,
    },
}

/// Incremental decoder: feed it whatever the socket returned, take complete records out.
#[derive(Debug)]
pub struct FrameDecoder {
    max_record: usize,
    buf: Vec<u8>,
    state: State,
    current: Vec<u8>,
}

/// Digits allowed in an octet count: enough for any sane record, few enough to never
/// overflow.
const MAX_COUNT_DIGITS: usize = 9;

impl FrameDecoder {
    pub fn new(max_record: usize) -> Self {
        Self {
            max_record: max_record.max(1),
            buf: Vec::new(),
            state: State::Start,
            current: Vec::new(),
        }
    }

    /// Appends `data` and pushes every record it completes onto `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Record>) {
        self.buf.extend_from_slice(data);
        let mut pos = 0;
        loop {
            match self.state {
                State::Start => {
                    let rest = &self.buf[pos..];
                    if rest.is_empty() {
                        break;
                    }
                    match octet_count(rest) {
                        Count::Yes { len, header } => {
                            pos += header;
                            let keep = len.min(self.max_record);
                            self.state = State::Counted {
                                remaining: len,
                                keep,
                                truncated: len > keep,
                            };
                            self.current.clear();
                        }
                        Count::NeedMore => break,
                        Count::No => match memchr(b'\n', rest) {
                            Some(i) => {
                                let line = &rest[..i];
                                pos += i + 1;
                                if line.len() > self.max_record {
                                    out.push(Record {
                                        bytes: line[..self.max_record].to_vec(),
                                        truncated: true,
                                    });
                                } else if !is_blank(line) {
                                    out.push(Record {
                                        bytes: strip_cr(line).to_vec(),
                                        truncated: false,
                                    });
                                }
                            }
                            None if rest.len() > self.max_record => {
                                out.push(Record {
                                    bytes: rest[..self.max_record].to_vec(),
                                    truncated: true,
                                });
                                pos = self.buf.len();
                                self.state = State::SkipLine;
                            }
                            None => break,
                        },
                    }
                }
                State::SkipLine => match memchr(b'\n', &self.buf[pos..]) {
                    Some(i) => {
                        pos += i + 1;
                        self.state = State::Start;
                    }
                    None => {
                        pos = self.buf.len();
                        break;
                    }
                },
                State::Counted {
                    remaining,
                    keep,
                    truncated,
                } => {
                    let available = self.buf.len() - pos;
                    if available == 0 {
                        break;
                    }
                    let take = available.min(remaining);
                    let kept_so_far = self.current.len();
                    if kept_so_far < keep {
                        let want = (keep - kept_so_far).min(take);
                        self.current.extend_from_slice(&self.buf[pos..pos + want]);
                    }
                    pos += take;
                    let remaining = remaining - take;
                    if remaining == 0 {
                        let bytes = std::mem::take(&mut self.current);
                        out.push(Record {
                            bytes: strip_trailing_newline(bytes),
                            truncated,
                        });
                        self.state = State::Start;
                    } else {
                        self.state = State::Counted {
                            remaining,
                            keep,
                            truncated,
                        };
                    }
                }
            }
        }
        self.buf.drain(..pos);
    }

    /// The stream ended: whatever partial record is left is handed out flagged as
    /// truncated, so a cut-off frame is kept rather than lost. Returns `true` when a
    /// partial frame was left (a framing error worth counting).
    pub fn finish(&mut self, out: &mut Vec<Record>) -> bool {
        let partial = match std::mem::replace(&mut self.state, State::Start) {
            State::Counted { .. } => {
                let mut bytes = std::mem::take(&mut self.current);
                if bytes.is_empty() {
                    bytes = std::mem::take(&mut self.buf);
                }
                out.push(Record {
                    bytes,
                    truncated: true,
                });
                true
            }
            State::SkipLine => false,
            State::Start => {
                let rest = std::mem::take(&mut self.buf);
                if !is_blank(&rest) {
                    // A last line without its line feed is complete as far as the sender
                    // is concerned (many tools omit the final newline).
                    let truncated = rest.len() > self.max_record;
                    let cut = rest.len().min(self.max_record);
                    out.push(Record {
                        bytes: strip_cr(&rest[..cut]).to_vec(),
                        truncated,
                    });
                }
                false
            }
        };
        self.buf.clear();
        partial
    }

    /// Bytes held waiting for the rest of a record.
    pub fn buffered(&self) -> usize {
        self.buf.len() + self.current.len()
    }
}

enum Count {
    Yes { len: usize, header: usize },
    NeedMore,
    No,
}

fn octet_count(rest: &[u8]) -> Count {
    if !matches!(rest.first(), Some(b'1'..=b'9')) {
        return Count::No;
    }
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > MAX_COUNT_DIGITS {
        return Count::No;
    }
    match (rest.get(digits), rest.get(digits + 1)) {
        (None, _) | (Some(b' '), None) => Count::NeedMore,
        (Some(b' '), Some(b'<')) => {
            let len = rest[..digits]
                .iter()
                .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
            Count::Yes {
                len,
                header: digits + 1,
            }
        }
        _ => Count::No,
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn strip_trailing_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    bytes
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(max: usize, chunks: &[&[u8]]) -> Vec<Record> {
        let mut d = FrameDecoder::new(max);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, &mut out);
        }
        d.finish(&mut out);
        out
    }

    fn texts(records: &[Record]) -> Vec<(String, bool)> {
        records
            .iter()
            .map(|r| (String::from_utf8_lossy(&r.bytes).into_owned(), r.truncated))
            .collect()
    }

    #[test]
    fn newline_framing_with_crlf_and_blank_lines() {
        let out = decode(100, &[b"<1>a\r\n\n<2>b\n<3>c"]);
        assert_eq!(
            texts(&out),
            vec![
                ("<1>a".into(), false),
                ("<2>b".into(), false),
                ("<3>c".into(), false)
            ]
        );
    }

    #[test]
    fn octet_counting_across_chunk_boundaries() {
        let msg = b"<134>1 - - - - - - hello";
        let frame = format!("{} ", msg.len());
        let mut stream = frame.into_bytes();
        stream.extend_from_slice(msg);
        stream.extend_from_slice(b"5 <1>x\n");
        for split in 0..stream.len() {
            let out = decode(100, &[&stream[..split], &stream[split..]]);
            assert_eq!(
                texts(&out),
                vec![
                    (String::from_utf8_lossy(msg).into_owned(), false),
                    ("<1>x".into(), false)
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn mixed_framings_on_one_stream() {
        let out = decode(100, &[b"<1>plain\n6 <2>abc<3>next\n"]);
        assert_eq!(
            texts(&out),
            vec![
                ("<1>plain".into(), false),
                ("<2>abc".into(), false),
                ("<3>next".into(), false)
            ]
        );
    }

    #[test]
    fn digits_not_followed_by_a_syslog_message_are_a_plain_line() {
        let out = decode(100, &[b"2026 is a year\n"]);
        assert_eq!(texts(&out), vec![("2026 is a year".into(), false)]);
    }

    #[test]
    fn long_lines_are_cut_flagged_and_the_rest_skipped() {
        let mut line = vec![b'a'; 50];
        line.push(b'\n');
        line.extend_from_slice(b"next\n");
        let out = decode(10, &[&line[..20], &line[20..]]);
        assert_eq!(
            texts(&out),
            vec![("a".repeat(10), true), ("next".into(), false)]
        );
    }

    #[test]
    fn long_octet_frames_are_cut_and_flagged() {
        let body = format!("<1>{}", "b".repeat(30));
        let stream = format!("{} {}7 <2>abcd", body.len(), body);
        let out = decode(8, &[stream.as_bytes()]);
        assert_eq!(
            texts(&out),
            vec![("<1>bbbbb".into(), true), ("<2>abcd".into(), false)]
        );
    }

    #[test]
    fn a_truncated_octet_frame_at_close_is_kept_and_reported() {
        let mut d = FrameDecoder::new(100);
        let mut out = Vec::new();
        d.feed(b"50 <1>only part", &mut out);
        assert!(out.is_empty());
        assert!(d.finish(&mut out));
        assert_eq!(texts(&out), vec![("<1>only part".into(), true)]);
    }

    #[test]
    fn huge_octet_counts_are_not_trusted_as_counts() {
        let out = decode(100, &[b"99999999999999999999 <1>x\n"]);
        assert_eq!(out.len(), 1);
        assert!(!out[0].truncated);
    }

    #[test]
    fn binary_garbage_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut d = FrameDecoder::new(64);
        let mut out = Vec::new();
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let chunk: Vec<u8> = seed
                .to_le_bytes()
                .iter()
                .map(|b| if b % 7 == 0 { b'\n' } else { *b })
                .collect();
            d.feed(&chunk, &mut out);
            assert!(d.buffered() <= 64 + 16);
        }
        d.finish(&mut out);
    }

    #[test]
    fn fuzz_seeds_replay_without_panics() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus/syslog_framing");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            panic!("fuzz seed corpus missing at {}", dir.display());
        };
        for entry in entries {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            let Some((&seed, stream)) = data.split_first() else {
                continue;
            };
            let max = 16 + usize::from(seed) * 4;
            let out = decode(
                max,
                &stream
                    .chunks(1 + usize::from(seed % 37))
                    .collect::<Vec<_>>(),
            );
            assert!(out.iter().all(|r| r.bytes.len() <= max));
        }
    }
}
