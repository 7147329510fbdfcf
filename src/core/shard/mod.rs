//! A shard of a run: shard K of N, as `--shard K/N` names it and a
//! report records it.

mod split;

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use split::{split_count, split_rate};

/// Shard `index` of `count` (1-based, `index <= count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Shard {
    /// Which shard, from 1.
    pub index: u32,
    /// How many shards the plan is split into.
    pub count: u32,
}

impl Shard {
    /// Whether data row `row` (0-based) belongs to this shard: row `i` goes to
    /// the shard whose 0-based position is `i mod count`.
    pub fn takes_row(self, row: u64) -> bool {
        row % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// This shard's share of `total` whole units (users).
    pub fn share_of_count(self, total: u32) -> u32 {
        split_count(total, self.count)[(self.index - 1) as usize]
    }

    /// This shard's share of a rate per second.
    pub fn share_of_rate(self, rate: f64) -> f64 {
        split_rate(rate, self.count)[(self.index - 1) as usize]
    }

    /// The seed of this shard's randomness, derived from the plan's seed
    /// (SplitMix64 of the seed and the shard index).
    pub fn seed(self, seed: u64) -> u64 {
        let mut z = seed ^ u64::from(self.index).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why `--shard` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a shard: {reason} (e.g. `--shard 2/4` for shard 2 of 4)")]
pub struct ShardParseError {
    /// The text given.
    pub text: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl FromStr for Shard {
    type Err = ShardParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| ShardParseError {
            text: text.to_string(),
            reason,
        };
        let (k, n) = text.split_once('/').ok_or_else(|| fail("expected K/N"))?;
        let index: u32 = k
            .trim()
            .parse()
            .map_err(|_| fail("K is not a whole number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| fail("N is not a whole number"))?;
        if count == 0 {
            return Err(fail("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(fail("K must be between 1 and N"));
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!(
            "2".parse::<Shard>()
                .unwrap_err()
                .to_string()
                .contains("K/N")
        );
        assert!("a/4".parse::<Shard>().is_err());
    }

    #[test]
    fn rows_are_partitioned_with_no_overlap() {
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for row in 0..100u64 {
            let takers = shards.iter().filter(|s| s.takes_row(row)).count();
            assert_eq!(takers, 1, "row {row}");
        }
        assert!(shards[0].takes_row(0) && shards[1].takes_row(1) && shards[0].takes_row(3));
    }

    #[test]
    fn seeds_differ_per_shard_and_repeat() {
        let a = Shard { index: 1, count: 2 };
        let b = Shard { index: 2, count: 2 };
        assert_ne!(a.seed(42), b.seed(42));
        assert_eq!(a.seed(42), a.seed(42));
    }
}
