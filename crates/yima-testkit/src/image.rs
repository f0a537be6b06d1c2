//! Hand-made PNG files whose headers declare any dimensions: the hostile-image and bounds tests need
//! files that claim 100000 x 100000 pixels in a few dozen bytes.

/// One PNG chunk: big-endian length, type, data, CRC-32 of type and data (PNG spec, section 5.3).
#[must_use]
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).expect("a PNG chunk is shorter than 2^31 bytes");
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    let mut out = Vec::with_capacity(12 + data.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// A PNG signature and a valid IHDR for `w` x `h` 8-bit greyscale, then a tiny IDAT and IEND.
#[must_use]
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        png_chunk(b"IHDR", &ihdr),
        png_chunk(b"IDAT", &[0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        png_chunk(b"IEND", &[]),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iend_chunk_has_the_well_known_crc() {
        // Every PNG ends with these 12 bytes.
        assert_eq!(
            png_chunk(b"IEND", &[]),
            [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]
        );
    }
}
