//! Templated requests and data feeders end to end: a target on 127.0.0.1
//! records every request it receives, and the tests check what arrived.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Uri};
use axum::routing::any;
use common::{
    Ran, code, output, perfgate, read_valid_report, run_plan, run_plan_with, scratch, serve_app,
    streams,
};
use serde_json::{Value, json};

/// One request as the target saw it.
#[derive(Clone, Debug)]
struct Seen {
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A target that records every request, on its own runtime.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Recorder {
    fn start() -> Recorder {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = Arc::clone(&seen);
        let app = Router::new().fallback(any(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = Arc::clone(&log);
            async move {
                log.lock().unwrap().push(Seen {
                    uri: uri.to_string(),
                    headers,
                    body,
                });
                "{\"ok\": true}"
            }
        }));
        let (url, runtime) = serve_app(app);
        Recorder {
            url,
            seen,
            _runtime: runtime,
        }
    }

    fn bodies(&self) -> Vec<Value> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| serde_json::from_slice(&s.body).unwrap())
            .collect()
    }
}

/// 50 rows: id 1..=50, a name with a comma, an age (empty every 7th), a flag.
fn csv() -> String {
    let mut text = String::from("id,name,age,vip\n");
    for id in 1..=50 {
        let age = if id % 7 == 0 {
            String::new()
        } else {
            format!("{}.5", 20 + id)
        };
        text.push_str(&format!("{id},\"Doe, J{id}\",{age},{}\n", id % 2 == 0));
    }
    text
}

/// A plan with the 50-row feeder `people` and one templated POST.
fn plan(url: &str, users: u32, order: &str, extra_load: &str, body: &str) -> String {
    format!(
        "name: templated\nhost: {url}\nload: {{users: {users}, duration: 20s{extra_load}}}\n\
         data:\n  people: {{file: people.csv, order: {order}, on_end: stop}}\n\
         requests:\n  - name: predict\n    method: POST\n    path: /predict/{{{{ people.id }}}}\n    json: {body}\n\
         slo:\n  - error_rate < 1%\nreports: {{json: report.json}}\n"
    )
}

const ROW_BODY: &str = r#"[{"PassengerId": "{{ people.id }}", "Name": "{{ people.name }}", "Age": "{{ people.age }}", "Vip": "{{ people.vip }}", "Tag": "p-{{ people.id }}", "Fixed": 3}]"#;

/// Runs `text` from `dir`, with the 50 rows of [`csv`] in `dir/people.csv`.
fn run(dir: &std::path::Path, text: &str) -> Ran {
    std::fs::write(dir.join("people.csv"), csv()).unwrap();
    run_plan(dir, text, &[])
}

#[test]
fn one_user_sequential_sends_every_row_once_in_order_with_types_kept() {
    let target = Recorder::start();
    let dir = scratch("tpl-sequential");
    let Ran {
        code, report, log, ..
    } = run(&dir, &plan(&target.url, 1, "sequential", "", ROW_BODY));
    let report = report.unwrap_or_default();
    assert_eq!(code, 0, "{log}");
    let bodies = target.bodies();
    assert_eq!(bodies.len(), 50, "{log}");
    for (i, body) in bodies.iter().enumerate() {
        let id = i as i64 + 1;
        let age = if id % 7 == 0 {
            Value::Null
        } else {
            json!(20.5 + i as f64 + 1.0)
        };
        assert_eq!(
            body,
            &json!([{"PassengerId": id, "Name": format!("Doe, J{id}"), "Age": age, "Vip": id % 2 == 0, "Tag": format!("p-{id}"), "Fixed": 3}])
        );
    }
    let uris: Vec<String> = target
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.uri.clone())
        .collect();
    assert_eq!(uris[0], "/predict/1");
    assert_eq!(uris[49], "/predict/50");
    // The data ran out: the run ended early, complete, not interrupted.
    assert_eq!(report["partial"], false);
    assert_eq!(report["verdict"]["outcome"], "pass");
    assert!(
        report["load"]["data_end"]
            .as_str()
            .unwrap()
            .contains("`people`"),
        "{report:#}"
    );
    assert!(report["load"]["elapsed_s"].as_f64().unwrap() < 15.0);
}

#[test]
fn four_users_share_a_sequential_feeder_each_row_once() {
    for order in ["sequential", "shuffle", "per_user"] {
        let target = Recorder::start();
        let dir = scratch(&format!("tpl-four-{order}"));
        let Ran { code, log, .. } = run(&dir, &plan(&target.url, 4, order, "", ROW_BODY));
        assert_eq!(code, 0, "{order}: {log}");
        let mut ids: Vec<i64> = target
            .bodies()
            .iter()
            .map(|b| b[0]["PassengerId"].as_i64().unwrap())
            .collect();
        // per_user: the first user to use up its share ends the run, so the
        // others may not have sent their last row.
        if order != "per_user" {
            assert_eq!(ids.len(), 50, "{order}: {log}");
        }
        let sent = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), sent, "{order}: a row was sent twice");
        assert!(sent >= 44, "{order}: only {sent} rows were sent");
    }
}

#[test]
fn the_same_seed_replays_the_same_bodies() {
    let body = r#"{"n": "{{ random_int(1, 1000000) }}", "f": "{{ random_float(0, 1) }}", "id": "{{ uuid() }}", "s": "{{ random_string(12) }}", "c": "{{ choice(['a', 'b', 'c']) }}", "u": "{{ user }}", "i": "{{ iteration }}", "v": "{{ vars.model }}"}"#;
    let run_with = |seed: u64, name: &str| {
        let target = Recorder::start();
        let dir = scratch(name);
        let text = format!(
            "name: seeded\nhost: {}\nload: {{users: 1, duration: 1s, think_time: 20ms, seed: {seed}}}\nvars: {{model: titanic-v3}}\n\
             requests:\n  - name: r\n    method: POST\n    path: /r\n    json: {body}\n",
            target.url
        );
        let Ran { code, log, .. } = run(&dir, &text);
        assert_eq!(code, 0, "{log}");
        let mut bodies = target.bodies();
        bodies.truncate(10);
        bodies
    };
    let (a, b, c) = (
        run_with(7, "tpl-seed-a"),
        run_with(7, "tpl-seed-b"),
        run_with(8, "tpl-seed-c"),
    );
    assert!(a.len() >= 5, "{a:?}");
    let n = a.len().min(b.len());
    assert_eq!(a[..n], b[..n], "same seed, same bodies");
    assert_ne!(a[0]["n"], c[0]["n"], "another seed, other bodies");
    assert!(a[0]["n"].is_i64() && a[0]["f"].is_f64(), "{:?}", a[0]);
    assert_eq!(a[0]["v"], "titanic-v3");
    assert_eq!((a[0]["u"].clone(), a[1]["i"].clone()), (json!(0), json!(1)));
}

#[test]
fn a_typo_in_a_template_is_a_plan_error_and_sends_nothing() {
    let target = Recorder::start();
    for (typo, message, line) in [
        (
            r#"[{"Age": "{{ peple.age }}"}]"#,
            "unknown variable `peple`",
            ":10:",
        ),
        (
            r#"[{"Age": "{{ people.agee }}"}]"#,
            "fails: undefined value",
            ":10:",
        ),
        (r#"[{"Age": "{{ people.age "}]"#, "invalid template", ":10:"),
    ] {
        let dir = scratch("tpl-typo");
        let Ran { code, log, .. } = run(&dir, &plan(&target.url, 1, "sequential", "", typo));
        assert_eq!(code, 2, "{log}");
        assert!(log.contains(message), "{typo}: {log}");
        assert!(log.contains(&format!("plan.yaml{line}")), "{typo}: {log}");
    }
    assert!(
        target.seen.lock().unwrap().is_empty(),
        "a bad plan sends nothing"
    );
}

#[test]
fn env_vars_are_readable_only_when_listed() {
    let target = Recorder::start();
    let dir = scratch("tpl-env");
    let text = |list: &str| {
        format!(
            "name: env\nhost: {}\nload: {{users: 1, duration: 1s, think_time: 100ms}}\n{list}\
             requests:\n  - name: r\n    path: /r\n    query: {{model: '{{{{ env.PERFGATE_TEST_MODEL }}}}'}}\n    headers: {{x-model: 'm-{{{{ env.PERFGATE_TEST_MODEL }}}}'}}\n",
            target.url
        )
    };
    let with_model = |cmd: &mut Command| {
        cmd.env("PERFGATE_TEST_MODEL", "v9");
    };
    let Ran { code, log, .. } = run_plan_with(&dir, &text(""), &[], with_model);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("undefined value"), "{log}");
    let list = text("env: [PERFGATE_TEST_MODEL]\n");
    let Ran { code, log, .. } = run_plan_with(&dir, &list, &[], with_model);
    assert_eq!(code, 0, "{log}");
    let seen = target.seen.lock().unwrap();
    assert!(!seen.is_empty());
    assert_eq!(seen[0].uri, "/r?model=v9");
    assert_eq!(seen[0].headers["x-model"], "m-v9");
}

#[test]
fn the_data_plan_sends_batches_the_demo_api_accepts() {
    let dir = scratch("tpl-data-plan");
    let out = output(
        perfgate()
            .args(["run", "plans/predict-data.yaml", "-t", "2s", "--json"])
            .arg(dir.join("r.json")),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let report = read_valid_report(&dir.join("r.json"));
    assert_eq!(report["overall"]["errors"]["total"], 0, "{report:#}");
    assert!(report["overall"]["requests"].as_u64().unwrap() > 50);
}

#[test]
fn batches_are_lists_of_distinct_rows() {
    let target = Recorder::start();
    let dir = scratch("tpl-batches");
    let text = format!(
        "name: batches\nhost: {}\nload: {{users: 2, duration: 20s}}\n\
         data:\n  people: {{file: people.csv, on_end: stop, batch: 1..8}}\n\
         requests:\n  - name: r\n    method: POST\n    path: /r\n    json: '{{{{ people }}}}'\n",
        target.url
    );
    let Ran { code, log, .. } = run(&dir, &text);
    assert_eq!(code, 0, "{log}");
    let bodies = target.bodies();
    let mut ids = Vec::new();
    for body in &bodies {
        let rows = body
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {body}"));
        assert!((1..=8).contains(&rows.len()), "{body}");
        ids.extend(rows.iter().map(|r| r["id"].as_i64().unwrap()));
    }
    let sent = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), sent, "a row was sent twice");
    assert!(
        sent > 40 && bodies.len() < sent,
        "{sent} rows in {} requests",
        bodies.len()
    );
}

#[test]
fn shards_deal_out_feeder_rows_without_overlap() {
    let target = Recorder::start();
    let dir = scratch("tpl-shards");
    std::fs::write(dir.join("people.csv"), csv()).unwrap();
    let text = plan(&target.url, 3, "sequential", "", ROW_BODY);
    let mut per_shard = Vec::new();
    for k in 1..=3 {
        let before = target.seen.lock().unwrap().len();
        let shard = format!("{k}/3");
        let Ran { code, log, .. } = run_plan(&dir, &text, &["--shard", &shard]);
        assert_eq!(code, 0, "{log}");
        let ids: Vec<i64> = target.bodies()[before..]
            .iter()
            .map(|b| b[0]["PassengerId"].as_i64().unwrap())
            .collect();
        // Row i (0-based) goes to shard i mod 3 + 1.
        assert!(
            ids.iter().all(|id| (id - 1) % 3 == k - 1),
            "shard {k}: {ids:?}"
        );
        per_shard.push(ids.len());
    }
    let mut all: Vec<i64> = target
        .bodies()
        .iter()
        .map(|b| b[0]["PassengerId"].as_i64().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=50).collect::<Vec<_>>(),
        "every row once across the shards: {per_shard:?}"
    );
}

#[test]
fn json_rows_keep_nested_types_and_a_missing_key_fails_only_its_request() {
    let target = Recorder::start();
    let dir = scratch("tpl-jsonl");
    let rows = [
        json!({"id": 1, "score": 0.5, "tags": ["a", "b"]}),
        json!({"id": 2, "tags": {"k": 1}}),
        json!({"id": 3, "score": null, "tags": []}),
        json!({"id": 4, "score": -7, "tags": "x\u{1f}\"y\""}),
    ];
    let lines: Vec<String> = rows.iter().map(Value::to_string).collect();
    std::fs::write(dir.join("rows.jsonl"), lines.join("\n") + "\n").unwrap();
    let text = format!(
        "name: jsonl\nhost: {}\nload: {{users: 1, duration: 20s}}\n\
         data:\n  r: {{file: rows.jsonl, order: sequential, on_end: stop}}\n\
         requests:\n  - name: predict\n    method: POST\n    path: /predict\n    \
         json: [{{\"id\": \"{{{{ r.id }}}}\", \"score\": \"{{{{ r.score }}}}\", \"tags\": \"{{{{ r.tags }}}}\", \"n\": \"{{{{ r.id + 1 }}}}\"}}]\n\
         reports: {{json: report.json}}\n",
        target.url
    );
    let Ran {
        code, report, log, ..
    } = run(&dir, &text);
    let report = report.unwrap_or_default();
    assert_eq!(code, 0, "{log}");
    let sent: Vec<Value> = rows
        .iter()
        .filter(|r| r.get("score").is_some())
        .map(|r| json!([{"id": r["id"], "score": r["score"], "tags": r["tags"], "n": r["id"].as_i64().unwrap() + 1}]))
        .collect();
    assert_eq!(target.bodies(), sent, "{log}");
    assert_eq!(report["overall"]["errors"]["template"], 1, "{report:#}");
    let examples = report["requests"][0]["error_examples"].to_string();
    assert!(examples.contains("undefined"), "{examples}");
}
