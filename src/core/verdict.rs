//! The verdict of a run and the process exit code it maps to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The process exit code: a contract, documented in the README.
///
/// | code | meaning |
/// |---|---|
/// | 0 | ran, every SLO and regression rule held |
/// | 1 | ran, the gate failed: an SLO breached, a regression beyond its rule, no data |
/// | 2 | invalid invocation or plan, or a report path that is not writable (all checked before the load): nothing was sent |
/// | 3 | could not run: target never became ready, `serve` died, a report could not be written after the run, the generator itself could not keep up (an invalid measurement is not a pass) |
/// | 130 | interrupted (SIGINT/SIGTERM): partial reports written and marked partial |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ExitCode {
    /// 0: ran, every SLO and regression rule held.
    Pass = 0,
    /// 1: ran, the gate failed (an SLO breached, a regression, no data).
    Fail = 1,
    /// 2: invalid invocation or plan, or an unwritable report path; nothing was sent.
    Invalid = 2,
    /// 3: could not run, or the measurement cannot be trusted.
    CouldNotRun = 3,
    /// 130: interrupted; partial reports were written and marked partial.
    Interrupted = 130,
}

impl ExitCode {
    /// The numeric code for `std::process::exit`.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// How the run came out as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every SLO held (exit 0).
    Pass,
    /// An SLO breached or had no data (exit 1).
    Fail,
    /// The run could not be carried out properly, or its measurement cannot be trusted (exit 3).
    Invalid,
    /// The run was interrupted; the results cover only part of it (exit 130).
    /// Reports written before this name existed call it `partial`.
    #[serde(alias = "partial")]
    Interrupted,
}

impl Outcome {
    /// The exit code this outcome maps to.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Pass => ExitCode::Pass,
            Outcome::Fail => ExitCode::Fail,
            Outcome::Invalid => ExitCode::CouldNotRun,
            Outcome::Interrupted => ExitCode::Interrupted,
        }
    }

    /// The outcome in capitals, as the terminal and JUnit show it: `PASS`, `FAIL`, `INVALID`, `INTERRUPTED`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Invalid => "INVALID",
            Outcome::Interrupted => "INTERRUPTED",
        }
    }
}

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// The outcome.
    pub outcome: Outcome,
    /// The process exit code that goes with it.
    pub exit_code: i32,
    /// Why, one sentence each: the message of every failing SLO, or what went wrong.
    pub reasons: Vec<String>,
}

impl Verdict {
    /// The verdict for `outcome`, with its exit code, for these reasons.
    pub fn new(outcome: Outcome, reasons: Vec<String>) -> Self {
        Verdict {
            outcome,
            exit_code: outcome.exit_code().code(),
            reasons,
        }
    }

    /// A verdict for a run that could not be carried out properly, or whose
    /// measurement cannot be trusted (exit 3).
    pub fn invalid(reason: String) -> Self {
        Verdict::new(Outcome::Invalid, vec![reason])
    }

    /// Turns a passing verdict into a failing one (exit 1) and adds `reasons`;
    /// a failing one gains the reasons; an invalid or interrupted one keeps its
    /// outcome and gains them too. Nothing changes when `reasons` is empty.
    pub fn fail_with(mut self, reasons: Vec<String>) -> Self {
        if reasons.is_empty() {
            return self;
        }
        if self.outcome == Outcome::Pass {
            self.outcome = Outcome::Fail;
            self.exit_code = Outcome::Fail.exit_code().code();
        }
        self.reasons.extend(reasons);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_contract() {
        assert_eq!(ExitCode::Pass.code(), 0);
        assert_eq!(ExitCode::Fail.code(), 1);
        assert_eq!(ExitCode::Invalid.code(), 2);
        assert_eq!(ExitCode::CouldNotRun.code(), 3);
        assert_eq!(ExitCode::Interrupted.code(), 130);
    }

    #[test]
    fn invalid_runs_exit_3() {
        let v = Verdict::invalid("the target never became ready".to_string());
        assert_eq!(v.outcome, Outcome::Invalid);
        assert_eq!(v.exit_code, 3);
        assert_eq!(v.outcome.exit_code(), ExitCode::CouldNotRun);
        assert_eq!(v.reasons, ["the target never became ready"]);
    }

    #[test]
    fn failing_a_pass_changes_its_exit_code_but_an_invalid_run_stays_invalid() {
        let pass = Verdict::new(Outcome::Pass, Vec::new());
        assert_eq!(pass.clone().fail_with(Vec::new()), pass);
        let failed = pass.fail_with(vec!["regression: p95".to_string()]);
        assert_eq!(failed.outcome, Outcome::Fail);
        assert_eq!(failed.exit_code, 1);
        assert_eq!(failed.reasons, ["regression: p95"]);
        let invalid = Verdict::invalid("died".to_string()).fail_with(vec!["r".to_string()]);
        assert_eq!(invalid.outcome, Outcome::Invalid);
        assert_eq!(invalid.exit_code, 3);
        assert_eq!(invalid.reasons, ["died", "r"]);
    }

    #[test]
    fn serialises_in_snake_case() {
        let v = Verdict::new(Outcome::Pass, Vec::new());
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["outcome"], "pass");
        assert_eq!(json["exit_code"], 0);
        let back: Verdict = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
        let old: Outcome = serde_json::from_str("\"partial\"").unwrap();
        assert_eq!(old, Outcome::Interrupted);
        assert_eq!(
            serde_json::to_value(Outcome::Interrupted).unwrap(),
            "interrupted"
        );
    }
}
