//! The files other systems run: `action.yml` and every workflow against the
//! published GitHub schemas, the GitLab template against GitLab's CI schema
//! (all three ship with `check-jsonschema`, so nothing is downloaded), and
//! the shell scripts users run through shellcheck.

mod common;

use std::process::Command;

use common::{root, streams};

/// Runs `program args` from the repository root; panics with an install hint
/// when it is missing and with its output when it fails.
fn check(program: &str, args: &[&str], install: &str) {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("this test needs {program} ({install}): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}:\n{}",
        streams(&out)
    );
}

fn check_jsonschema(schema: &str, files: &[String]) {
    let mut args = vec!["-m", "check_jsonschema", "--builtin-schema", schema];
    args.extend(files.iter().map(String::as_str));
    check("python3", &args, "pip install check-jsonschema");
}

#[test]
fn the_action_and_the_workflows_match_github_schemas() {
    check_jsonschema("vendor.github-actions", &["action.yml".to_string()]);
    let mut workflows: Vec<String> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| {
            format!(
                ".github/workflows/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .filter(|f| f.ends_with(".yml") || f.ends_with(".yaml"))
        .collect();
    workflows.sort();
    assert!(workflows.len() >= 4, "{workflows:?}");
    check_jsonschema("vendor.github-workflows", &workflows);
}

#[test]
fn the_gitlab_template_matches_gitlab_ci_schema() {
    check_jsonschema(
        "vendor.gitlab-ci",
        &["deploy/gitlab/perfgate.gitlab-ci.yml".to_string()],
    );
}

#[test]
fn the_scripts_users_run_pass_shellcheck() {
    check(
        "shellcheck",
        &["scripts/install.sh", "scripts/action.sh"],
        "apt-get install shellcheck",
    );
}

#[test]
fn a_broken_workflow_is_refused() {
    let dir = common::scratch("ci-files-broken");
    let broken = dir.join("broken.yml");
    std::fs::write(&broken, "name: x\non: push\njobs:\n  a:\n    steps: 3\n").unwrap();
    let out = Command::new("python3")
        .args([
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
        ])
        .arg(&broken)
        .output()
        .expect("python3 runs");
    assert!(!out.status.success(), "{}", streams(&out));
}
