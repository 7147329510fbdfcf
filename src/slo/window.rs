//! Windowed objectives (`over:`), judged while the load runs.
//!
//! Windows are tumbling, `over` seconds long, aligned to the end of the
//! warm-up; each is built from the recorder's per-second windows (counts and
//! 2-significant-figure histograms), so memory stays flat however long the
//! run: one accumulating window per windowed objective. A final window cut
//! short by the end of the run is not judged.

use std::time::Duration;

use super::evaluate::{Objective, WindowRule};
use super::expr::SloExpr;
use super::value::{Sample, value};
use crate::core::format::format_value;
use crate::core::summary::{WindowSpan, WindowVerdict};
use crate::metrics::recorder::Window;

/// Judges every windowed objective of a run.
#[derive(Debug)]
pub struct Judge {
    warmup_s: u64,
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    expr: SloExpr,
    window: WindowRule,
    /// Index of the scope's request; `None` for all requests together.
    scope: Option<usize>,
    /// Whether a breach only warns (it then never aborts).
    warn: bool,
    current: Window,
    seconds_in: u64,
    verdict: WindowVerdict,
}

impl Judge {
    /// A judge for the windowed objectives among `objectives`; `names` are the
    /// request names in plan order.
    pub fn new(objectives: &[Objective], names: &[String], warmup: Duration) -> Self {
        let rules = objectives
            .iter()
            .filter_map(|o| {
                let window = o.window?;
                let scope = match &o.expr.scope {
                    Some(name) => Some(names.iter().position(|n| n == name)?),
                    None => None,
                };
                Some(Rule {
                    expr: o.expr.clone(),
                    window,
                    scope,
                    warn: o.warn,
                    current: Window::new(),
                    seconds_in: 0,
                    verdict: WindowVerdict {
                        expression: o.expr.source.clone(),
                        over_s: window.over.as_secs_f64(),
                        windows: 0,
                        breaches: 0,
                        no_data: 0,
                        first_breach: None,
                        worst: None,
                        samples: 0,
                    },
                })
            })
            .collect();
        Judge {
            warmup_s: warmup.as_secs_f64().ceil() as u64,
            rules,
        }
    }

    /// Whether there is anything to judge.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Takes second `t` (covering `[t, t+1)`) of every request; returns why
    /// the run must stop when a window with `abort: true` breached.
    pub fn second(&mut self, t: u64, per_request: &[Window]) -> Option<String> {
        if t < self.warmup_s {
            return None;
        }
        let mut abort = None;
        for rule in &mut self.rules {
            match rule.scope {
                Some(i) => {
                    if let Some(w) = per_request.get(i) {
                        rule.current.merge(w);
                    }
                }
                None => per_request.iter().for_each(|w| rule.current.merge(w)),
            }
            rule.seconds_in += 1;
            let over = rule.window.over.as_secs().max(1);
            if rule.seconds_in < over {
                continue;
            }
            let end = t + 1;
            let span = (end - over, end);
            if let Some(reason) = rule.judge(span)
                && abort.is_none()
            {
                abort = Some(reason);
            }
        }
        abort
    }

    /// The verdicts, in the order of the windowed objectives.
    pub fn finish(self) -> Vec<WindowVerdict> {
        self.rules.into_iter().map(|r| r.verdict).collect()
    }
}

impl Rule {
    /// Judges the window that just closed, `[start, end)` in seconds, and
    /// starts the next; returns an abort reason when it breached and aborts.
    fn judge(&mut self, (start, end): (u64, u64)) -> Option<String> {
        let window = std::mem::take(&mut self.current);
        self.seconds_in = 0;
        let v = &mut self.verdict;
        v.windows += 1;
        v.samples += window.requests;
        let sample = Sample {
            requests: window.requests,
            errors: window.errors,
            // Drops and checks are counted per run, not per second.
            failed_checks: None,
            dropped: None,
            rps: window.requests as f64 / self.window.over.as_secs_f64().max(1.0),
            latency: Some(&window.hist),
        };
        let Some(value) = value(self.expr.metric, &sample) else {
            v.no_data += 1;
            return None;
        };
        let worse = |a: f64, b: f64| if self.expr.op.holds(a, b) { b } else { a };
        v.worst = Some(v.worst.map_or(value, |w| worse(w, value)));
        if self.expr.op.holds(value, self.expr.threshold) {
            return None;
        }
        v.breaches += 1;
        let span = WindowSpan {
            start_s: start as f64,
            end_s: end as f64,
            value,
        };
        v.first_breach.get_or_insert(span);
        let aborts =
            self.window.abort && !self.warn && Duration::from_secs(end) >= self.window.after;
        aborts.then(|| {
            format!(
                "`{}` breached in the window {start}s–{end}s ({} observed); `abort: true` stopped the run",
                self.expr.source,
                format_value(self.expr.metric.quantity(), value)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::histogram::record;
    use crate::slo::expr::parse;

    fn objective(text: &str, over: u64, abort: bool, after: u64) -> Objective {
        Objective {
            expr: parse(text).unwrap(),
            warn: false,
            line: None,
            window: Some(WindowRule {
                over: Duration::from_secs(over),
                abort,
                after: Duration::from_secs(after),
            }),
        }
    }

    fn second(latency_ms: u64, n: u64) -> Vec<Window> {
        let mut w = Window::new();
        for _ in 0..n {
            record(&mut w.hist, latency_ms * 1000);
        }
        w.requests = n;
        vec![w]
    }

    #[test]
    fn names_the_first_breaching_window_and_aborts_after_the_grace() {
        let names = vec!["predict".to_string()];
        let objectives = [objective("p99 < 100ms", 5, true, 12)];
        let mut judge = Judge::new(&objectives, &names, Duration::from_secs(2));
        let mut aborted_at = None;
        for t in 0..30 {
            // Slow between seconds 10 and 15 (and warm-up seconds are ignored).
            let slow = (10..15).contains(&t) || t < 2;
            let reason = judge.second(t, &second(if slow { 500 } else { 10 }, 20));
            if let (Some(reason), None) = (reason, &aborted_at) {
                aborted_at = Some((t, reason));
            }
        }
        let (t, reason) = aborted_at.expect("aborted");
        // Windows: [2,7) [7,12) [12,17): the breach in [7,12) ends before `after`
        // (12 s is not before 12 s, so it aborts there).
        assert_eq!(t, 11, "{reason}");
        assert!(reason.contains("7s–12s"), "{reason}");
        let verdicts = judge.finish();
        let v = &verdicts[0];
        assert_eq!(v.first_breach.unwrap().start_s, 7.0);
        assert_eq!(v.breaches, 2);
        assert_eq!(v.windows, 5);
        assert!(v.worst.unwrap() >= 500.0);
    }

    #[test]
    fn a_scoped_window_without_data_is_no_data() {
        let names = vec!["predict".to_string(), "health".to_string()];
        let objectives = [objective("health.p95 < 1s", 2, false, 0)];
        let mut judge = Judge::new(&objectives, &names, Duration::ZERO);
        for t in 0..4 {
            let mut both = second(10, 5);
            both.push(Window::new());
            assert!(judge.second(t, &both).is_none());
        }
        let v = &judge.finish()[0];
        assert_eq!((v.windows, v.no_data, v.breaches), (2, 2, 0));
    }
}
