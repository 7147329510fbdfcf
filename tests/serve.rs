//! `serve`: real child processes, real sockets on 127.0.0.1, each test bounded in time.

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use perfgate::core::values::Method;
use perfgate::plan::valid::ServeDef;
use perfgate::serve::{self, Exit, MAX_LINE_BYTES, MAX_LINES, ServeError, Served, Stopped};
use rustix::process::{Pid, Signal, kill_process};

/// Every test finishes within this, whatever goes wrong.
const TEST_LIMIT: Duration = Duration::from_secs(30);

/// Runs a test body on a fresh runtime, failing it when it takes too long.
fn bounded(body: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            tokio::time::timeout(TEST_LIMIT, body)
                .await
                .expect("test took too long");
        });
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

fn def(program: &str, args: &[&str], ready_url: String, timeout: Duration) -> ServeDef {
    ServeDef {
        program: PathBuf::from(program),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        env: Vec::new(),
        ready_method: Method::GET,
        ready_url,
        timeout,
        stop_grace: Duration::from_secs(3),
        trust: Default::default(),
    }
}

/// `python3 -m http.server` on a free port of 127.0.0.1, probed at `path`.
fn http_server(path: &str, timeout: Duration) -> ServeDef {
    let port = free_port().to_string();
    let url = format!("http://127.0.0.1:{port}{path}");
    def(
        "python3",
        &["-m", "http.server", "--bind", "127.0.0.1", &port],
        url,
        timeout,
    )
}

/// A ready URL nothing listens on.
fn unused_url() -> String {
    format!("http://127.0.0.1:{}/", free_port())
}

/// Whether `pid` is a live (not zombie) process.
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))),
    }
}

/// Waits up to `limit` for `pid` to stop running; whether it did.
async fn gone_within(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while running(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Waits for the first output line and reads it as a pid (of a grandchild).
async fn first_line_pid(served: &Served) -> u32 {
    loop {
        if let Some(line) = served.tail().first() {
            return line.parse().expect("a pid on the first line");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn ready_then_stop_leaves_no_process() {
    bounded(async {
        let def = http_server("/", Duration::from_secs(10));
        let mut served = serve::start(&def).await.expect("start");
        let pid = served.pid().expect("pid");
        served.wait_ready().await.expect("ready");
        assert!(running(pid));

        let begun = Instant::now();
        let outcome = served.stop().await;
        assert!(begun.elapsed() < def.stop_grace + Duration::from_secs(1));
        assert_eq!(outcome.stopped, Stopped::Terminated, "{outcome}");
        assert_eq!(outcome.exit, Exit::Signal(15), "{outcome}");
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} still exists after stop"
        );
    });
}

#[test]
fn a_command_that_never_listens_is_not_ready_and_keeps_its_output() {
    bounded(async {
        let url = unused_url();
        let def = def(
            "python3",
            &["-u", "-c", "print('booting'); import time; time.sleep(30)"],
            url.clone(),
            Duration::from_secs(1),
        );
        let begun = Instant::now();
        let mut served = serve::start(&def).await.expect("start");
        let pid = served.pid().expect("pid");
        let err = served.wait_ready().await.expect_err("never ready");
        let waited = begun.elapsed();
        assert!(
            waited >= Duration::from_secs(1) && waited < Duration::from_secs(3),
            "{waited:?}"
        );
        let message = err.to_string();
        assert!(matches!(err, ServeError::NotReady { .. }), "{message}");
        assert!(
            message.contains(&format!(
                "was not ready after 1s (GET {url} never answered 2xx; last answer: connection refused)"
            )),
            "{message}"
        );
        assert_eq!(err.tail(), ["booting"]);

        let outcome = served.stop().await;
        assert_eq!(outcome.stopped, Stopped::Terminated, "{outcome}");
        assert!(gone_within(pid, Duration::from_millis(100)).await);
    });
}

#[test]
fn a_non_2xx_answer_is_reported_as_the_last_answer() {
    bounded(async {
        // Long enough for Python to start on a busy machine; the probe then
        // sees 404s until the timeout.
        let def = http_server("/no-such-page", Duration::from_secs(5));
        let mut served = serve::start(&def).await.expect("start");
        let err = served.wait_ready().await.expect_err("404 is not ready");
        let message = err.to_string();
        assert!(
            message.ends_with("never answered 2xx; last answer: HTTP 404 Not Found)"),
            "{message}"
        );
        drop(served);
    });
}

#[test]
fn a_command_that_exits_before_ready_reports_status_and_output() {
    bounded(async {
        let def = def(
            "sh",
            &["-c", "echo oops >&2; exit 4"],
            unused_url(),
            Duration::from_secs(10),
        );
        let mut served = serve::start(&def).await.expect("start");
        let begun = Instant::now();
        let err = served.wait_ready().await.expect_err("exited");
        assert!(begun.elapsed() < Duration::from_secs(2));
        let message = err.to_string();
        match &err {
            ServeError::Exited { status, tail, .. } => {
                assert_eq!(*status, Exit::Code(4));
                assert_eq!(tail, &["oops"]);
            }
            other => panic!("expected Exited, got {other}"),
        }
        assert!(
            message.starts_with(
                "the served command `sh -c 'echo oops >&2; exit 4'` exited with code 4 before it was ready"
            ),
            "{message}"
        );
        let outcome = served.stop().await;
        assert_eq!(outcome.stopped, Stopped::AlreadyExited);
        assert_eq!(outcome.exit, Exit::Code(4));
    });
}

#[test]
fn a_server_killed_mid_run_ends_exited_promptly() {
    bounded(async {
        let def = http_server("/", Duration::from_secs(10));
        let mut served = serve::start(&def).await.expect("start");
        let pid = served.pid().expect("pid");
        served.wait_ready().await.expect("ready");

        let raw = i32::try_from(pid).expect("pid fits");
        kill_process(Pid::from_raw(raw).expect("pid"), Signal::KILL).expect("kill");
        let begun = Instant::now();
        let load = tokio::time::sleep(Duration::from_secs(20));
        let info = tokio::select! {
            info = served.exited() => info,
            () = load => panic!("exited() did not complete"),
        };
        assert!(begun.elapsed() < Duration::from_secs(1));
        assert_eq!(info.exit, Exit::Signal(9));
        assert_eq!(info.exit.to_string(), "was killed by signal 9 (SIGKILL)");

        // Stopping an exited command only reports it.
        let outcome = served.stop().await;
        assert_eq!(outcome.stopped, Stopped::AlreadyExited);
        assert_eq!(outcome.exit, Exit::Signal(9));
        assert!(!running(pid));
    });
}

#[test]
fn a_command_ignoring_sigterm_is_killed_with_its_group_after_the_grace() {
    bounded(async {
        let mut def = def(
            "sh",
            &["-c", "trap '' TERM; sleep 60 & echo $!; wait"],
            unused_url(),
            Duration::from_secs(1),
        );
        def.stop_grace = Duration::from_millis(300);
        let served = serve::start(&def).await.expect("start");
        let pid = served.pid().expect("pid");
        let grandchild = first_line_pid(&served).await;
        assert!(running(grandchild));

        let begun = Instant::now();
        let outcome = served.stop().await;
        let took = begun.elapsed();
        assert!(
            took >= def.stop_grace && took < def.stop_grace + Duration::from_secs(1),
            "{took:?}"
        );
        assert_eq!(outcome.stopped, Stopped::Killed, "{outcome}");
        assert_eq!(outcome.exit, Exit::Signal(9));
        assert!(!running(pid));
        assert!(
            gone_within(grandchild, Duration::from_secs(1)).await,
            "the group's other process survived"
        );
    });
}

#[test]
fn dropping_without_stop_kills_the_group() {
    bounded(async {
        let def = def(
            "sh",
            &["-c", "sleep 60 & echo $!; wait"],
            unused_url(),
            Duration::from_secs(1),
        );
        let served = serve::start(&def).await.expect("start");
        let pid = served.pid().expect("pid");
        let grandchild = first_line_pid(&served).await;
        drop(served);
        assert!(gone_within(pid, Duration::from_secs(1)).await);
        assert!(gone_within(grandchild, Duration::from_secs(1)).await);
    });
}

#[test]
fn a_panic_while_served_kills_the_group() {
    let pids = std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let def = def(
            "sh",
            &["-c", "sleep 60 & echo $!; wait"],
            unused_url(),
            Duration::from_secs(1),
        );
        let served = runtime.block_on(serve::start(&def)).expect("start");
        let pid = served.pid().expect("pid");
        let grandchild = runtime.block_on(first_line_pid(&served));
        std::panic::panic_any([pid, grandchild]);
    })
    .join()
    .expect_err("the thread panicked")
    .downcast::<[u32; 2]>()
    .map(|pids| *pids)
    .expect("the panic carries the pids");
    bounded(async move {
        for pid in pids {
            assert!(gone_within(pid, Duration::from_secs(1)).await, "{pid}");
        }
    });
}

#[test]
fn the_tail_is_bounded_however_much_is_printed() {
    bounded(async {
        let def = def(
            "sh",
            &[
                "-c",
                "head -c 1000000 /dev/zero | tr '\\0' a; echo; seq 1 100000",
            ],
            unused_url(),
            Duration::from_secs(1),
        );
        let mut served = serve::start(&def).await.expect("start");
        let info = served.exited().await;
        assert_eq!(info.exit, Exit::Code(0));
        assert_eq!(info.tail.len(), MAX_LINES);
        assert_eq!(info.tail.first().map(String::as_str), Some("99961"));
        assert_eq!(info.tail.last().map(String::as_str), Some("100000"));

        let def = def.clone();
        let mut served = serve::start(&ServeDef {
            args: vec!["-c".into(), "head -c 1000000 /dev/zero | tr '\\0' a".into()],
            ..def
        })
        .await
        .expect("start");
        let info = served.exited().await;
        assert_eq!(info.tail.len(), 1);
        assert!(info.tail[0].len() <= MAX_LINE_BYTES + '…'.len_utf8());
        assert!(info.tail[0].ends_with('…'));
    });
}

#[test]
fn a_missing_program_names_it_and_the_os_reason() {
    bounded(async {
        let def = def(
            "perfgate-no-such-server",
            &["--port", "1"],
            unused_url(),
            Duration::from_secs(1),
        );
        let err = serve::start(&def).await.map(|_| ()).expect_err("not found");
        let message = err.to_string();
        assert!(message.contains("`perfgate-no-such-server`"), "{message}");
        assert!(message.contains("No such file or directory"), "{message}");
    });
}

#[test]
fn a_server_already_answering_is_refused_before_start() {
    bounded(async {
        let def = http_server("/", Duration::from_secs(10));
        serve::ensure_not_running(&def)
            .await
            .expect("nothing listens yet");
        let mut first = serve::start(&def).await.expect("start");
        first.wait_ready().await.expect("ready");

        let err = serve::ensure_not_running(&def)
            .await
            .expect_err("the port is taken");
        let message = err.to_string();
        assert!(
            matches!(err, ServeError::AlreadyAnswering { .. }),
            "{message}"
        );
        assert!(
            message.starts_with(&format!(
                "something already answers GET {} (HTTP 200 OK) before the served command `python3 -m http.server",
                def.ready_url
            )),
            "{message}"
        );
        first.stop().await;
    });
}
