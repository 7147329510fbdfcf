//! Flows end to end against a target on 127.0.0.1 with a login: the token
//! and the `location` header captured from step 1 arrive in step 2, a failed
//! login ends that iteration (predict is not sent, and the failure is
//! counted), a missing capture fails its step, and flows mix with plain
//! requests by weight, in both workload models.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{code, output, perfgate, read_valid_report, run_plan, scratch, serve_app, streams};
use serde_json::{Value, json};

/// What the target saw.
#[derive(Default)]
struct Seen {
    logins_ok: u64,
    logins_refused: u64,
    /// (authorization, x-session) of every predict.
    predicts: Vec<(String, String)>,
    health: u64,
}

type Shared = Arc<Mutex<Seen>>;

async fn login(State(seen): State<Shared>, Json(body): Json<Value>) -> impl IntoResponse {
    let user = body["user"].as_str().unwrap_or_default().to_owned();
    let mut seen = seen.lock().unwrap();
    if user.starts_with("nobody") {
        seen.logins_refused += 1;
        return (StatusCode::UNAUTHORIZED, "bad credentials").into_response();
    }
    seen.logins_ok += 1;
    let headers = [(header::LOCATION, format!("/sessions/{user}"))];
    let answer = json!({"access_token": format!("tok-{user}"), "expires_in": 60});
    (headers, Json(answer)).into_response()
}

async fn predict(State(seen): State<Shared>, headers: HeaderMap) -> Json<Value> {
    let text = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let mut seen = seen.lock().unwrap();
    seen.predicts
        .push((text("authorization"), text("x-session")));
    Json(json!({"preds": [1]}))
}

async fn health(State(seen): State<Shared>) -> &'static str {
    seen.lock().unwrap().health += 1;
    "ok"
}

fn target() -> (String, tokio::runtime::Runtime, Shared) {
    let seen = Shared::default();
    let app = Router::new()
        .route("/login", post(login))
        .route("/predict", post(predict))
        .route("/health", get(health))
        .with_state(Arc::clone(&seen));
    let (url, runtime) = serve_app(app);
    (url, runtime, seen)
}

/// A plan with a `checkout` flow (login, then predict with the captures)
/// and a plain `health` request, with `load` and the login `user` template.
fn plan(url: &str, load: &str, user: &str, extra_slo: &str) -> String {
    format!(
        r#"name: flows
host: {url}
load: {load}
requests:
  - name: health
    path: /health
flows:
  - name: checkout
    weight: 3
    steps:
      - name: login
        method: POST
        path: /login
        json: {{ user: "{user}" }}
        capture: {{ token: "$.access_token", loc: {{ header: location }} }}
      - name: predict
        method: POST
        path: /predict
        headers: {{ authorization: "Bearer {{{{ token }}}}", x-session: "{{{{ loc }}}}" }}
        json: {{ rows: [[1, 2]] }}
slo:
  - flow.checkout.p95 < 5s
{extra_slo}"#
    )
}

fn stats<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` in {list:#}"))
}

#[test]
fn captures_from_step_one_arrive_in_step_two() {
    let (url, _rt, seen) = target();
    let dir = scratch("flow-captures");
    let text = plan(
        &url,
        "{users: 3, duration: 2s, seed: 11}",
        "u{{ user }}",
        "  - flow.checkout.error_rate == 0%\n",
    );
    let ran = run_plan(&dir, &text, &["--json", "report.json"]);
    let r = ran.report();
    assert_eq!(ran.code, 0, "{}", ran.log);

    let seen = seen.lock().unwrap();
    assert!(
        seen.predicts.len() > 10,
        "only {} predicts",
        seen.predicts.len()
    );
    for (authorization, session) in &seen.predicts {
        // Token and location come from the same login: the same user.
        let user = session
            .strip_prefix("/sessions/")
            .unwrap_or_else(|| panic!("x-session `{session}` is not the captured location header"));
        assert_eq!(authorization, &format!("Bearer tok-{user}"));
        assert!(["u0", "u1", "u2"].contains(&user), "{user}");
    }
    assert!(seen.health > 0, "plain requests are mixed in by weight");

    let flow = stats(&r["flows"], "checkout");
    assert_eq!(flow["errors"]["total"], 0);
    let iterations = flow["requests"].as_u64().unwrap();
    assert_eq!(iterations, seen.predicts.len() as u64, "{flow:#}");
    assert!(flow["latency"]["p95"].as_f64().unwrap() > 0.0);
    // Each step is timed and reported under its own name.
    let logins = stats(&r["requests"], "login")["requests"].as_u64().unwrap();
    let predicts = stats(&r["requests"], "predict")["requests"]
        .as_u64()
        .unwrap();
    assert_eq!(predicts, seen.predicts.len() as u64);
    assert_eq!(logins, seen.logins_ok);
    // An iteration cut at the end after its login is not a failure.
    assert!(
        logins - predicts <= 3,
        "{logins} logins, {predicts} predicts"
    );
    assert_eq!(
        stats(&r["requests"], "health")["requests"]
            .as_u64()
            .unwrap(),
        seen.health
    );
    let flow_slo = &r["slos"][0];
    assert_eq!(flow_slo["scope"], "flow.checkout", "{flow_slo:#}");
    assert_eq!(flow_slo["outcome"], "pass", "{flow_slo:#}");
}

#[test]
fn a_failed_login_ends_the_iteration_and_is_counted() {
    let (url, _rt, seen) = target();
    let dir = scratch("flow-failed-login");
    let text = plan(
        &url,
        "{users: 2, duration: 2s, seed: 5}",
        "{{ choice(['ok', 'nobody']) }}-{{ user }}",
        "  - flow.checkout.error_rate < 1%\n",
    );
    let ran = run_plan(&dir, &text, &["--json", "report.json"]);
    let r = ran.report();
    assert_eq!(ran.code, 1, "the flow's error rate breaches: {}", ran.log);

    let seen = seen.lock().unwrap();
    assert!(seen.logins_refused > 5 && seen.logins_ok > 5);
    let flow = stats(&r["flows"], "checkout");
    // Every refused login failed its iteration, and only those.
    assert_eq!(
        flow["errors"]["status"].as_u64().unwrap(),
        seen.logins_refused
    );
    assert_eq!(
        flow["errors"]["total"].as_u64().unwrap(),
        seen.logins_refused
    );
    // Predict went out once per accepted login (bar iterations cut at the end).
    let sent = seen.predicts.len() as u64;
    assert!(sent <= seen.logins_ok && seen.logins_ok - sent <= 2);
    assert_eq!(
        flow["requests"].as_u64().unwrap(),
        seen.logins_refused + sent,
        "{flow:#}"
    );
    let example = &flow["error_examples"][0];
    assert!(
        example["message"]
            .as_str()
            .unwrap()
            .starts_with("step `login`: HTTP 401 Unauthorized"),
        "{example:#}"
    );
    let login = stats(&r["requests"], "login");
    assert_eq!(
        login["errors"]["status"].as_u64().unwrap(),
        seen.logins_refused
    );
    let stdout = ran.stdout();
    assert!(stdout.contains("flow.checkout"), "{stdout}");
}

#[test]
fn a_capture_that_finds_nothing_fails_its_step() {
    let (url, _rt, seen) = target();
    let dir = scratch("flow-missing-capture");
    let text = plan(&url, "{users: 1, duration: 1s, seed: 3}", "u{{ user }}", "")
        .replace("$.access_token", "$.token");
    let ran = run_plan(&dir, &text, &["--json", "report.json"]);
    let r = ran.report();
    assert_eq!(ran.code, 1, "{}", ran.log);
    assert!(seen.lock().unwrap().predicts.is_empty());
    let login = stats(&r["requests"], "login");
    assert_eq!(login["errors"]["expectation"], login["requests"]);
    let message = login["error_examples"][0]["message"].as_str().unwrap();
    assert_eq!(message, "capture `token`: `$.token` is not in the body");
    // The flow's objective has no completed iteration to judge: no data, a fail.
    assert_eq!(r["slos"][0]["outcome"], "no_data", "{:#}", r["slos"][0]);
}

#[test]
fn flows_run_in_the_open_model() {
    let (url, _rt, seen) = target();
    let dir = scratch("flow-open");
    let text = plan(
        &url,
        "{rate: 40/s, duration: 2s, seed: 9}",
        "u{{ user }}",
        "",
    );
    let ran = run_plan(&dir, &text, &["--json", "report.json"]);
    let r = ran.report();
    assert_eq!(ran.code, 0, "{}", ran.log);
    let seen = seen.lock().unwrap();
    for (authorization, session) in &seen.predicts {
        let user = session.strip_prefix("/sessions/").unwrap();
        assert_eq!(authorization, &format!("Bearer tok-{user}"));
    }
    let flow = stats(&r["flows"], "checkout");
    let done = flow["requests"].as_u64().unwrap();
    let health = stats(&r["requests"], "health")["requests"]
        .as_u64()
        .unwrap();
    // 80 arrivals, 3:1 between the flow and the plain request.
    assert_eq!(done + health, r["load"]["open"]["sent"].as_u64().unwrap());
    assert!(done > health, "{done} flows, {health} health");
    assert_eq!(done, seen.predicts.len() as u64);
}

#[test]
fn the_flow_plan_signs_in_then_predicts_against_the_demo_api() {
    let dir = scratch("flow-plan");
    let (json, html) = (dir.join("summary.json"), dir.join("report.html"));
    let out = output(
        perfgate()
            .args([
                "run",
                "plans/predict-flow.yaml",
                "--duration",
                "3s",
                "--json",
            ])
            .arg(&json)
            .arg("--html")
            .arg(&html),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let r = read_valid_report(&json);
    let flow = stats(&r["flows"], "session");
    let iterations = flow["requests"].as_u64().unwrap();
    assert!(iterations > 20, "{flow:#}");
    assert_eq!(flow["errors"]["total"], 0);
    let logins = stats(&r["requests"], "login")["requests"].as_u64().unwrap();
    let predicts = stats(&r["requests"], "predict-signed-in");
    // The demo refuses a token it did not hand out: 0 errors means every
    // predict carried the token its login captured.
    assert_eq!(predicts["errors"]["total"], 0);
    assert_eq!(predicts["requests"].as_u64().unwrap(), iterations);
    assert!(logins >= iterations && logins - iterations <= 10);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains(r#"<section id="flows">"#), "no flows section");
}
