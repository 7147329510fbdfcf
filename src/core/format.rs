//! Human-readable numbers for SLO messages and reports.
//!
//! Latencies get a unit that suits their size (µs below 1 ms, s from 10 s),
//! rates are shown as percentages, throughput with `/s`, counts plainly; every
//! integer part carries thousands separators (`18,331`).

/// What kind of quantity a metric is, which decides the units it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// A latency, in milliseconds.
    Latency,
    /// A fraction in [0, 1].
    Rate,
    /// A count.
    Count,
    /// Requests per second.
    Throughput,
}

/// The most extra decimals [`format_pair`] adds to tell two values apart.
const MAX_EXTRA_DECIMALS: usize = 6;

/// Formats a count with thousands separators: `18331` → `18,331`.
pub fn format_count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// Formats a latency given in milliseconds, with its unit.
///
/// Below 1 ms it is shown in µs (`250 µs`), from 10 s in seconds (`12.3 s`),
/// otherwise in ms with a precision that suits its size (`4.52 ms`, `312.4 ms`,
/// `2,345 ms`). Trailing zeros are dropped (`300 ms`).
pub fn format_ms(ms: f64) -> String {
    format_ms_with(ms, 0)
}

/// Formats a value of a quantity in canonical units (ms, fraction, count, per
/// second) for people: `312.4 ms`, `10.2%`, `1,204`, `18.3/s`.
pub fn format_value(quantity: Quantity, value: f64) -> String {
    format_value_with(quantity, value, 0)
}

/// Formats an observed value and a threshold so that two different values never
/// read the same: when the default precision would print `1% breaches < 1%`,
/// decimals are added until they differ (`1.004% breaches < 1%`).
pub fn format_pair(quantity: Quantity, observed: f64, threshold: f64) -> (String, String) {
    let mut extra = 0;
    loop {
        let pair = (
            format_value_with(quantity, observed, extra),
            format_value_with(quantity, threshold, extra),
        );
        if pair.0 != pair.1 || observed == threshold || extra == MAX_EXTRA_DECIMALS {
            return pair;
        }
        extra += 1;
    }
}

fn format_value_with(quantity: Quantity, value: f64, extra: usize) -> String {
    match quantity {
        Quantity::Latency => format_ms_with(value, extra),
        Quantity::Rate => {
            let percent = value * 100.0;
            format!("{}%", fixed(percent, three_significant(percent) + extra))
        }
        Quantity::Count if value.fract() == 0.0 && extra == 0 => fixed(value, 0),
        Quantity::Count => fixed(value, three_significant(value) + extra),
        Quantity::Throughput => format!("{}/s", fixed(value, three_significant(value) + extra)),
    }
}

fn format_ms_with(ms: f64, extra: usize) -> String {
    let size = ms.abs();
    if size > 0.0 && size < 1.0 {
        let us = ms * 1000.0;
        format!("{} µs", fixed(us, three_significant(us) + extra))
    } else if size >= 10_000.0 {
        let s = ms / 1000.0;
        format!("{} s", fixed(s, three_significant(s) + extra))
    } else {
        // 1 ms .. 10 s: at least one decimal below 1 s (`312.4 ms`), none above.
        let decimals = if size < 10.0 {
            2
        } else if size < 1000.0 {
            1
        } else {
            0
        };
        format!("{} ms", fixed(ms, decimals + extra))
    }
}

/// Decimals that show `value` with three significant digits (never negative, at most 6).
fn three_significant(value: f64) -> usize {
    let size = value.abs();
    if size == 0.0 || !size.is_finite() {
        return 0;
    }
    let magnitude = size.log10().floor();
    // Clamped to 0..=6, so the cast cannot truncate or wrap.
    (2.0 - magnitude).clamp(0.0, 6.0) as usize
}

/// `value` with `decimals` decimals, trailing zeros dropped, thousands grouped.
fn fixed(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int_part, fraction) = match digits.split_once('.') {
        Some((int_part, fraction)) => (int_part, Some(fraction)),
        None => (digits, None),
    };
    let sign = if int_part.bytes().all(|b| b == b'0') && fraction.is_none() {
        "" // no `-0`
    } else {
        sign
    };
    let mut out = format!("{sign}{}", group_thousands(int_part));
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// Inserts `,` every three digits from the right of a string of ASCII digits.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1,000");
        assert_eq!(format_count(18_331), "18,331");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }

    #[test]
    fn latencies_pick_a_unit_and_precision() {
        assert_eq!(format_ms(0.0), "0 ms");
        assert_eq!(format_ms(0.25), "250 µs");
        assert_eq!(format_ms(0.0125), "12.5 µs");
        assert_eq!(format_ms(1.0), "1 ms");
        assert_eq!(format_ms(4.567), "4.57 ms");
        assert_eq!(format_ms(45.23), "45.2 ms");
        assert_eq!(format_ms(300.0), "300 ms");
        assert_eq!(format_ms(312.4), "312.4 ms");
        assert_eq!(format_ms(312.45), "312.4 ms");
        assert_eq!(format_ms(2345.6), "2,346 ms");
        assert_eq!(format_ms(12_345.0), "12.3 s");
        assert_eq!(format_ms(123_456.0), "123 s");
    }

    #[test]
    fn values_by_quantity() {
        assert_eq!(format_value(Quantity::Rate, 0.102), "10.2%");
        assert_eq!(format_value(Quantity::Rate, 0.01), "1%");
        assert_eq!(format_value(Quantity::Rate, 0.0005), "0.05%");
        assert_eq!(format_value(Quantity::Rate, 0.0), "0%");
        assert_eq!(format_value(Quantity::Rate, 1.0), "100%");
        assert_eq!(format_value(Quantity::Throughput, 18.333), "18.3/s");
        assert_eq!(format_value(Quantity::Throughput, 1234.6), "1,235/s");
        assert_eq!(format_value(Quantity::Count, 2041.0), "2,041");
        assert_eq!(format_value(Quantity::Count, 1.5), "1.5");
        assert_eq!(format_value(Quantity::Latency, 212.4), "212.4 ms");
    }

    #[test]
    fn pairs_never_read_the_same_when_they_differ() {
        let (observed, threshold) = format_pair(Quantity::Rate, 0.010_04, 0.01);
        assert_ne!(observed, threshold);
        assert_eq!(observed, "1.004%");
        assert_eq!(threshold, "1%");
        let (observed, threshold) = format_pair(Quantity::Latency, 300.0, 300.0);
        assert_eq!(
            (observed.as_str(), threshold.as_str()),
            ("300 ms", "300 ms")
        );
        let (observed, _) = format_pair(Quantity::Count, 10.0, 10.5);
        assert_eq!(observed, "10");
    }

    #[test]
    fn no_negative_zero() {
        assert_eq!(format_ms(-0.0), "0 ms");
        assert_eq!(fixed(-0.0001, 2), "0");
        assert_eq!(fixed(-1234.5, 1), "-1,234.5");
    }
}
