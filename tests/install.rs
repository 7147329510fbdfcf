//! `scripts/install.sh` end to end: release archives built here from the real
//! `perfgate` binary, in the layout `.github/workflows/release.yml` produces
//! (`perfgate-VERSION-TARGET/` holding the binary and README.md, tar + gzip, a
//! `.sha256` file per archive and a combined `SHA256SUMS`), served over real
//! HTTP on 127.0.0.1 the way GitHub serves release assets
//! (`releases/download/vVERSION/FILE` and `releases/latest/download/FILE`,
//! both answered with redirects, the first to storage, the second to the
//! first).
//!
//! Needs `sh`, `bash`, `curl`, `wget`, `tar`, `gzip` and `sha256sum`
//! (coreutils) on the PATH.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::release::{
    Release, Server, VERSION, archive, asset, host_target, sha256_hex, sum_line,
};
use common::{code, root, scratch, streams};

/// One test's folder: a HOME for the script, removed at the end (the
/// installed copies of the binary are large).
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        Scratch(scratch(&format!("install-{test}")))
    }
    fn join(&self, path: &str) -> PathBuf {
        self.0.join(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs `scripts/install.sh ARGS` (with `shell`, or through its `#!` line
/// when `None`) against `server`, with HOME in `home` and `env` added.
fn install(
    server: &Server,
    home: &Scratch,
    shell: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let script = root().join("scripts/install.sh");
    let mut cmd = match shell {
        Some(shell) => {
            let mut cmd = Command::new(shell);
            cmd.arg(&script);
            cmd
        }
        None => Command::new(&script),
    };
    cmd.args(args)
        .current_dir(&home.0)
        .env("HOME", &home.0)
        .env("TMPDIR", &home.0)
        .env("PERFGATE_DOWNLOAD_URL", &server.base)
        .env_remove("PERFGATE_DOWNLOADER");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run install.sh with {shell:?}: {e}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Checks that `dir/perfgate` is the real binary, executable, and says VERSION.
fn assert_installed(dir: &Path, out: &Output) {
    assert_eq!(code(out), 0, "{}", streams(out));
    let binary = dir.join("perfgate");
    let mode = std::fs::metadata(&binary)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", binary.display(), streams(out)))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755, "installed mode {mode:o}");
    let version = Command::new(&binary).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("perfgate {VERSION}")
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        format!("installed perfgate {VERSION} to {}", binary.display()),
        "{}",
        streams(out)
    );
    // Nothing else is left next to it (no staged copy).
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["perfgate"], "{}", dir.display());
}

/// Checks a refused install: exit 1, stderr containing every `needles`, and no
/// install directory created.
fn assert_refused(out: &Output, to: &Path, needles: &[&str]) {
    assert_eq!(code(out), 1, "{}", streams(out));
    let err = stderr(out);
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(
        !to.exists(),
        "{} was created by a failed install",
        to.display()
    );
    assert!(out.stdout.is_empty(), "{}", streams(out));
}

#[test]
fn installs_a_pinned_version_with_sh_and_bash() {
    let server = Release::published().serve();
    let home = Scratch::new("pinned");
    // `None` runs the script through its `#!/bin/sh` line (dash on Debian).
    for (shell, version) in [
        (None, VERSION.to_owned()),
        (Some("bash"), format!("v{VERSION}")),
    ] {
        let to = home.join(&format!("bin-{}", shell.unwrap_or("sh")));
        let out = install(
            &server,
            &home,
            shell,
            &["--version", &version, "--to", to.to_str().unwrap()],
            &[],
        );
        assert_installed(&to, &out);
        let err = stderr(&out);
        assert!(err.contains("SHA-256 verified"), "{err}");
        assert!(err.contains("is not on your PATH"), "{err}");
    }
    // A pinned version reads the archive and SHA256SUMS of its tag, nothing else:
    // no GitHub API, no `latest`.
    let pinned = [
        format!("/download/v{VERSION}/{}", asset(host_target())),
        format!("/download/v{VERSION}/SHA256SUMS"),
    ];
    assert_eq!(server.requests(), [pinned.clone(), pinned].concat());
    assert_eq!(server.fetched(), 4, "each file through GitHub's redirect");
}

#[test]
fn installs_the_latest_release_into_the_default_directory() {
    let server = Release::published().serve();
    let home = Scratch::new("latest");
    let out = install(&server, &home, None, &[], &[]);
    assert_installed(&home.join(".local/bin"), &out);
    assert!(stderr(&out).contains("latest"), "{}", streams(&out));
    // `latest` is resolved from the latest release's SHA256SUMS (a plain
    // download), then the archive comes from the version's own tag.
    assert_eq!(
        server.requests(),
        [
            "/latest/download/SHA256SUMS".to_owned(),
            format!("/download/v{VERSION}/SHA256SUMS"),
            format!("/download/v{VERSION}/{}", asset(host_target())),
        ]
    );
    assert_eq!(server.fetched(), 2);

    // Installing again replaces the binary in place.
    let again = install(&server, &home, None, &["--version", "latest"], &[]);
    assert_installed(&home.join(".local/bin"), &again);
}

#[test]
fn installs_with_wget_too() {
    let server = Release::published().serve();
    let home = Scratch::new("wget");
    let to = home.join("bin");
    let env = [("PERFGATE_DOWNLOADER", "wget")];
    let out = install(
        &server,
        &home,
        None,
        &["--to", to.to_str().unwrap(), "--version", VERSION],
        &env,
    );
    assert_installed(&to, &out);

    let missing = install(
        &server,
        &home,
        None,
        &[
            "--to",
            home.join("none").to_str().unwrap(),
            "--version",
            "9.9.9",
        ],
        &env,
    );
    assert_refused(
        &missing,
        &home.join("none"),
        &["cannot download perfgate 9.9.9", "HTTP 404", "v9.9.9"],
    );
}

#[test]
fn refuses_a_tampered_archive_and_keeps_the_old_binary() {
    let mut release = Release::published();
    let mut tampered = archive().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let actual = sha256_hex(&tampered);
    release.put(&asset(host_target()), tampered);
    let server = release.serve();

    let home = Scratch::new("tampered");
    let to = home.join("bin");
    std::fs::create_dir_all(&to).unwrap();
    std::fs::write(to.join("perfgate"), "the old perfgate").unwrap();
    for version in [VERSION, "latest"] {
        let out = install(
            &server,
            &home,
            None,
            &["--version", version, "--to", to.to_str().unwrap()],
            &[],
        );
        assert_eq!(code(&out), 1, "{}", streams(&out));
        let err = stderr(&out);
        for needle in [
            "refusing to install: SHA-256 mismatch for ",
            &asset(host_target()),
            &sha256_hex(archive()),
            &actual,
        ] {
            assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
        }
        assert_eq!(
            std::fs::read_to_string(to.join("perfgate")).unwrap(),
            "the old perfgate"
        );
        assert_eq!(std::fs::read_dir(&to).unwrap().count(), 1);
    }
    // The temporary download is gone too.
    let left: Vec<_> = std::fs::read_dir(&home.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["bin"]);
}

#[test]
fn refuses_a_wrong_missing_or_malformed_sum() {
    let name = asset(host_target());
    let right = sha256_hex(archive());
    let wrong = sha256_hex(b"something else");
    let cases: [(&str, Option<String>, &[&str]); 5] = [
        (
            "wrong",
            Some(sum_line(&wrong, &name)),
            &["SHA-256 mismatch", &wrong, &right],
        ),
        (
            "absent file",
            None,
            &["no checksum file for v", "SHA256SUMS", "HTTP 404"],
        ),
        (
            "other archives only",
            Some(sum_line(&right, "perfgate-0.0.1-riscv64.tar.gz")),
            &["has no line for", &name],
        ),
        ("empty", Some(String::new()), &["has no line for", &name]),
        (
            "truncated",
            Some(sum_line(&right[..40], &name)),
            &["is not a SHA-256", &right[..40]],
        ),
    ];
    let home = Scratch::new("sums");
    for (case, sums, needles) in cases {
        let mut release = Release::published();
        match sums {
            Some(sums) => release.put("SHA256SUMS", sums),
            None => release.remove("SHA256SUMS"),
        }
        let server = release.serve();
        let to = home.join("bin");
        let out = install(
            &server,
            &home,
            None,
            &["--version", VERSION, "--to", to.to_str().unwrap()],
            &[],
        );
        assert!(
            stderr(&out).contains("refusing to install"),
            "{case}: {}",
            streams(&out)
        );
        assert_refused(&out, &to, needles);
    }
}

#[test]
fn an_unknown_version_fails_clearly() {
    let server = Release::published().serve();
    let home = Scratch::new("unknown");
    let to = home.join("bin");
    let out = install(
        &server,
        &home,
        Some("bash"),
        &["--version", "v9.9.9", "--to", to.to_str().unwrap()],
        &[],
    );
    assert_refused(
        &out,
        &to,
        &[
            "cannot download perfgate 9.9.9",
            "HTTP 404 Not Found",
            "is v9.9.9 a perfgate release?",
        ],
    );
    assert_eq!(
        server.requests(),
        [format!(
            "/download/v9.9.9/perfgate-9.9.9-{}.tar.gz",
            host_target()
        )]
    );

    // No server at all.
    let closed = format!("http://127.0.0.1:{}/releases", common::free_port());
    for downloader in ["curl", "wget"] {
        let out = install(
            &server,
            &home,
            None,
            &["--version", "1.0.0", "--to", to.to_str().unwrap()],
            &[
                ("PERFGATE_DOWNLOAD_URL", &closed),
                ("PERFGATE_DOWNLOADER", downloader),
            ],
        );
        assert_refused(
            &out,
            &to,
            &[&format!(
                "cannot download perfgate 1.0.0 for {}",
                host_target()
            )],
        );
        let err = stderr(&out);
        assert!(err.contains(downloader), "{err}");
        assert!(!err.contains("is v1.0.0 a perfgate release"), "{err}");
    }

    // No release at all: `latest` fails as clearly.
    let empty = Release::default().serve();
    let out = install(&empty, &home, None, &["--to", to.to_str().unwrap()], &[]);
    assert_refused(
        &out,
        &to,
        &["cannot find the latest perfgate release", "HTTP 404"],
    );
}

#[test]
fn picks_the_archive_for_the_platform() {
    let home = Scratch::new("platforms");
    let fake = home.join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    for (tool, script) in [
        (
            "uname",
            "#!/bin/sh\ncase \"$1\" in -s) echo \"$FAKE_OS\" ;; -m) echo \"$FAKE_ARCH\" ;; *) exit 1 ;; esac\n",
        ),
        ("sysctl", "#!/bin/sh\necho \"$FAKE_TRANSLATED\"\n"),
    ] {
        let path = fake.join(tool);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let to = home.join("bin");
    let to = to.to_str().unwrap();

    // An empty server: each run stops at the archive's 404, which names it.
    let server = Release::default().serve();
    for (os, arch, translated, target) in [
        ("Linux", "x86_64", "", "x86_64-unknown-linux-musl"),
        ("Linux", "amd64", "", "x86_64-unknown-linux-musl"),
        ("Linux", "aarch64", "", "aarch64-unknown-linux-musl"),
        ("Linux", "arm64", "", "aarch64-unknown-linux-musl"),
        ("Darwin", "arm64", "", "aarch64-apple-darwin"),
        ("Darwin", "x86_64", "0", "x86_64-apple-darwin"),
        // A shell under Rosetta on Apple silicon gets the native build.
        ("Darwin", "x86_64", "1", "aarch64-apple-darwin"),
    ] {
        let env = [
            ("PATH", path.as_str()),
            ("FAKE_OS", os),
            ("FAKE_ARCH", arch),
            ("FAKE_TRANSLATED", translated),
        ];
        let out = install(
            &server,
            &home,
            None,
            &["--version", "1.2.3", "--to", to],
            &env,
        );
        let wanted = format!("/download/v1.2.3/perfgate-1.2.3-{target}.tar.gz");
        assert_eq!(code(&out), 1, "{os} {arch}: {}", streams(&out));
        assert!(
            stderr(&out).contains(&format!("{}{wanted}: HTTP 404", server.base)),
            "{os} {arch}: {}",
            streams(&out)
        );
        assert_eq!(server.requests().last(), Some(&wanted));
    }

    let before = server.requests().len();
    for (os, arch) in [
        ("FreeBSD", "amd64"),
        ("Linux", "riscv64"),
        ("Linux", "armv7l"),
        ("MINGW64_NT-10.0", "x86_64"),
    ] {
        let env = [
            ("PATH", path.as_str()),
            ("FAKE_OS", os),
            ("FAKE_ARCH", arch),
        ];
        let out = install(&server, &home, None, &["--to", to], &env);
        assert_refused(
            &out,
            Path::new(to),
            &[
                &format!("no perfgate binary is released for this platform ({os} {arch})"),
                "Linux x86_64 and aarch64, macOS arm64 and x86_64",
                "cargo install perfgate",
            ],
        );
    }
    assert_eq!(server.requests().len(), before, "nothing is downloaded");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let server = Release::published().serve();
    let home = Scratch::new("usage");
    for (args, needle) in [
        (&["--version"][..], "--version needs a value"),
        (&["--version", ""][..], "--version needs a value"),
        (&["--to"][..], "--to needs a directory"),
        (&["--to", ""][..], "--to needs a directory"),
        (&["--to="][..], "--to needs a directory"),
        (&["--frobnicate"][..], "unknown argument '--frobnicate'"),
        (
            &["--version", "../../etc"][..],
            "'../../etc' is not a version",
        ),
        (&["--version", "1.0/x"][..], "'1.0/x' is not a version"),
    ] {
        let out = install(&server, &home, None, args, &[]);
        assert_eq!(code(&out), 2, "{args:?}: {}", streams(&out));
        let err = stderr(&out);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(err.contains("usage: install.sh"), "{args:?}: {err}");
    }
    let help = install(&server, &home, None, &["--help"], &[]);
    assert_eq!(code(&help), 0, "{}", streams(&help));
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in ["--version V", "--to DIR", "PERFGATE_DOWNLOAD_URL"] {
        assert!(text.contains(needle), "{text}");
    }
    assert!(server.requests().is_empty());
    assert!(!home.join(".local").exists());
}
