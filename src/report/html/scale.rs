//! Axis scales for the charts: "nice" linear ticks (1, 2 or 5 × 10ⁿ), time
//! ticks on round seconds, minutes or hours, and the percentile axis of the
//! latency spectrum (log scale of `1 / (1 − p)`).

/// About how many ticks a linear axis gets.
const TARGET_TICKS: f64 = 5.0;

/// Steps a time axis may use, in seconds.
const TIME_STEPS: [u64; 16] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600,
];

/// The most ticks a time axis gets.
const MAX_TIME_TICKS: u64 = 8;

/// Ticks for a value axis from 0 to at least `max`: evenly spaced round
/// numbers, the last one at or above `max`. An axis with nothing to show
/// (`max` zero, negative or not finite) runs from 0 to 1.
pub fn linear_ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let rough = max / TARGET_TICKS;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * magnitude);
    let count = (max / step).ceil().max(1.0) as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// A tick label for a value axis whose ticks are `step` apart: as many
/// decimals as the step needs, `k` for thousands (`12k`).
pub fn value_label(value: f64, step: f64) -> String {
    if step >= 1000.0 {
        let k = value / 1000.0;
        return format!("{}k", trim(k, decimals(step / 1000.0)));
    }
    trim(value, decimals(step))
}

/// Ticks for a time axis from 0 to `max_s` seconds: the smallest round step
/// that gives at most eight ticks.
pub fn time_ticks(max_s: f64) -> Vec<f64> {
    let max = max_s.max(1.0).ceil() as u64;
    let step = TIME_STEPS
        .into_iter()
        .find(|step| max / step <= MAX_TIME_TICKS)
        .unwrap_or_else(|| max.div_ceil(MAX_TIME_TICKS).div_ceil(3600) * 3600);
    (0..=max / step).map(|i| (i * step) as f64).collect()
}

/// A time tick label: `45s` on short axes, `12m` or `1h30m` on long ones,
/// `2:30` for steps that are not whole minutes past two minutes.
pub fn time_label(seconds: f64, max_s: f64) -> String {
    let s = seconds.round() as u64;
    if max_s <= 120.0 {
        return format!("{s}s");
    }
    if s % 60 != 0 {
        return format!("{}:{:02}", s / 60, s % 60);
    }
    let (h, m) = (s / 3600, s / 60 % 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// The percentile at a position on the percentile axis, which counts nines:
/// 1 → 90%, 2 → 99%, 3 → 99.9%; `100 × (1 − 10^−nines)`.
pub fn percentile_at(nines: f64) -> f64 {
    100.0 * (1.0 - 10f64.powf(-nines))
}

/// A percentile axis label: `0%`, `90%`, `99%`, `99.9%`, `99.99%`.
pub fn nines_label(nines: f64) -> String {
    let whole = nines.round() as usize;
    match whole {
        0 => "0%".to_string(),
        1 => "90%".to_string(),
        n => format!("99.{}%", "9".repeat(n - 2)).replace(".%", "%"),
    }
}

/// Decimals needed to tell ticks `step` apart (0 for steps of 1 or more).
fn decimals(step: f64) -> usize {
    if step >= 1.0 || step <= 0.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    }
}

/// `value` with `decimals` decimals; `-0` shown as `0`.
fn trim(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_cover_the_maximum() {
        assert_eq!(linear_ticks(237.0), [0.0, 50.0, 100.0, 150.0, 200.0, 250.0]);
        assert_eq!(linear_ticks(10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            linear_ticks(0.0),
            [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(f64::NAN).len(), 6);
        let ticks = linear_ticks(0.033);
        assert!(
            *ticks.last().unwrap() >= 0.033 && ticks.len() <= 6,
            "{ticks:?}"
        );
    }

    #[test]
    fn value_labels_fit_the_step() {
        assert_eq!(value_label(150.0, 50.0), "150");
        assert_eq!(value_label(0.6000000000000001, 0.2), "0.6");
        assert_eq!(value_label(0.0, 0.005), "0");
        assert_eq!(value_label(0.015, 0.005), "0.015");
        assert_eq!(value_label(12_000.0, 2000.0), "12k");
        assert_eq!(value_label(2500.0, 500.0), "2500");
    }

    #[test]
    fn time_ticks_use_round_steps() {
        assert_eq!(time_ticks(60.25), [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
        assert_eq!(time_ticks(3600.0).len(), 7);
        assert_eq!(time_ticks(3600.0)[1], 600.0);
        assert_eq!(time_ticks(0.0), [0.0, 1.0]);
        assert!(time_ticks(1e6).len() <= 9);
        assert_eq!(time_label(30.0, 60.0), "30s");
        assert_eq!(time_label(600.0, 3600.0), "10m");
        assert_eq!(time_label(5400.0, 7200.0), "1h30m");
        assert_eq!(time_label(3600.0, 7200.0), "1h");
        assert_eq!(time_label(150.0, 300.0), "2:30");
    }

    #[test]
    fn percentile_axis_counts_nines() {
        assert!((percentile_at(2.0) - 99.0).abs() < 1e-9);
        assert!((percentile_at(3.0) - 99.9).abs() < 1e-9);
        assert_eq!(nines_label(0.0), "0%");
        assert_eq!(nines_label(1.0), "90%");
        assert_eq!(nines_label(2.0), "99%");
        assert_eq!(nines_label(4.0), "99.99%");
    }
}
