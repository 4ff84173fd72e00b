//! A gzip stream built from pieces compressed once and shared by every reader.
//!
//! Compressing each reader's stream on its own costs one compression per reader per event (200
//! readers of a 300 kB event: 60 MB compressed a tick). Instead each event is compressed once,
//! by a fresh raw-deflate compressor ended with a sync flush: its bytes are non-final deflate
//! blocks that refer to nothing before them and end on a byte boundary, so they continue any
//! deflate stream at any point. A reader's stream is then the gzip header, the shared pieces
//! in its order, and at its end a final empty block with the trailer (the CRC-32 of everything
//! it carried, combined from the pieces' own, and its length).

use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use flate2::{Compress, Compression, FlushCompress};

/// An event, deflated on its own; cheap to clone.
#[derive(Debug, Clone)]
pub struct Deflated {
    bytes: Bytes,
    crc: u32,
    len: u64,
}

impl Deflated {
    pub fn of(data: &[u8]) -> Deflated {
        let mut compress = Compress::new(Compression::fast(), false);
        // Deflate's worst case is 5 bytes per 16 kB stored block over the input, plus the
        // sync flush's empty stored block.
        let mut out = Vec::with_capacity(data.len() / 4 + 64);
        let mut input = data;
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let (before, written) = (compress.total_in(), out.len());
            // Only a corrupt internal state fails, and a compressor that moves nothing would
            // loop: both end the piece where it stands (its reader's gzip stream then fails
            // its check instead of the server hanging).
            if compress
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            let consumed = (compress.total_in() - before) as usize;
            input = &input[consumed..];
            // Done when every byte went in and the flush had room to finish.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
            if consumed == 0 && out.len() == written && out.len() < out.capacity() {
                break;
            }
        }
        Deflated {
            bytes: Bytes::from(out),
            crc: crc32fast::hash(data),
            len: data.len() as u64,
        }
    }
}

/// One reader's gzip stream: the header first, then the pieces, then the trailer.
#[derive(Debug, Default)]
pub struct GzipStream {
    started: bool,
    crc: crc32fast::Hasher,
    /// Bytes carried so far (the trailer keeps them mod 2^32).
    len: u64,
}

/// gzip's header: deflate, no flags, no time, fastest, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff];

/// A final fixed-Huffman block holding only its end code.
const FINAL_EMPTY_BLOCK: [u8; 2] = [0x03, 0x00];

impl GzipStream {
    /// The bytes that carry `piece` in this stream (the header before the first).
    pub fn push(&mut self, piece: &Deflated) -> Bytes {
        self.crc.combine(&crc32fast::Hasher::new_with_initial_len(
            piece.crc, piece.len,
        ));
        self.len += piece.len;
        if self.started {
            return piece.bytes.clone();
        }
        self.started = true;
        let mut out = BytesMut::with_capacity(HEADER.len() + piece.bytes.len());
        out.extend_from_slice(&HEADER);
        out.extend_from_slice(&piece.bytes);
        out.freeze()
    }

    /// The stream's end: the final block and the trailer (CRC-32 and length mod 2^32, both
    /// little-endian).
    pub fn finish(self) -> Bytes {
        let mut out = BytesMut::with_capacity(HEADER.len() + 10);
        if !self.started {
            out.extend_from_slice(&HEADER);
        }
        let len = self.len;
        out.extend_from_slice(&FINAL_EMPTY_BLOCK);
        out.extend_from_slice(&self.crc.finalize().to_le_bytes());
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.freeze()
    }
}

/// Whether the request's `Accept-Encoding` takes gzip (`q=0` refuses it).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn shared_pieces_make_one_valid_gzip_stream_in_any_order() {
        let events: Vec<Vec<u8>> = (0..5)
            .map(|i| {
                format!(
                    "event: tick\ndata: {{\"seq\":{i},\"pad\":\"{}\"}}\n\n",
                    "ab".repeat(i * 9000)
                )
                .into_bytes()
            })
            .collect();
        let pieces: Vec<Deflated> = events.iter().map(|e| Deflated::of(e)).collect();
        // Two readers that joined at different events, over the same shared pieces.
        for start in [0, 3] {
            let mut stream = GzipStream::default();
            let mut wire = Vec::new();
            for piece in &pieces[start..] {
                wire.extend_from_slice(&stream.push(piece));
            }
            wire.extend_from_slice(&stream.finish());
            assert_eq!(gunzip(&wire).unwrap(), events[start..].concat());
        }
        // The repetitive event compresses: the pieces are smaller than what they carry.
        assert!(pieces[4].bytes.len() * 10 < events[4].len());
    }

    #[test]
    fn each_piece_decodes_as_soon_as_it_arrives() {
        let events = [b"event: a\n\n".to_vec(), b"event: b\n\n".to_vec()];
        let mut stream = GzipStream::default();
        let first = stream.push(&Deflated::of(&events[0]));
        // A decoder holding only the first piece (no trailer yet) already yields its event.
        let mut decoder = flate2::write::GzDecoder::new(Vec::new());
        std::io::Write::write_all(&mut decoder, &first).unwrap();
        std::io::Write::flush(&mut decoder).unwrap();
        assert_eq!(decoder.get_ref(), &events[0]);
    }

    #[test]
    fn an_empty_stream_is_still_valid_gzip() {
        assert_eq!(gunzip(&GzipStream::default().finish()).unwrap(), b"");
        let corrupt = {
            let mut s = GzipStream::default();
            let mut wire = s.push(&Deflated::of(b"x")).to_vec();
            wire.extend_from_slice(&s.finish());
            let n = wire.len();
            wire[n - 5] ^= 1;
            wire
        };
        assert!(gunzip(&corrupt).is_err(), "a wrong CRC must not pass");
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let accepts = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            accepts_gzip(&h)
        };
        assert!(accepts("gzip"));
        assert!(accepts("br, GZIP;q=0.5"));
        assert!(accepts("deflate, x-gzip"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip; q=0.0, identity"));
        assert!(!accepts("br, gzipx"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
