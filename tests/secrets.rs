//! A canary secret never appears in any output. It reaches the run through
//! an environment variable used in a header, a query parameter, the served
//! command's arguments and environment, and through a feeder column marked
//! secret; the target echoes what it received
//! into its error bodies and its output. Every report, the step summary, the
//! annotations and both streams are searched for it.

mod common;

use common::{code, echo_target_serve, free_port, output, perfgate, scratch, streams, write_plan};

const CANARY: &str = "s3cr3t-canary-7f3a9c";
/// The start of every value of a feeder column marked secret.
const ROW_CANARY: &str = "feeder-secret-91d2";

fn assert_absent(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY) && !text.contains(ROW_CANARY),
        "a secret appears in {what}:\n{text}"
    );
}

#[test]
fn a_secret_never_appears_in_any_output() {
    let dir = scratch("secrets");
    let port = free_port();
    let serve = echo_target_serve(port, &["${API_TOKEN}"]);
    let rows: String = (1..=5)
        .map(|i| format!("user{i},{ROW_CANARY}-{i}\n"))
        .collect();
    std::fs::write(dir.join("creds.csv"), format!("login,token\n{rows}")).unwrap();
    let plan = format!(
        "name: secrets\nhost: http://127.0.0.1:{port}\n{serve}  env: {{ECHO: '${{API_TOKEN}}'}}\n\
         load: {{users: 2, duration: 1s, think_time: 50ms}}\n\
         data:\n  creds: {{file: creds.csv, secret: [token]}}\n\
         defaults:\n  headers: {{authorization: 'Bearer ${{API_TOKEN}}', x-api-key: '${{API_TOKEN}}', x-user-token: '{{{{ creds.token }}}}'}}\n\
         requests:\n  - name: probe\n    path: /probe\n    query: {{key: '${{API_TOKEN}}'}}\nslo:\n  - error_rate < 1%\n\
         reports: {{json: r.json, junit: r.xml, html: r.html}}\n",
    );
    let path = write_plan(&dir, &plan);
    let summary = dir.join("step-summary.md");
    let out = output(
        perfgate()
            .args(["run", "--csv", "stats"])
            .arg(&path)
            .current_dir(&dir)
            .env("API_TOKEN", CANARY)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary),
    );
    assert_eq!(code(&out), 1, "{}", streams(&out));
    assert_absent("stdout and stderr", &streams(&out));
    let mut searched = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("plan.yaml") || path.ends_with("creds.csv") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert_absent(&path.display().to_string(), &text);
        searched += 1;
    }
    // r.json, r.xml, r.html, the step summary and the CSV files.
    assert!(searched >= 7, "only {searched} outputs were written");
    // The redaction is visible where the secret would have been: the served
    // command's output quotes what the target received.
    let report = std::fs::read_to_string(dir.join("r.json")).unwrap();
    assert!(report.contains("[REDACTED]"), "{report}");
}

#[test]
fn plan_errors_do_not_show_secrets() {
    let dir = scratch("secrets-bad-plan");
    let head = "name: bad\nhost: http://127.0.0.1:9\nload: {users: 1, duration: 1s}\n\
                requests:\n  - name: probe\n    path: /\n";
    // A YAML error on the secret's line, and a validation error about its value.
    for (headers, expected) in [
        (
            "    headers: {authorization: 'Bearer ${API_TOKEN}\u{1}'}\n",
            "unexpected character",
        ),
        (
            "    headers: {authorization: \"Bearer ${API_TOKEN}\\r\\n\"}\n",
            "characters HTTP does not allow",
        ),
    ] {
        let path = write_plan(&dir, &format!("{head}{headers}"));
        for subcommand in ["run", "validate"] {
            let out = output(
                perfgate()
                    .arg(subcommand)
                    .arg(&path)
                    .env("API_TOKEN", CANARY),
            );
            assert_eq!(code(&out), 2, "{}", streams(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(expected), "{stderr}");
            assert_absent("the plan error", &stderr);
        }
    }
}
