//! The functions templates can call. Every random one draws from the
//! render's own generator, seeded from the run's seed, the user, the
//! iteration and the request, so the same seed replays the same bodies.

use std::cell::RefCell;

use minijinja::value::Rest;
use minijinja::{Environment, Error, ErrorKind, Value};

thread_local! {
    /// The generator of the render running on this thread. Rendering never
    /// awaits, so a render cannot be interleaved with another on its thread.
    static RNG: RefCell<fastrand::Rng> = const { RefCell::new(fastrand::Rng::with_seed(0)) };
}

/// Runs `render` with the thread's generator seeded with `seed`.
pub fn seeded<R>(seed: u64, render: impl FnOnce() -> R) -> R {
    RNG.with(|rng| rng.borrow_mut().seed(seed));
    render()
}

fn with_rng<R>(draw: impl FnOnce(&mut fastrand::Rng) -> R) -> R {
    RNG.with(|rng| draw(&mut rng.borrow_mut()))
}

/// The names of the functions, which templates may use as variables too.
pub const NAMES: [&str; 7] = [
    "random_int",
    "random_float",
    "choice",
    "uuid",
    "now",
    "now_ms",
    "random_string",
];

/// The filter that writes a one-expression JSON leaf: the value as JSON,
/// keeping its type; an undefined value is an error, never `null`.
pub const TYPED_FILTER: &str = "_typed_json";

/// Adds the functions (and the typed-leaf filter) to `env`.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter(TYPED_FILTER, typed_json);
    env.add_function("random_int", random_int);
    env.add_function("random_float", random_float);
    env.add_function("choice", choice);
    env.add_function("uuid", uuid);
    env.add_function("now", now);
    env.add_function("now_ms", now_ms);
    env.add_function("random_string", random_string);
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

fn typed_json(value: Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "the value is undefined",
        ));
    }
    serde_json::to_string(&value)
        .map_err(|e| invalid(format!("cannot write the value as JSON: {e}")))
}

/// A whole number from `low` to `high`, both included.
fn random_int(low: i64, high: i64) -> Result<i64, Error> {
    if low > high {
        return Err(invalid(format!(
            "random_int({low}, {high}): the low bound is above the high one"
        )));
    }
    Ok(with_rng(|r| r.i64(low..=high)))
}

/// A number from `low` (included) to `high` (excluded).
fn random_float(low: f64, high: f64) -> Result<f64, Error> {
    if !(low.is_finite() && high.is_finite() && low <= high) {
        return Err(invalid(format!(
            "random_float({low}, {high}): expected finite bounds, low ≤ high"
        )));
    }
    Ok(low + with_rng(fastrand::Rng::f64) * (high - low))
}

/// One item of a list (or one of the arguments, when given several).
fn choice(items: Rest<Value>) -> Result<Value, Error> {
    let pick = |len: usize| with_rng(|r| r.usize(..len));
    match items.as_slice() {
        [] => Err(invalid("choice() needs a list".into())),
        [one] if one.len().is_some() => {
            let len = one.len().unwrap_or(0);
            if len == 0 {
                return Err(invalid("choice() of an empty list".into()));
            }
            one.get_item(&Value::from(pick(len)))
        }
        many => Ok(many[pick(many.len())].clone()),
    }
}

/// A random (version 4) UUID, from the seeded generator.
fn uuid() -> String {
    let (high, low) = with_rng(|r| (r.u64(..), r.u64(..)));
    // Version 4 in the 13th hex digit, the RFC 4122 variant in the 17th.
    let high = (high & !0xf000) | 0x4000;
    let low = (low & !(0xc << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// The current time, RFC 3339 in UTC with milliseconds.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The current time in milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `n` random letters and digits.
fn random_string(n: u32) -> Result<String, Error> {
    if n > 1_000_000 {
        return Err(invalid(format!(
            "random_string({n}): at most 1000000 characters"
        )));
    }
    Ok(with_rng(|r| (0..n).map(|_| r.alphanumeric()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same() {
        let draw = || {
            seeded(7, || {
                (
                    random_int(1, 100).unwrap(),
                    uuid(),
                    random_string(8).unwrap(),
                )
            })
        };
        assert_eq!(draw(), draw());
        let other = seeded(8, || random_int(1, 1_000_000).unwrap());
        let again = seeded(7, || random_int(1, 1_000_000).unwrap());
        assert_ne!(other, again);
    }

    #[test]
    fn uuids_are_version_4() {
        let id = seeded(1, uuid);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!("89ab".contains(&id[19..20]), "{id}");
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(random_int(5, 1).is_err());
        assert!(random_float(1.0, f64::NAN).is_err());
        assert!(choice(Rest(vec![])).is_err());
        assert!(choice(Rest(vec![Value::from(Vec::<i32>::new())])).is_err());
        let one = seeded(3, || choice(Rest(vec![Value::from(vec![5, 6])])).unwrap());
        assert!(one == Value::from(5) || one == Value::from(6));
    }
}
