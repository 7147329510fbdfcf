//! Latency histograms: HDR, microseconds, 3 significant figures, and their
//! exact (de)serialisation as base64 of the V2 + deflate encoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
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
    /// Not a V2 (deflate) HdrHistogram.
    #[error("histogram is not a valid HdrHistogram V2 encoding: {0:?}")]
    Hdr(hdrhistogram::serialization::DeserializeError),
}

/// Reads back a histogram written by [`encode`]. An empty string is an empty histogram.
pub fn decode(text: &str) -> Result<Histogram<u64>, DecodeError> {
    if text.is_empty() {
        return Ok(new_latency());
    }
    let bytes = STANDARD.decode(text)?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(DecodeError::Hdr)
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
