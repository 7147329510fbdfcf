//! Closed-model stages: users ramp up and down on schedule, and a user that
//! leaves finishes its request first.

mod common;

use std::time::Duration;

use common::{Behaviour, Target, run_plan, scratch};

#[test]
fn users_ramp_up_and_down_and_finish_their_requests() {
    let target = Target::start(Behaviour {
        latency: Duration::from_millis(300),
        fail_every: 0,
    });
    let dir = scratch("stages");
    let plan = format!(
        "name: stages\nhost: {}\nload:\n  stages:\n    - {{ users: 8, over: 4s }}\n    - {{ users: 8, over: 2s }}\n    - {{ users: 0, over: 4s }}\n  think_time: 50ms\n  seed: 9\n  grace: 2s\nrequests:\n  - name: get\n    path: /\nslo:\n  - error_rate == 0%\n",
        target.url
    );
    let ran = run_plan(&dir, &plan, &["--json", "s.json"]);
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = ran.report();
    assert_eq!(report["load"]["users"], 8);
    assert_eq!(report["load"]["peak_users"], 8);
    assert_eq!(
        report["load"]["duration_s"], 10.0,
        "duration defaults to the stages' total"
    );
    assert_eq!(
        report["load"]["cancelled"], 0,
        "leaving users finish their requests: {:#}",
        report["load"]
    );
    let users: Vec<u64> = report["overall"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["users"].as_u64().unwrap())
        .collect();
    // Seconds end at 1..=10: the count climbs by 2 a second, holds 8, then falls.
    assert!(users[1] >= 3 && users[1] <= 5, "{users:?}");
    assert_eq!(users[4], 8, "{users:?}");
    assert!(users[8] <= 3, "{users:?}");
    let top = users.iter().position(|&u| u == 8).unwrap();
    assert!(
        users[..top].windows(2).all(|w| w[0] <= w[1]),
        "rising then falling: {users:?}"
    );
    assert_eq!(
        report["overall"]["requests"].as_u64().unwrap()
            + report["load"]["warmup_requests"].as_u64().unwrap(),
        target.received()
    );
}
