//! Sharded runs: shard K of N puts its share of the plan's load on the target,
//! so that N shards together equal the plan.
//!
//! * Users (and each user stage) are split as evenly as whole users allow, the
//!   remainder going to the first shards: 10 users over 3 shards is 4/3/3.
//! * Arrival rates are split in thousandths of an arrival per second the same
//!   way, so the shares sum exactly to the plan's rate.
//! * Seeds are derived per shard, so shards never repeat each other's choices.
//! * Data rows are partitioned by [`Shard::takes_row`](crate::core::shard::Shard::takes_row): row `i` belongs to
//!   shard `i mod N`.

mod apply;

pub use apply::{SplitError, apply};
