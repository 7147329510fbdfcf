//! The README's two commands stay true: the main job's plan runs green,
//! unmodified, against the demo API it starts itself.

mod common;

use std::net::TcpStream;

use common::{code, junit_check, output, perfgate, read_valid_report, scratch, streams};

/// The shell commands in the README's "Two commands" block.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let section = readme
        .split("## Two commands")
        .nth(1)
        .expect("README has a `## Two commands` section");
    let block = section
        .split("```sh")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh code block");
    block
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_readme_names_the_main_job_and_the_test_command() {
    let commands = readme_commands();
    assert_eq!(
        commands,
        [
            "cargo run --release -- run plans/predict.yaml",
            "scripts/test.sh"
        ]
    );
    let ci = std::fs::read_to_string(common::root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "scripts/test.sh"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn the_main_job_passes_against_the_demo_api_it_serves() {
    let commands = readme_commands();
    let args: Vec<&str> = commands[0]
        .split(" -- ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let dir = scratch("readme");
    let out = output(
        perfgate()
            .args(&args)
            .arg("--json")
            .arg(dir.join("summary.json"))
            .arg("--junit")
            .arg(dir.join("junit.xml")),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let report = read_valid_report(&dir.join("summary.json"));
    assert_eq!(report["verdict"]["outcome"], "pass");
    assert!(
        report["overall"]["requests"].as_u64().unwrap() > 300,
        "{report:#}"
    );
    assert_eq!(report["overall"]["errors"]["total"], 0);
    assert_eq!(junit_check(&dir.join("junit.xml"))["failures"], 0);
    assert!(
        TcpStream::connect("127.0.0.1:5001").is_err(),
        "the demo API started by `serve:` is stopped after the run"
    );
}

#[test]
fn the_failing_example_fails_and_says_why() {
    let dir = scratch("failing-example");
    let out = output(
        perfgate()
            .args(["run", "plans/predict-failing.yaml", "-t", "5s", "--json"])
            .arg(dir.join("summary.json"))
            .arg("--junit")
            .arg(dir.join("junit.xml")),
    );
    assert_eq!(code(&out), 1, "{}", streams(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL     p95 "), "{}", streams(&out));
    assert!(stdout.contains("breaches < 25 ms"), "{}", streams(&out));
    assert!(stdout.contains("FAIL     error_rate "), "{}", streams(&out));
    assert!(
        stdout.contains("HTTP 500 Internal Server Error"),
        "the errors table shows the failures: {}",
        streams(&out)
    );
    let junit = junit_check(&dir.join("junit.xml"));
    assert_eq!(junit["failures"], 2, "{junit:#}");
    assert!(
        TcpStream::connect("127.0.0.1:5003").is_err(),
        "its demo API is stopped"
    );
}

#[test]
fn the_templates_example_is_a_valid_plan() {
    let example = yaml_example("## Templates and data");
    let dir = common::scratch("readme-templates");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        common::root().join("plans/data/passengers.csv"),
        dir.join("data/passengers.csv"),
    )
    .unwrap();
    let plan = format!(
        "name: readme\nhost: http://127.0.0.1:9\nload: {{users: 1, duration: 1s}}\n{example}"
    );
    let path = common::write_plan(&dir, &plan);
    let out = output(
        perfgate()
            .arg("validate")
            .arg(&path)
            .env("MODEL_VERSION", "3"),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
}

#[test]
fn the_flows_example_is_a_valid_plan() {
    let example = yaml_example("## Flows");
    let dir = common::scratch("readme-flows");
    let plan = format!(
        "name: readme\nhost: http://127.0.0.1:9\nload: {{users: 1, duration: 1s}}\n{example}"
    );
    let path = common::write_plan(&dir, &plan);
    let out = output(perfgate().arg("validate").arg(&path));
    assert_eq!(code(&out), 0, "{}", streams(&out));
}

/// The first YAML example of the README section headed `heading`.
fn yaml_example(heading: &str) -> String {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let section = readme
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("the README has a section `{heading}`"));
    section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the section starts with a YAML example")
        .to_owned()
}
