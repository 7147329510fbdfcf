//! The HTML report in a real browser: headless Chromium (Debian's `chromium`,
//! which `.ci/run` installs) loads it from a file, with its network log on.
//! The charts must be in the DOM, the console silent, and the page must make
//! no network request. The screenshot is kept as
//! `target/artifacts/report.png` for CI to collect.
//!
//! This test fails, never skips, when Chromium is missing.

mod fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use perfgate::report::html;
use serde_json::Value;

/// How long one Chromium run may take.
const TIMEOUT: Duration = Duration::from_secs(90);

/// What Chromium made of a page.
struct Loaded {
    /// The DOM after loading (`--dump-dom`), or empty for a screenshot run.
    dom: String,
    /// Chromium's log.
    stderr: String,
    /// URLs the page itself asked for, from the network log.
    page_requests: Vec<String>,
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chromium() -> &'static str {
    // Debian's package, older distributions' name, and the Chrome that GitHub's runners carry.
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        if Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return name;
        }
    }
    panic!("this test needs Chromium: `apt-get install -y chromium` (scripts/test.sh installs it)");
}

/// Loads `page` in headless Chromium with a fresh profile; `extra` adds
/// `--dump-dom` or `--screenshot=…`. Host names resolve to nothing, so that
/// even Chromium's own background requests cannot leave the machine; the
/// network log still shows every request that was attempted.
fn load(page: &Path, extra: &str, scratch: &Path) -> Loaded {
    let profile = scratch.join(format!("profile-{}", extra.len()));
    let netlog = scratch.join(format!("netlog-{}.json", extra.len()));
    let _ = std::fs::remove_dir_all(&profile);
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,3400",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(scratch.join("stdout")).unwrap())
        .stderr(std::fs::File::create(scratch.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(scratch.join("stderr")).unwrap_or_default();
    assert!(status.success(), "Chromium failed ({status}):\n{stderr}");
    Loaded {
        dom: std::fs::read_to_string(scratch.join("stdout")).unwrap(),
        page_requests: page_requests(&netlog),
        stderr,
    }
}

/// The URLs of the requests a page made (not Chromium's own, whose initiator
/// is "not an origin").
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).unwrap();
    let log: Value = serde_json::from_str(&text).expect("the network log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
    assert!(start_job.is_u64(), "the network log names its event types");
    log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == start_job)
        .filter(|e| e["params"]["initiator"] != "not an origin")
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .collect()
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn chromium_renders_the_report_offline_with_its_charts() {
    let scratch = std::env::temp_dir().join(format!("perfgate-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();

    // The detector works: a page with remote resources is caught.
    let control = scratch.join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><img src=\"https://example.invalid/x.png\"><script>console.error('seen')</script>",
    )
    .unwrap();
    let caught = load(&control, "--dump-dom", &scratch);
    assert_eq!(caught.page_requests, ["https://example.invalid/x.png"]);
    assert_eq!(console_lines(&caught.stderr).len(), 1, "{}", caught.stderr);

    let run = fixture::run(60);
    let page = artifacts().join("report.html");
    std::fs::write(&page, html::render(&run.report()).unwrap()).unwrap();

    let loaded = load(&page, "--dump-dom", &scratch);
    assert!(
        loaded.page_requests.is_empty(),
        "{:?}",
        loaded.page_requests
    );
    assert!(
        console_lines(&loaded.stderr).is_empty(),
        "{}",
        loaded.stderr
    );
    let dom = &loaded.dom;
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), 8, "{dom}");
    assert!(dom.matches("<path class=\"line\"").count() >= 20);
    assert!(dom.contains(">requests/s</text>") && dom.contains(">latency (ms)</text>"));
    assert!(dom.contains("<div class=\"label\">FAIL</div>"));
    // The hostile payloads stayed text: the parsed DOM has no such elements.
    for element in ["<img", "<script", "onerror=\""] {
        assert!(!dom.contains(element), "`{element}` in the DOM");
    }
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let screenshot = artifacts().join("report.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot = load(
        &page,
        &format!("--screenshot={}", screenshot.display()),
        &scratch,
    );
    assert!(shot.page_requests.is_empty(), "{:?}", shot.page_requests);
    let png = std::fs::read(&screenshot).expect("Chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 50_000,
        "a suspiciously small screenshot: {} bytes",
        png.len()
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
