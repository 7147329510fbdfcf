//! Data feeders (`data:` in the plan): rows read once from CSV, JSON Lines or
//! JSON files, handed to templates one per request.
//!
//! Orders: `sequential` (shared by all users: each row once per pass, in file
//! order), `shuffle` (the same, in a seeded random order), `random` (a random
//! row each time, never used up) and `per_user` (closed model: user `u` of
//! `U` takes rows `u`, `u + U`, `u + 2U`, …, so no two users share a row).
//! At the end of the data, `on_end: wrap` starts the next pass and
//! `on_end: stop` ends the run cleanly (with `per_user`, each user stops at
//! the end of its share, and the run once every user has).

mod batch;
mod read;
mod row;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use minijinja::Value;
use tokio::sync::watch;

pub use batch::Batch;
pub use read::{DataError, read_rows};
use row::Table;
pub use row::write_column;

/// A feeder's rows: a CSV file's packed in a [`Table`], any other file's as
/// template values.
#[derive(Debug)]
pub enum Rows {
    /// Rows packed, made into template values when drawn.
    Table(Arc<Table>),
    /// Rows as template values.
    Values(Vec<Value>),
}

impl From<Vec<Value>> for Rows {
    fn from(values: Vec<Value>) -> Rows {
        Rows::Values(values)
    }
}

impl Rows {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        match self {
            Rows::Table(t) => t.len(),
            Rows::Values(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `index` (0-based), as templates see it.
    pub fn get(&self, index: usize) -> Option<Value> {
        match self {
            Rows::Table(t) => t.row(index),
            Rows::Values(v) => v.get(index).cloned(),
        }
    }

    /// The rows whose positions `keep` accepts, in order.
    fn retain(self, keep: impl Fn(usize) -> bool) -> Rows {
        match self {
            Rows::Table(t) => Rows::Table(Arc::new(t.retain(keep))),
            Rows::Values(v) => Rows::Values(
                v.into_iter()
                    .enumerate()
                    .filter(|(i, _)| keep(*i))
                    .map(|(_, row)| row)
                    .collect(),
            ),
        }
    }
}

/// How a feeder hands out its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Shared by all users, each row once per pass, in file order.
    #[default]
    Sequential,
    /// Shared by all users, each row once per pass, in a seeded random order.
    Shuffle,
    /// A random row each time (with replacement); never used up.
    Random,
    /// Closed model: the rows are dealt out among users, none shared.
    PerUser,
}

/// What happens when the rows are used up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnEnd {
    /// Start again from the first row.
    #[default]
    Wrap,
    /// End the run cleanly (not an error, not an interruption).
    Stop,
}

/// One feeder: its rows and where it is.
#[derive(Debug)]
pub struct Feeder {
    /// Its name in the plan, and in templates.
    pub name: String,
    rows: Rows,
    order: Order,
    on_end: OnEnd,
    /// Draws so far, for the shared orders.
    cursor: AtomicU64,
    /// The row order of `shuffle`.
    permutation: Vec<u32>,
    /// `per_user`: users whose share is used up.
    users_done: AtomicU32,
    /// Bytes of the file the rows came from.
    pub file_bytes: u64,
    /// Rows per request, when the feeder hands out lists of rows.
    pub batch: Option<Batch>,
}

/// Who draws: enough to deal `per_user` rows and to draw `random` ones.
#[derive(Debug)]
pub struct Drawer<'a> {
    /// The user's index (0-based).
    pub user: u32,
    /// How many users the run has.
    pub users: u32,
    /// How many rows this user has drawn from this feeder so far.
    pub drawn: &'a mut u64,
    /// The random source of this draw.
    pub rng: &'a mut fastrand::Rng,
}

impl Feeder {
    /// A feeder over `rows` (at least one).
    pub fn new(
        name: String,
        rows: impl Into<Rows>,
        order: Order,
        on_end: OnEnd,
        seed: u64,
    ) -> Feeder {
        let rows = rows.into();
        let mut permutation: Vec<u32> = Vec::new();
        if order == Order::Shuffle {
            permutation = (0..u32::try_from(rows.len()).unwrap_or(u32::MAX)).collect();
            fastrand::Rng::with_seed(seed).shuffle(&mut permutation);
        }
        Feeder {
            name,
            rows,
            order,
            on_end,
            cursor: AtomicU64::new(0),
            permutation,
            users_done: AtomicU32::new(0),
            file_bytes: 0,
            batch: None,
        }
    }

    /// Keeps only the rows (0-based positions in the file) that `keep`
    /// accepts, for a shard's share; the order is redrawn from `seed`.
    pub fn retain_rows(&mut self, keep: impl Fn(u64) -> bool, seed: u64) {
        let rows = std::mem::replace(&mut self.rows, Rows::Values(Vec::new()));
        self.rows = rows.retain(|i| keep(i as u64));
        if self.order == Order::Shuffle {
            self.permutation = (0..u32::try_from(self.rows.len()).unwrap_or(u32::MAX)).collect();
            fastrand::Rng::with_seed(seed).shuffle(&mut self.permutation);
        }
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no rows (never true of a validated plan's feeders).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Its order.
    pub fn order(&self) -> Order {
        self.order
    }

    /// The next row for `who`; `None` when the rows are used up and
    /// `on_end` is `stop`.
    pub fn draw(&self, who: &mut Drawer<'_>) -> Option<Value> {
        let len = self.rows.len() as u64;
        if len == 0 {
            return None;
        }
        let index = match self.order {
            Order::Random => who.rng.u64(..len),
            Order::Sequential | Order::Shuffle => {
                let n = self.cursor.fetch_add(1, Ordering::Relaxed);
                if n >= len && self.on_end == OnEnd::Stop {
                    return None;
                }
                let at = n % len;
                match self.order {
                    // The permutation has `len` entries, so `at` is in range.
                    Order::Shuffle => u64::from(self.permutation[at as usize]),
                    _ => at,
                }
            }
            Order::PerUser => {
                let (user, users) = (u64::from(who.user), u64::from(who.users.max(1)));
                // Rows user, user + users, … : how many this user owns.
                let owned = len.saturating_sub(user).div_ceil(users);
                let k = *who.drawn;
                *who.drawn += 1;
                if owned == 0 || (k >= owned && self.on_end == OnEnd::Stop) {
                    return None;
                }
                user + (k % owned) * users
            }
        };
        usize::try_from(index).ok().and_then(|i| self.rows.get(i))
    }

    /// Whether running out ends the run now: at once for the shared orders;
    /// for `per_user`, once the last of `users` users has used up its share
    /// (each user stops at the end of its own share).
    pub fn ends_run(&self, users: u32) -> bool {
        match self.order {
            Order::PerUser => self.users_done.fetch_add(1, Ordering::Relaxed) + 1 >= users,
            _ => true,
        }
    }

    /// Every value of column `column`, as text (for redacting secret columns).
    pub fn values_of<'a>(&'a self, column: &'a str) -> impl Iterator<Item = String> + 'a {
        (0..self.rows.len()).filter_map(move |i| {
            self.rows
                .get(i)?
                .get_attr(column)
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_none())
                .map(|v| v.to_string())
        })
    }

    /// What a template sees for one request: a row, or with `batch` a list
    /// of rows; `None` when the rows are used up.
    pub fn draw_for_request(&self, who: &mut Drawer<'_>) -> Option<Value> {
        let Some(batch) = self.batch else {
            return self.draw(who);
        };
        let n = batch.draw(who.rng);
        let rows: Option<Vec<Value>> = (0..n).map(|_| self.draw(who)).collect();
        rows.map(Value::from)
    }

    /// The column names of the first row, for messages.
    pub fn columns(&self) -> Vec<String> {
        self.rows
            .get(0)
            .and_then(|row| row.try_iter().ok())
            .map(|keys| keys.map(|k| k.to_string()).collect())
            .unwrap_or_default()
    }

    /// What the first draw would see (the first row, or a batch of the
    /// first rows), for checking templates before the run.
    pub fn first(&self) -> Option<Value> {
        match self.batch {
            None => self.rows.get(0),
            Some(batch) => {
                let n = usize::try_from(batch.max)
                    .unwrap_or(usize::MAX)
                    .min(self.rows.len());
                Some(Value::from(
                    (0..n).filter_map(|i| self.rows.get(i)).collect::<Vec<_>>(),
                ))
            }
        }
    }
}

/// The feeders of a run, and the signal that one has run out.
#[derive(Debug)]
pub struct Feeders {
    /// In plan order.
    pub all: Vec<Feeder>,
    end: watch::Sender<Option<String>>,
}

impl Default for Feeders {
    fn default() -> Self {
        Feeders::new(Vec::new())
    }
}

impl Feeders {
    /// The feeders of a plan.
    pub fn new(all: Vec<Feeder>) -> Feeders {
        Feeders {
            all,
            end: watch::channel(None).0,
        }
    }

    /// Says that feeder `index` ran out; the run then ends.
    pub fn used_up(&self, index: usize) {
        let name = self.all.get(index).map_or("?", |f| f.name.as_str());
        let reason = format!("the data `{name}` was used up (on_end: stop)");
        self.end.send_if_modified(|end| {
            if end.is_none() {
                *end = Some(reason);
                true
            } else {
                false
            }
        });
    }

    /// Completes once a feeder with `on_end: stop` has run out.
    pub async fn ended(&self) {
        let mut rx = self.end.subscribe();
        let ended = rx.wait_for(Option::is_some).await.is_ok();
        if !ended {
            // The sender lives as long as `self`: never reached.
            std::future::pending::<()>().await;
        }
    }

    /// Why the run ended early, if a feeder ran out.
    pub fn end_reason(&self) -> Option<String> {
        self.end.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u32) -> Vec<Value> {
        (0..n).map(Value::from).collect()
    }

    fn draw_all(f: &Feeder, user: u32, users: u32, times: usize) -> Vec<Option<i64>> {
        let mut drawn = 0;
        let mut rng = fastrand::Rng::with_seed(1);
        (0..times)
            .map(|_| {
                let mut who = Drawer {
                    user,
                    users,
                    drawn: &mut drawn,
                    rng: &mut rng,
                };
                f.draw(&mut who).and_then(|v| i64::try_from(v).ok())
            })
            .collect()
    }

    #[test]
    fn sequential_wraps_or_stops() {
        let f = Feeder::new("d".into(), rows(3), Order::Sequential, OnEnd::Wrap, 0);
        let got = draw_all(&f, 0, 1, 5);
        assert_eq!(got, [Some(0), Some(1), Some(2), Some(0), Some(1)]);
        let f = Feeder::new("d".into(), rows(3), Order::Sequential, OnEnd::Stop, 0);
        assert_eq!(draw_all(&f, 0, 1, 4), [Some(0), Some(1), Some(2), None]);
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let f = Feeder::new("d".into(), rows(50), Order::Shuffle, OnEnd::Stop, 9);
        let mut got: Vec<i64> = draw_all(&f, 0, 1, 50).into_iter().flatten().collect();
        assert_ne!(got, (0..50).collect::<Vec<_>>(), "not in file order");
        got.sort_unstable();
        assert_eq!(got, (0..50).collect::<Vec<_>>(), "each row once");
    }

    #[test]
    fn per_user_deals_rows_without_overlap() {
        let f = Feeder::new("d".into(), rows(10), Order::PerUser, OnEnd::Stop, 0);
        let mut all: Vec<i64> = Vec::new();
        for user in 0..3 {
            let got: Vec<i64> = draw_all(&f, user, 3, 5).into_iter().flatten().collect();
            assert!(got.iter().all(|r| r % 3 == i64::from(user)), "{got:?}");
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn random_never_runs_out() {
        let f = Feeder::new("d".into(), rows(2), Order::Random, OnEnd::Stop, 0);
        assert!(draw_all(&f, 0, 1, 20).iter().all(Option::is_some));
    }
}
