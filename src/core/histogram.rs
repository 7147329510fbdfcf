//! Latency histograms: HDR, microseconds, 3 significant figures, and their
//! exact (de)serialisation as base64 of the V2 + deflate encoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::io::Read as _;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};

use super::summary::LatencySummary;

/// Highest latency a histogram tracks exactly, in microseconds (1 hour); larger values are clamped.
pub const MAX_TRACKABLE_US: u64 = 3_600_000_000;

/// A new, empty latency histogram (µs, 1 µs .. 1 h, 3 significant figures).
pub fn new_latency() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_TRACKABLE_US, 3)
        .expect("constant bounds 1..1h with 3 significant figures are valid")
}

/// Records one latency in microseconds, clamped into the trackable range.
pub fn record(hist: &mut Histogram<u64>, micros: u64) {
    hist.saturating_record(micros.clamp(1, MAX_TRACKABLE_US));
}

/// Serialises a histogram exactly: V2 + deflate, base64.
pub fn encode(hist: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail for a histogram within its own bounds.
    if V2DeflateSerializer::new()
        .serialize(hist, &mut bytes)
        .is_err()
    {
        bytes.clear();
    }
    STANDARD.encode(bytes)
}

/// Why a serialised histogram could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not base64.
    #[error("histogram is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// Not a V2 (deflate) HdrHistogram of the shape perfgate records.
    #[error("histogram is not a valid HdrHistogram V2 encoding: {0}")]
    Invalid(String),
    /// The encoding's content could not be decoded.
    #[error("histogram is not a valid HdrHistogram V2 encoding: {0:?}")]
    Hdr(hdrhistogram::serialization::DeserializeError),
}

/// The cookie of an uncompressed V2 encoding.
const V2_COOKIE: u32 = 0x1c84_9313;
/// The cookie of a V2 encoding compressed with deflate, as [`encode`] writes.
const V2_DEFLATE_COOKIE: u32 = 0x1c84_9314;
/// Cookie, payload length, normalising offset, digits, lowest, highest, ratio.
const V2_HEADER_BYTES: usize = 40;
/// More than any histogram of [`new_latency`]'s shape can need (fewer than
/// 50,000 counts of at most 9 bytes each).
const MAX_INFLATED_BYTES: u64 = 1024 * 1024;

/// Reads back a histogram written by [`encode`]. An empty string is an empty
/// histogram.
///
/// The input is untrusted (a report file): the header is checked before
/// anything is allocated from it, the inflated size is bounded, and only
/// histograms of [`new_latency`]'s shape are accepted, so that a crafted
/// report can neither exhaust memory nor be merged with a differently shaped
/// histogram.
///
/// # Errors
///
/// When the text is not base64 or not a histogram of that shape.
pub fn decode(text: &str) -> Result<Histogram<u64>, DecodeError> {
    if text.is_empty() {
        return Ok(new_latency());
    }
    let bytes = STANDARD.decode(text)?;
    let plain = inflate(&bytes)?;
    check_header(&plain)?;
    Deserializer::new()
        .deserialize(&mut plain.as_slice())
        .map_err(DecodeError::Hdr)
}

/// The uncompressed V2 encoding inside a deflate one, at most
/// [`MAX_INFLATED_BYTES`] long.
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let invalid = |why: &str| DecodeError::Invalid(why.to_owned());
    let (cookie, rest) = split_u32(bytes).ok_or_else(|| invalid("too short"))?;
    if cookie != V2_DEFLATE_COOKIE {
        return Err(invalid("unknown cookie"));
    }
    let (length, rest) = split_u32(rest).ok_or_else(|| invalid("too short"))?;
    let compressed = rest
        .get(..length as usize)
        .ok_or_else(|| invalid("shorter than its header says"))?;
    let mut plain = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut plain)
        .map_err(|e| DecodeError::Invalid(format!("bad deflate data: {e}")))?;
    if plain.len() as u64 > MAX_INFLATED_BYTES {
        return Err(invalid("inflates to more than 1 MiB"));
    }
    Ok(plain)
}

/// Checks an uncompressed V2 header: the cookie, a payload that is really
/// there, and [`new_latency`]'s bounds and precision.
fn check_header(plain: &[u8]) -> Result<(), DecodeError> {
    let invalid = |why: String| Err(DecodeError::Invalid(why));
    let Some(header) = plain.get(..V2_HEADER_BYTES) else {
        return invalid("header too short".into());
    };
    let u32_at = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let u64_at = |at: usize| (u64::from(u32_at(at)) << 32) | u64::from(u32_at(at + 4));
    if u32_at(0) != V2_COOKIE {
        return invalid("unknown inner cookie".into());
    }
    let payload = u32_at(4) as usize;
    if payload > plain.len() - V2_HEADER_BYTES {
        return invalid(format!(
            "the header announces {payload} bytes of counts but {} follow",
            plain.len() - V2_HEADER_BYTES
        ));
    }
    let (digits, lowest, highest) = (u32_at(12), u64_at(16), u64_at(24));
    if (digits, lowest, highest) != (3, 1, MAX_TRACKABLE_US) {
        return invalid(format!(
            "it tracks {lowest}..{highest} µs with {digits} significant digits; perfgate records 1..{MAX_TRACKABLE_US} µs with 3"
        ));
    }
    Ok(())
}

/// A big-endian u32 and the rest of the bytes.
fn split_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_be_bytes(*head), rest))
}

/// Latency in milliseconds at a percentile in (0, 100]; `None` when empty.
pub fn percentile_ms(hist: &Histogram<u64>, percentile: f64) -> Option<f64> {
    (!hist.is_empty()).then(|| hist.value_at_percentile(percentile) as f64 / 1000.0)
}

/// The latency summary of a histogram; `None` when empty.
pub fn summarise(hist: &Histogram<u64>) -> Option<LatencySummary> {
    if hist.is_empty() {
        return None;
    }
    let ms = |us: u64| us as f64 / 1000.0;
    let at = |p: f64| ms(hist.value_at_percentile(p));
    Some(LatencySummary {
        min: ms(hist.min()),
        mean: hist.mean() / 1000.0,
        max: ms(hist.max()),
        p50: at(50.0),
        p75: at(75.0),
        p90: at(90.0),
        p95: at(95.0),
        p99: at(99.0),
        p99_9: at(99.9),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_exactly() {
        let mut h = new_latency();
        for v in [1, 250, 1_000, 12_345, 999_999, 40_000_000] {
            record(&mut h, v);
        }
        let back = decode(&encode(&h)).unwrap();
        assert_eq!(back.len(), h.len());
        assert_eq!(back.max(), h.max());
        assert_eq!(back.value_at_percentile(50.0), h.value_at_percentile(50.0));
        assert_eq!(back, h);
    }

    #[test]
    fn empty_and_bad_input() {
        assert!(decode("").unwrap().is_empty());
        assert!(decode("not base64!").is_err());
        assert!(decode("AAAA").is_err());
        let other_shape = Histogram::<u64>::new_with_bounds(1, 1000, 2).unwrap();
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&other_shape, &mut bytes)
            .unwrap();
        let err = decode(&STANDARD.encode(&bytes)).unwrap_err().to_string();
        assert!(err.contains("perfgate records"), "{err}");
    }

    #[test]
    fn a_header_announcing_gigabytes_is_refused_without_allocating() {
        let mut h = new_latency();
        record(&mut h, 1234);
        let mut plain = Vec::new();
        hdrhistogram::serialization::V2Serializer::new()
            .serialize(&h, &mut plain)
            .unwrap();
        plain[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let mut deflated = Vec::new();
        let mut z = flate2::write::ZlibEncoder::new(&mut deflated, flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &plain).unwrap();
        z.finish().unwrap();
        let mut bytes = V2_DEFLATE_COOKIE.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(deflated.len() as u32).to_be_bytes());
        bytes.extend_from_slice(&deflated);
        let err = decode(&STANDARD.encode(&bytes)).unwrap_err().to_string();
        assert!(err.contains("announces 4294967295 bytes"), "{err}");
        assert!(summarise(&new_latency()).is_none());
    }

    #[test]
    fn summary_in_milliseconds() {
        let mut h = new_latency();
        for v in 1..=1000u64 {
            record(&mut h, v * 1000);
        }
        let s = summarise(&h).unwrap();
        assert!((s.p50 - 500.0).abs() < 1.0, "{s:?}");
        assert!((s.max - 1000.0).abs() < 1.0, "{s:?}");
        assert_eq!(percentile_ms(&h, 100.0), Some(s.max));
    }
}
