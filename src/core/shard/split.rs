//! The split arithmetic: shares that sum exactly to the whole.

/// `total` whole units over `shards`: as even as possible, the remainder one
/// each to the first shards (10 over 3 is 4, 3, 3).
pub fn split_count(total: u32, shards: u32) -> Vec<u32> {
    let shards = shards.max(1);
    let (base, rest) = (total / shards, total % shards);
    (0..shards).map(|i| base + u32::from(i < rest)).collect()
}

/// A rate per second over `shards`, split in thousandths of a unit per second
/// so the shares sum exactly to the rate rounded to a thousandth.
pub fn split_rate(rate: f64, shards: u32) -> Vec<f64> {
    let shards = shards.max(1);
    let milli = (rate * 1000.0).round().max(0.0) as u64;
    let (base, rest) = (milli / u64::from(shards), milli % u64::from(shards));
    (0..u64::from(shards))
        .map(|i| (base + u64::from(i < rest)) as f64 / 1000.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_users_over_three_shards() {
        assert_eq!(split_count(10, 3), vec![4, 3, 3]);
        assert_eq!(split_count(2, 3), vec![1, 1, 0]);
        assert_eq!(split_count(100, 4), vec![25; 4]);
        for (total, n) in [(7, 2), (1000, 7), (13, 13), (5, 1)] {
            assert_eq!(split_count(total, n).iter().sum::<u32>(), total);
        }
    }

    #[test]
    fn rates_sum_to_the_plan() {
        let shares = split_rate(100.0, 3);
        assert_eq!(shares, vec![33.334, 33.333, 33.333]);
        let milli: u64 = shares.iter().map(|s| (s * 1000.0).round() as u64).sum();
        assert_eq!(milli, 100_000);
        let shares = split_rate(12.5, 4);
        let milli: u64 = shares.iter().map(|s| (s * 1000.0).round() as u64).sum();
        assert_eq!(milli, 12_500);
    }
}
