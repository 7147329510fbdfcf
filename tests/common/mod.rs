//! Shared helpers for the end-to-end tests: in-process targets on 127.0.0.1,
//! running the `perfgate` binary, and the independent JUnit checker.

#![allow(dead_code)] // each test file uses a different subset

pub mod faults;
pub mod plan;
pub mod release;
pub mod run;

#[allow(unused_imports)] // each test file uses a different subset
pub use run::{Ran, run_plan, run_plan_with};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::any;
use serde_json::Value;

/// How a test target answers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Behaviour {
    /// Added latency per request.
    pub latency: Duration,
    /// Every `n`th request (1-based count) gets a 500; 0 for never.
    pub fail_every: u64,
}

/// A running in-process target that counts what it receives and sends.
pub struct Target {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests received.
    pub received: Arc<AtomicU64>,
    /// 500s sent.
    pub failed: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl Target {
    /// Starts a target on 127.0.0.1 with an ephemeral port.
    pub fn start(behaviour: Behaviour) -> Target {
        let received = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let (r, f) = (received.clone(), failed.clone());
        let app = Router::new().fallback(any(move || {
            let (r, f) = (r.clone(), f.clone());
            async move {
                let n = r.fetch_add(1, Ordering::SeqCst) + 1;
                if !behaviour.latency.is_zero() {
                    tokio::time::sleep(behaviour.latency).await;
                }
                if behaviour.fail_every > 0 && n % behaviour.fail_every == 0 {
                    f.fetch_add(1, Ordering::SeqCst);
                    (StatusCode::INTERNAL_SERVER_ERROR, "{\"error\":\"boom\"}")
                } else {
                    (StatusCode::OK, "{\"preds\":[\"0\"]}")
                }
            }
        }));
        let (url, runtime) = serve_app(app);
        Target {
            url,
            received,
            failed,
            _runtime: runtime,
        }
    }

    /// Requests received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }
}

/// The runtime an in-process target runs on: two workers of its own, so the
/// target keeps answering whatever the test's own threads do.
pub fn target_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime for the target")
}

/// Serves `app` on 127.0.0.1 (an ephemeral port) from a runtime of its own;
/// the base URL, and the runtime, which stops the server when dropped.
pub fn serve_app(app: Router) -> (String, tokio::runtime::Runtime) {
    let runtime = target_runtime();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, app).await });
    (url, runtime)
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty folder for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perfgate-e2e-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `perfgate` command with progress off and a clean CI environment.
pub fn perfgate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perfgate"));
    cmd.current_dir(root())
        .env("CI", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("PREDICT_API");
    cmd
}

/// Runs a command and returns its output, with stderr shown on failure to parse.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("the perfgate binary runs")
}

/// The exit code of an output (panics when killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Both streams, for assertion messages.
pub fn streams(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Writes a plan into `dir` and returns its path.
pub fn write_plan(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("plan.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Checks a JSON report against the report schema and returns it.
pub fn read_valid_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    valid_report(&text)
}

/// Parses `text` as one JSON report, checks it against the report schema and
/// returns it.
pub fn valid_report(text: &str) -> Value {
    let report: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{text}"));
    let schema = perfgate::schema::report_schema();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "report does not match its schema: {problems:#?}"
    );
    report
}

/// `perfgate merge RECORDS -o MERGED`, which must pass; the merged report.
pub fn merge(records: &[PathBuf], merged: &Path) -> Value {
    let out = output(perfgate().arg("merge").args(records).arg("-o").arg(merged));
    assert_eq!(code(&out), 0, "{}", streams(&out));
    read_valid_report(merged)
}

/// Runs the independent JUnit checker (Python's junitparser) and returns its JSON summary.
pub fn junit_check(path: &Path) -> Value {
    let output = Command::new("python3")
        .arg("tests/junit_check.py")
        .arg(path)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs python3 with junitparser (`pip install junitparser`): {e}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) => panic!("{stderr}\nthis test needs junitparser: pip install junitparser"),
        _ => panic!(
            "junitparser rejected {}: {stderr}\n{}",
            path.display(),
            std::fs::read_to_string(path).unwrap_or_default()
        ),
    }
    serde_json::from_slice(&output.stdout).expect("junit_check.py prints JSON")
}

/// A free port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `serve:` block that runs `tests/echo_target.py PORT WORDS...` (see
/// that file) and waits for its `GET /health`.
pub fn echo_target_serve(port: u16, words: &[&str]) -> String {
    let words: String = words
        .iter()
        .map(|w| format!(", '{}'", w.replace('\'', "''")))
        .collect();
    format!(
        "serve:\n  command: [python3, {}, '{port}'{words}]\n  ready: GET /health\n  timeout: 20s\n",
        root().join("tests/echo_target.py").display()
    )
}
