//! Scaling a validated plan down to one shard's share.

use crate::core::shard::Shard;
use crate::plan::ValidPlan;
use crate::plan::valid::Workload;

/// Why a plan cannot be split into the shards asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot run shard {shard}: {reason}")]
pub struct SplitError {
    /// The shard asked for.
    pub shard: Shard,
    /// What is wrong.
    pub reason: String,
}

/// Gives `plan` shard `shard`'s share of the load, of the feeders' rows
/// (row `i` to shard `i mod N`) and its own seed, and records the shard in it.
pub fn apply(plan: &mut ValidPlan, shard: Shard) -> Result<(), SplitError> {
    match &mut plan.load {
        Workload::Closed(load) => {
            let users = shard.share_of_count(load.users);
            if users == 0 {
                return Err(SplitError {
                    shard,
                    reason: format!(
                        "the plan has {} users, so at most {} shards each get one",
                        load.users, load.users
                    ),
                });
            }
            load.users = users;
            load.start_users = shard.share_of_count(load.start_users);
            for stage in &mut load.stages {
                stage.users = shard.share_of_count(stage.users);
            }
            load.spawn_rate = shard.share_of_rate(load.spawn_rate).max(0.001);
            load.seed = shard.seed(load.seed);
        }
        Workload::Open(load) => {
            load.start_rate = shard.share_of_rate(load.start_rate);
            for stage in &mut load.stages {
                stage.rate = shard.share_of_rate(stage.rate);
            }
            load.max_in_flight = load.max_in_flight.div_ceil(shard.count).max(1);
            load.seed = shard.seed(load.seed);
        }
    }
    // Feeder rows are dealt out among the shards, never duplicated.
    let seed = plan.load.seed();
    if let Some(templating) = std::sync::Arc::get_mut(&mut plan.templating)
        && let Err(feeder) = templating.narrow(seed, |row| shard.takes_row(row))
    {
        return Err(SplitError {
            shard,
            reason: format!("the data `{feeder}` has fewer rows than there are shards"),
        });
    }
    plan.shard = Some(shard);
    Ok(())
}
