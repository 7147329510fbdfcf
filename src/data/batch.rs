//! How many rows a batched feeder hands out per request: `4` or `1..8`.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// Rows per request: a fixed count or a uniform range, both at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// The fewest rows.
    pub min: u32,
    /// The most rows.
    pub max: u32,
}

/// The most rows one request may carry.
const MAX_BATCH: u32 = 10_000;

impl Batch {
    /// Parses `4` or `1..8`.
    ///
    /// # Errors
    ///
    /// A message naming the problem.
    pub fn parse(text: &str) -> Result<Batch, String> {
        let bad = || {
            format!(
                "invalid batch `{text}`: expected a count such as `4` or a range such as `1..8`"
            )
        };
        let number = |t: &str| t.trim().parse::<u32>().map_err(|_| bad());
        let (min, max) = match text.split_once("..") {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(text)?;
                (n, n)
            }
        };
        if min == 0 || min > max || max > MAX_BATCH {
            return Err(format!(
                "invalid batch `{text}`: counts from 1 to {MAX_BATCH}, low before high"
            ));
        }
        Ok(Batch { min, max })
    }

    /// A count for one request.
    pub fn draw(self, rng: &mut fastrand::Rng) -> u32 {
        rng.u32(self.min..=self.max)
    }
}

impl fmt::Display for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}..{}", self.min, self.max)
        }
    }
}

impl<'de> Deserialize<'de> for Batch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = crate::core::values::Scalar::deserialize(d)?;
        Batch::parse(&text.0).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_ranges() {
        assert_eq!(Batch::parse("4"), Ok(Batch { min: 4, max: 4 }));
        assert_eq!(Batch::parse("1..8"), Ok(Batch { min: 1, max: 8 }));
        assert!(Batch::parse("0").is_err());
        assert!(Batch::parse("8..1").is_err());
        assert!(Batch::parse("many").is_err());
        assert_eq!(Batch::parse("2..3").unwrap().to_string(), "2..3");
        let mut rng = fastrand::Rng::with_seed(1);
        let b = Batch::parse("1..8").unwrap();
        assert!(
            (0..100)
                .map(|_| b.draw(&mut rng))
                .all(|n| (1..=8).contains(&n))
        );
    }
}
