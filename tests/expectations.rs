//! Expectations beyond the status, end to end: one request per check kind
//! that passes and one that fails, against a target on 127.0.0.1 that
//! always answers the same JSON.

mod common;

use axum::Router;
use axum::routing::get;
use common::{code, output, perfgate, read_valid_report, scratch, serve_app, streams, write_plan};
use serde_json::Value;

const ANSWER: &str =
    r#"{"preds": ["0", "1"], "items": [{"score": 0.2}, {"score": 0.9}], "model": "logreg-v3"}"#;

/// (request name, `expect:` block, the failure message's start when it fails).
const CASES: &[(&str, &str, Option<&str>)] = &[
    ("exists-ok", r#"{json: {"$.preds": exists}}"#, None),
    (
        "exists-bad",
        r#"{json: {"$.labels": exists}}"#,
        Some("expect `$.labels` exists: nothing matched"),
    ),
    (
        "equals-ok",
        r#"{json: {"$.preds[1]": {equals: "1"}}}"#,
        None,
    ),
    (
        "equals-bad",
        r#"{json: {"$.preds[0]": {equals: "1"}}}"#,
        Some("expect `$.preds[0]` equals \"1\": got \"0\""),
    ),
    (
        "matches-ok",
        r#"{json: {"$.model": {matches: "^logreg-v[0-9]+$"}}}"#,
        None,
    ),
    (
        "matches-bad",
        r#"{json: {"$.model": {matches: "^xgb"}}}"#,
        Some("expect `$.model` matches `^xgb`"),
    ),
    ("type-ok", r#"{json: {"$.preds[*]": {type: string}}}"#, None),
    (
        "type-bad",
        r#"{json: {"$.items": {type: object}}}"#,
        Some("expect `$.items` type object"),
    ),
    (
        "below-ok",
        r#"{json: {"$.items[*].score": {"<": 1}}}"#,
        None,
    ),
    (
        "below-bad",
        r#"{json: {"$.items[*].score": {"<": 0.5}}}"#,
        Some("expect `$.items[*].score` < 0.5: got 0.9"),
    ),
    (
        "above-ok",
        r#"{json: {"$.items[*].score": {">": 0}}}"#,
        None,
    ),
    (
        "above-bad",
        r#"{json: {"$.items[*].score": {">": 0.5}}}"#,
        Some("expect `$.items[*].score` > 0.5: got 0.2"),
    ),
    ("length-ok", r#"{json: {"$.preds": {length: 2}}}"#, None),
    (
        "length-bad",
        r#"{json: {"$.preds": {length: 3}}}"#,
        Some("expect `$.preds` length 3: got"),
    ),
    ("contains-ok", r#"{body_contains: "logreg"}"#, None),
    (
        "contains-bad",
        r#"{body_contains: "xgboost"}"#,
        Some("expect body_contains `xgboost`: not found"),
    ),
    (
        "body-matches-ok",
        r#"{body_matches: "\"preds\":\\s*\\["}"#,
        None,
    ),
    (
        "body-matches-bad",
        r#"{body_matches: "^<html"}"#,
        Some("expect body_matches `^<html`: no match"),
    ),
    (
        "header-ok",
        r#"{header: {Content-Type: application/json}}"#,
        None,
    ),
    (
        "header-bad",
        r#"{header: {x-model: logreg-v3}}"#,
        Some("expect header `x-model` = `logreg-v3`: the header is missing"),
    ),
    ("size-ok", r#"{max_size: 1000}"#, None),
    (
        "size-bad",
        r#"{max_size: 10}"#,
        Some("expect max_size 10 bytes: the body has"),
    ),
];

fn start() -> (String, tokio::runtime::Runtime) {
    let app = Router::new().fallback(get(|| async {
        ([("content-type", "application/json")], ANSWER)
    }));
    serve_app(app)
}

#[test]
fn each_check_passes_and_fails_and_says_which() {
    let (url, _runtime) = start();
    let dir = scratch("expectations");
    let requests: String = CASES
        .iter()
        .map(|(name, expect, _)| {
            format!("  - name: {name}\n    path: /{name}\n    expect: {expect}\n")
        })
        .collect();
    let plan = format!(
        "name: checks\nhost: {url}\nload: {{users: 4, duration: 2s, think_time: 5ms}}\nrequests:\n{requests}\
         slo:\n  - exists-ok.check_rate == 100%\n  - check_rate > 40%\n  - check_rate < 60%\n  - equals-bad.check_rate == 0%\n\
         reports: {{json: r.json}}\n"
    );
    let path = write_plan(&dir, &plan);
    let out = output(perfgate().arg("run").arg(&path).current_dir(&dir));
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let report = read_valid_report(&dir.join("r.json"));
    for (name, _, failure) in CASES {
        let stats = report["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == *name)
            .unwrap();
        let requests = stats["requests"].as_u64().unwrap();
        assert!(requests > 0, "{name}");
        let errors = &stats["errors"];
        match failure {
            None => assert_eq!(errors["total"], 0, "{name}: {stats:#}"),
            Some(start) => {
                assert_eq!(
                    errors["expectation"].as_u64(),
                    Some(requests),
                    "{name}: {errors}"
                );
                assert_eq!(errors["total"].as_u64(), Some(requests), "{name}");
                let example = &stats["error_examples"][0];
                assert_eq!(example["kind"], "expectation");
                let message = example["message"].as_str().unwrap();
                assert!(
                    message.starts_with(start),
                    "{name}: `{message}` should start with `{start}`"
                );
            }
        }
    }
    let slos: Vec<&Value> = report["slos"].as_array().unwrap().iter().collect();
    assert!(slos.iter().all(|s| s["outcome"] == "pass"), "{slos:#?}");
}

#[test]
fn bad_checks_are_plan_errors() {
    let dir = scratch("expectations-bad");
    let plan = "name: bad\nhost: http://127.0.0.1:9\nload: {users: 1, duration: 1s}\nrequests:\n  - name: r\n    path: /\n    expect: {json: {preds: exists, \"$.a\": present}, body_matches: \"(\"}\n";
    let path = write_plan(&dir, plan);
    let out = output(perfgate().arg("validate").arg(&path));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for fragment in [
        "invalid JSON path `preds`",
        "unknown check `present`",
        "invalid regular expression in body_matches",
    ] {
        assert!(stderr.contains(fragment), "{fragment}: {stderr}");
    }
    let plan = "name: bad\nhost: http://127.0.0.1:9\nload: {users: 1, duration: 2s}\nrequests:\n  - name: r\n    path: /\nslo:\n  - {expect: check_rate > 99%, over: 1s}\n";
    let out = output(perfgate().arg("validate").arg(write_plan(&dir, plan)));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        streams(&out).contains("cannot be judged per window"),
        "{}",
        streams(&out)
    );
}
