//! RFC 6587 stream framing: any byte stream, cut into arbitrary chunks, yields records no
//! longer than the maximum and never buffers more than a record plus a chunk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_ingest::framing::FrameDecoder;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else { return };
    let max = 16 + usize::from(seed) * 4;
    let chunk = 1 + usize::from(seed % 37);
    let mut decoder = FrameDecoder::new(max);
    let mut records = Vec::new();
    for piece in stream.chunks(chunk) {
        decoder.feed(piece, &mut records);
        assert!(decoder.buffered() <= max + chunk + 16);
    }
    decoder.finish(&mut records);
    for r in &records {
        assert!(r.bytes.len() <= max);
    }
});
