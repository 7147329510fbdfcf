//! `perfgate run` with `serve:` end to end: the served command is started,
//! probed, and gone after the run on every path (checked by PID).

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{
    Behaviour, Ran, Target, code, free_port, junit_check, perfgate, read_valid_report, run_plan,
    scratch, streams, write_plan,
};

/// A plan whose `serve:` runs `script` under `sh -c`, probing `GET /health` on `port`.
fn plan(port: u16, script: &str, duration: &str, timeout: &str) -> String {
    format!(
        r#"name: served
host: http://127.0.0.1:{port}
serve:
  command: [sh, -c, '{script}']
  ready: GET /health
  timeout: {timeout}
  stop_grace: 2s
load:
  users: 4
  spawn_rate: 100/s
  duration: {duration}
  think_time: 10ms
  grace: 1s
requests:
  - name: predict
    method: POST
    path: /predict
    json: [{{PassengerId: 1, Pclass: 3, Name: "A", Sex: male, Age: 22, SibSp: 0, Parch: 0, Ticket: "1", Fare: 7.25, Cabin: null, Embarked: S}}]
slo:
  - error_rate < 1%
"#
    )
}

/// `sh` script that records its PID in `dir/pid`, then becomes the demo API on `port`.
fn demo_script(dir: &Path, port: u16) -> String {
    format!(
        "echo $$ > {}; exec {} demo-api --addr 127.0.0.1:{port}",
        dir.join("pid").display(),
        env!("CARGO_BIN_EXE_perfgate")
    )
}

fn recorded_pid(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Whether a process with this PID still exists (zombies count as gone).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Runs `text` from `dir`, its JSON report in `s.json` and its JUnit in `j.xml`.
fn run(dir: &Path, text: &str) -> Ran {
    run_plan(dir, text, &["--json", "s.json", "--junit", "j.xml"])
}

#[test]
fn serves_the_demo_api_for_the_run_then_stops_it() {
    let dir = scratch("serve-pass");
    let port = free_port();
    let ran = run(&dir, &plan(port, &demo_script(&dir, port), "1s", "20s"));
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert!(
        !alive(recorded_pid(&dir)),
        "the served process is gone after the run"
    );
    let report = ran.report();
    assert!(
        report["overall"]["requests"].as_u64().unwrap() > 10,
        "{report:#}"
    );
    let tail = report["serve"]["output_tail"].as_array().unwrap();
    assert!(
        tail.iter().any(|l| l
            .as_str()
            .unwrap()
            .contains("demo-api listening on http://127.0.0.1")),
        "{report:#}"
    );
    assert!(
        report["serve"]["exit"]
            .as_str()
            .unwrap()
            .contains("SIGTERM"),
        "{report:#}"
    );
    let junit = junit_check(&dir.join("j.xml"));
    assert!(
        junit["suites"][0]["system_out"]
            .as_str()
            .unwrap()
            .contains("demo-api listening"),
        "{junit:#}"
    );
}

#[test]
fn a_ready_timeout_exits_3_with_the_last_output() {
    let dir = scratch("serve-timeout");
    let port = free_port();
    let script = format!(
        "echo $$ > {}; echo booting the model; exec sleep 30",
        dir.join("pid").display()
    );
    let ran = run(&dir, &plan(port, &script, "1s", "1s"));
    assert_eq!(ran.code, 3, "{}", ran.log);
    let stderr = ran.stderr();
    assert!(stderr.contains("was not ready after 1s"), "{}", ran.log);
    assert!(stderr.contains("| booting the model"), "{}", ran.log);
    assert!(ran.wall < Duration::from_secs(15));
    assert!(!alive(recorded_pid(&dir)), "the served process is gone");
}

#[test]
fn a_server_dying_mid_run_exits_3() {
    let dir = scratch("serve-dies");
    let port = free_port();
    let script = format!(
        "echo $$ > {}; {} demo-api --addr 127.0.0.1:{port} & sleep 1.5; kill -9 $!; echo model crashed; exit 7",
        dir.join("pid").display(),
        env!("CARGO_BIN_EXE_perfgate")
    );
    let ran = run(&dir, &plan(port, &script, "30s", "20s"));
    assert_eq!(ran.code, 3, "{}", ran.log);
    assert!(
        ran.wall < Duration::from_secs(20),
        "the run stopped when the server died"
    );
    assert!(ran.stderr().contains("during the run"), "{}", ran.log);
    let report = ran.report();
    assert_eq!(report["verdict"]["outcome"], "invalid", "{report:#}");
    assert_eq!(report["verdict"]["exit_code"], 3);
    assert!(
        report["serve"]["exit"].as_str().unwrap().contains('7'),
        "{report:#}"
    );
    assert!(!alive(recorded_pid(&dir)));
}

#[test]
fn sigint_stops_the_served_process_too() {
    let dir = scratch("serve-sigint");
    let (child, pid) = start_served_run(&dir, "0s", "1s");
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 130, "{}", streams(&out));
    assert!(!alive(pid), "the served process is gone after Ctrl-C");
    assert_eq!(read_valid_report(&dir.join("s.json"))["partial"], true);
}

/// Starts `perfgate run` on a plan whose served demo API answers after
/// `latency`, waits until it answers, and returns the child and the served PID.
fn start_served_run(dir: &Path, latency: &str, grace: &str) -> (std::process::Child, u32) {
    let port = free_port();
    let script = format!("{} --latency {latency}", demo_script(dir, port));
    let text = plan(port, &script, "60s", "20s").replace("grace: 1s", &format!("grace: {grace}"));
    let path = write_plan(dir, &text);
    let child = perfgate()
        .arg("run")
        .arg(&path)
        .arg("--json")
        .arg(dir.join("s.json"))
        .arg("--junit")
        .arg(dir.join("j.xml"))
        .arg("--html")
        .arg(dir.join("r.html"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    let pid = recorded_pid(dir);
    assert!(alive(pid));
    (child, pid)
}

fn signal(child: &std::process::Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigterm_writes_every_report_marked_partial() {
    let dir = scratch("serve-sigterm");
    let (child, pid) = start_served_run(&dir, "10ms", "2s");
    signal(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 130, "{}", streams(&out));
    assert!(!alive(pid), "the served process is gone after SIGTERM");
    let report = read_valid_report(&dir.join("s.json"));
    assert_eq!(report["partial"], true);
    assert_eq!(report["verdict"]["outcome"], "interrupted");
    let junit = junit_check(&dir.join("j.xml"));
    assert_eq!(
        junit["suites"][0]["properties"]["partial"], "true",
        "{junit}"
    );
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(html.contains("(interrupted)"), "the HTML says so");
}

#[test]
fn a_second_sigint_exits_at_once_and_leaves_no_served_process() {
    let dir = scratch("serve-double-sigint");
    // Every request takes 8 s and the grace is 20 s, so a graceful stop
    // would take seconds; the second interrupt must not wait for it.
    let (child, pid) = start_served_run(&dir, "8s", "20s");
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    let second = Instant::now();
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    let took = second.elapsed();
    assert_eq!(code(&out), 130, "{}", streams(&out));
    assert!(
        took < Duration::from_secs(3),
        "exited {took:?} after the second interrupt"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted again"),
        "{}",
        streams(&out)
    );
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the served process is killed too");
}

#[test]
fn a_server_already_answering_is_refused_before_starting() {
    let dir = scratch("serve-taken");
    let already = Target::start(Behaviour::default());
    let port: u16 = already.url.rsplit(':').next().unwrap().parse().unwrap();
    let script = format!("touch {}", dir.join("started").display());
    let ran = run(&dir, &plan(port, &script, "1s", "5s"));
    assert_eq!(ran.code, 3, "{}", ran.log);
    assert!(
        ran.stderr().contains("something already answers"),
        "{}",
        ran.log
    );
    assert!(!dir.join("started").exists(), "the command was not started");
}

#[test]
fn host_on_the_command_line_skips_serve() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("serve-skipped");
    let script = format!("touch {}; sleep 30", dir.join("started").display());
    let text = plan(free_port(), &script, "1s", "5s");
    let ran = run_plan(&dir, &text, &["--host", &target.url]);
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert!(!dir.join("started").exists(), "serve: was skipped");
    assert!(target.received() > 0);
}
