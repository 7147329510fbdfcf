//! Every malformed plan under `tests/bad_plans/` exits 2 with its file, line
//! and column and a message a person can act on, and the target receives zero
//! requests: a bad plan sends nothing.

mod common;

use common::{Behaviour, Target, code, output, perfgate, streams};

/// (file, the location printed, a fragment of the message).
const CASES: &[(&str, &str, &str)] = &[
    ("bad_duration", ":5:13", "invalid duration `10 parsecs`"),
    ("bad_method", ":8:13", "unknown HTTP method `FETCH`"),
    (
        "bad_request_name",
        ":7:11",
        "invalid request name `pre dict`",
    ),
    ("bad_slo", ":12:5", "invalid SLO `p95 < fast`"),
    ("bad_spawn_rate", ":5:15", "invalid rate `fast`"),
    ("bad_status", ":12:15", "invalid status `700`"),
    ("duplicate_key", ":5:3", "duplicate key `users`"),
    ("duplicate_name", ":9:11", "duplicate request name `a`"),
    ("empty", "empty.yaml", "the plan is empty"),
    ("host_bad_scheme", ":2:7", "scheme `ftp` is not supported"),
    ("host_no_scheme", ":2:7", "it has no scheme"),
    ("host_with_path", ":2:7", "must not have a path"),
    ("huge_users", ":4:10", "from 0 to 4294967295"),
    ("json_file_not_json", ":10:16", "is not valid JSON"),
    (
        "missing_env_var",
        ":8:28",
        "environment variable `PERFGATE_TEST_UNSET_TOKEN` is not set",
    ),
    ("missing_host", ":5:1", "missing required key `host`"),
    ("missing_json_file", ":10:16", "cannot read json_file"),
    ("nan_rate", ":5:15", "NaN and infinity are not allowed"),
    ("negative_weight", ":8:13", "whole number"),
    ("no_requests", ":6:1", "has no `requests` and no `flows`"),
    ("path_without_slash", ":9:11", "`path` must start with `/`"),
    ("reserved_name_all", ":7:11", "`all` is reserved"),
    ("slo_percentile_over_100", ":12:5", "out of range"),
    ("slo_unknown_metric", ":12:5", "unknown metric `latency`"),
    ("slo_unknown_request", ":12:5", "did you mean `predict`?"),
    ("tab_indent", ":4:2", "a tab is used for indentation"),
    (
        "think_time_reversed",
        ":6:15",
        "lower bound is above the upper bound",
    ),
    ("two_bodies", ":7:11", "more than one body"),
    ("unknown_key", ":5:3", "did you mean `spawn_rate`?"),
    ("unknown_top_key", ":11:1", "did you mean `slo`?"),
    (
        "warmup_too_long",
        ":6:11",
        "must be shorter than `duration`",
    ),
    ("wrong_type", ":4:10", "whole number"),
    ("yaml_syntax", ":7:11", "unclosed quote"),
    (
        "yaml_unclosed_flow",
        ":3:28",
        "invalid duration `1s requests`",
    ),
    (
        "zero_duration",
        ":5:13",
        "`duration` must be longer than 0s",
    ),
    ("zero_users", ":4:10", "`users` must be at least 1"),
    (
        "zero_weights",
        ":6:1",
        "every request and flow has weight 0",
    ),
    ("yaml_bomb", ":14:22", "too many YAML nodes"),
    ("deep_nesting", ":8:266", "nested too deeply"),
    ("huge_duration", ":5:13", "number is too large"),
    ("negative_duration", ":5:13", "invalid duration `-5s`"),
    ("negative_timeout", ":5:12", "invalid duration `-1s`"),
    ("absurd_rate", ":4:9", "more than 100000000 per second"),
    (
        "inf_think_time",
        ":6:15",
        "NaN and infinity are not allowed",
    ),
    ("huge_weight", ":6:13", "whole number"),
    (
        "unicode_name",
        ":5:11",
        "invalid request name `prédiction\\u{202e}`",
    ),
    ("users_and_rate", ":3:1", "conflicting load settings"),
    (
        "header_injection",
        ":5:11",
        "characters HTTP does not allow",
    ),
    ("slo_negative_threshold", ":10:5", "is not a number"),
    ("host_userinfo", ":2:7", "must not carry credentials"),
    (
        "json_file_device",
        ":8:16",
        "larger than the limit of 67108864 bytes",
    ),
    (
        "feeder_ragged_csv",
        ":5:18",
        "line 3: the row has 3 fields but the header has 2",
    ),
    (
        "template_syntax",
        ":8:18",
        "invalid template in json: syntax error",
    ),
    (
        "template_unknown_variable",
        ":7:11",
        "unknown variable `usr`",
    ),
    (
        "per_user_open_model",
        ":5:18",
        "`order: per_user` needs the closed model",
    ),
    ("bad_batch", ":5:45", "invalid batch `8..1`"),
    ("flow_capture_outside", ":7:22", "only flow steps capture"),
    ("flow_step_weight", ":9:17", "steps are sent in order"),
    (
        "flow_capture_later",
        ":9:35",
        "`token` is captured by a later step",
    ),
    (
        "flow_bad_capture",
        ":9:26",
        "invalid JSON path `access_token`",
    ),
    ("flow_slo", ":10:5", "did you mean `flow.checkout`?"),
    ("flow_slo_check_rate", ":10:5", "flows have no `check_rate`"),
    ("connections_unknown", ":3:14", "unknown value `pooled`"),
    (
        "connections_per_user_open_model",
        ":4:14",
        "`connections: per_user` needs the closed model",
    ),
    ("ca_file_missing", ":4:12", "cannot read ca_file"),
    ("ca_file_not_pem", ":3:16", "holds no PEM certificate"),
    (
        "proxy_bad_scheme",
        ":3:8",
        "invalid proxy `ftp://127.0.0.1:21`: scheme `ftp` is not supported",
    ),
];

#[test]
fn every_bad_plan_exits_2_with_its_location_and_sends_nothing() {
    let target = Target::start(Behaviour::default());
    let on_disk = std::fs::read_dir(common::root().join("tests/bad_plans"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    assert_eq!(
        on_disk,
        CASES.len(),
        "every file in tests/bad_plans/ needs a row in CASES"
    );
    let mut failures = Vec::new();
    for (name, location, fragment) in CASES {
        let file = format!("tests/bad_plans/{name}.yaml");
        for subcommand in ["run", "validate"] {
            let out = output(
                perfgate()
                    .args([subcommand, &file])
                    .env("TARGET", &target.url)
                    .env_remove("PERFGATE_TEST_UNSET_TOKEN"),
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            let expected_at = format!(
                "{file}{}",
                location.trim_start_matches(&format!("{name}.yaml"))
            );
            if code(&out) != 2 || !stderr.contains(&expected_at) || !stderr.contains(fragment) {
                failures.push(format!(
                    "{subcommand} {file}: expected exit 2 with `{expected_at}` and `{fragment}`, got {}\n{}",
                    code(&out),
                    streams(&out)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(target.received(), 0, "a bad plan must send no requests");
}

#[test]
fn a_directory_and_a_binary_file_are_refused() {
    let dir = common::scratch("binary");
    let binary = dir.join("plan.yaml");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 0xff, 0xfe]).unwrap();
    for path in [dir.as_path(), binary.as_path()] {
        let out = output(perfgate().arg("run").arg(path));
        assert_eq!(code(&out), 2, "{}", streams(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error:"),
            "{}",
            streams(&out)
        );
    }
    let out = output(perfgate().args(["run", "tests/bad_plans/no_such_plan.yaml"]));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No such file"),
        "{}",
        streams(&out)
    );
}
