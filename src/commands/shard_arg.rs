//! `--shard K/N|auto` and `--shards N` resolved to the shard this process
//! runs. `auto` is for a Kubernetes Indexed Job: the index comes from the
//! pod's `JOB_COMPLETION_INDEX`, the count from `--shards` or `PERFGATE_SHARDS`.

use crate::cli::ShardArg;
use crate::core::shard::Shard;

/// The variable a Kubernetes Indexed Job sets in each pod: its 0-based index.
pub const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";

/// The variable that gives the number of shards when `--shards` does not.
pub const COUNT_VAR: &str = "PERFGATE_SHARDS";

/// Why `--shard`/`--shards` do not name a shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardArgError {
    /// `--shards` without `--shard auto`.
    #[error(
        "`--shards {0}` goes with `--shard auto`; `--shard K/N` already names the count, \
         and without `--shard` the run is not sharded"
    )]
    CountWithoutAuto(u32),
    /// `--shard auto` outside an Indexed Job.
    #[error(
        "`--shard auto` reads the shard index from {INDEX_VAR}, which is not set: a \
         Kubernetes Indexed Job sets it in each pod; elsewhere give `--shard K/N`"
    )]
    NoIndex,
    /// The index variable is not a whole number.
    #[error(
        "{INDEX_VAR} is `{0}`, not a shard index: `--shard auto` expects a whole number \
         from 0 (a Kubernetes Indexed Job's completion index)"
    )]
    BadIndex(String),
    /// Neither `--shards` nor the count variable.
    #[error(
        "`--shard auto` needs the number of shards: give `--shards N` or set {COUNT_VAR} \
         (the Job's `completions`)"
    )]
    NoCount,
    /// The count variable is not a whole number of at least 1.
    #[error("{COUNT_VAR} is `{0}`, not a number of shards: expected a whole number, at least 1")]
    BadCount(String),
    /// The index is past the last shard.
    #[error(
        "{INDEX_VAR} is {index}, but there are {count} shards (indexes 0 to {last}): \
         the number of shards must match the Job's `completions`",
        last = count - 1
    )]
    IndexOutOfRange {
        /// The 0-based index given.
        index: u32,
        /// The number of shards.
        count: u32,
    },
}

/// The shard this process runs, if any. `env` reads an environment variable
/// (`None` when unset; an empty value counts as unset).
pub fn resolve(
    shard: Option<ShardArg>,
    shards: Option<u32>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, ShardArgError> {
    match (shard, shards) {
        (Some(ShardArg::Auto), _) => auto(shards, env).map(Some),
        (_, Some(count)) => Err(ShardArgError::CountWithoutAuto(count)),
        (Some(ShardArg::Given(given)), None) => Ok(Some(given)),
        (None, None) => Ok(None),
    }
}

/// The environment as [`resolve`] reads it.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// `--shard auto`: index from [`INDEX_VAR`], count from `--shards` or [`COUNT_VAR`].
fn auto(shards: Option<u32>, env: impl Fn(&str) -> Option<String>) -> Result<Shard, ShardArgError> {
    let set = |name| env(name).filter(|v| !v.trim().is_empty());
    let raw = set(INDEX_VAR).ok_or(ShardArgError::NoIndex)?;
    let index: u32 = raw
        .trim()
        .parse()
        .map_err(|_| ShardArgError::BadIndex(raw.clone()))?;
    let count = match shards {
        Some(count) => count,
        None => {
            let raw = set(COUNT_VAR).ok_or(ShardArgError::NoCount)?;
            raw.trim()
                .parse()
                .ok()
                .filter(|&n: &u32| n >= 1)
                .ok_or(ShardArgError::BadCount(raw))?
        }
    };
    if index >= count {
        return Err(ShardArgError::IndexOutOfRange { index, count });
    }
    Ok(Shard {
        index: index + 1,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn auto_takes_the_index_and_a_count() {
        let env = with(&[(INDEX_VAR, "0"), (COUNT_VAR, "4")]);
        let first = resolve(Some(ShardArg::Auto), None, &env).unwrap();
        assert_eq!(first, Some(Shard { index: 1, count: 4 }));
        let env = with(&[(INDEX_VAR, "2"), (COUNT_VAR, "99")]);
        let flag_wins = resolve(Some(ShardArg::Auto), Some(3), &env).unwrap();
        assert_eq!(flag_wins, Some(Shard { index: 3, count: 3 }));
    }

    #[test]
    fn given_shards_and_none_pass_through() {
        let env = with(&[(INDEX_VAR, "7"), (COUNT_VAR, "2")]);
        let given = Shard { index: 2, count: 4 };
        assert_eq!(
            resolve(Some(ShardArg::Given(given)), None, &env),
            Ok(Some(given))
        );
        assert_eq!(resolve(None, None, &env), Ok(None));
    }

    #[test]
    fn every_mistake_is_named() {
        let auto = |shards, vars: &[(&str, &str)]| {
            resolve(Some(ShardArg::Auto), shards, with(vars)).unwrap_err()
        };
        assert_eq!(auto(Some(4), &[]), ShardArgError::NoIndex);
        assert_eq!(auto(Some(4), &[(INDEX_VAR, " ")]), ShardArgError::NoIndex);
        assert_eq!(
            auto(Some(4), &[(INDEX_VAR, "-1")]),
            ShardArgError::BadIndex("-1".into())
        );
        assert_eq!(auto(None, &[(INDEX_VAR, "1")]), ShardArgError::NoCount);
        assert_eq!(
            auto(None, &[(INDEX_VAR, "1"), (COUNT_VAR, "0")]),
            ShardArgError::BadCount("0".into())
        );
        let out = auto(Some(4), &[(INDEX_VAR, "4")]);
        assert_eq!(out, ShardArgError::IndexOutOfRange { index: 4, count: 4 });
        assert!(out.to_string().contains("indexes 0 to 3"), "{out}");
        let given = ShardArg::Given(Shard { index: 1, count: 2 });
        assert_eq!(
            resolve(Some(given), Some(2), with(&[])),
            Err(ShardArgError::CountWithoutAuto(2))
        );
        assert_eq!(
            resolve(None, Some(2), with(&[])),
            Err(ShardArgError::CountWithoutAuto(2))
        );
        assert!(ShardArgError::NoIndex.to_string().contains("--shard K/N"));
    }
}
