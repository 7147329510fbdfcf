//! A perfgate release as `.github/workflows/release.yml` publishes it, built
//! here from the real binary and served over HTTP on 127.0.0.1 the way GitHub
//! serves release assets, for the install script's and the Action's tests.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::{root, scratch, serve_app};

/// The version the test release carries: the built binary's own.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The four targets the release workflow builds.
pub const TARGETS: [&str; 4] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
];

/// Where the releases live below the server's root, as on GitHub.
pub const RELEASES: &str = "/perfgate/perfgate/releases";

/// The target install.sh picks on the machine running the tests.
pub fn host_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "aarch64") => "aarch64-unknown-linux-musl",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        (os, arch) => panic!("install.sh has no release for the test machine ({os} {arch})"),
    }
}

/// The archive's file name for a target.
pub fn asset(target: &str) -> String {
    format!("perfgate-{VERSION}-{target}.tar.gz")
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One `sha256sum`-format line.
pub fn sum_line(hex: &str, name: &str) -> String {
    format!("{hex}  {name}\n")
}

/// The host's release archive, built once: `perfgate-VERSION-TARGET/` with
/// the real binary (and README.md, LICENSE* when present), as
/// `tar -C dist -czf` makes it in the release workflow.
pub fn archive() -> &'static Bytes {
    static ARCHIVE: OnceLock<Bytes> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let work = scratch("install-archive");
        let name = format!("perfgate-{VERSION}-{}", host_target());
        let dir = work.join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_perfgate"), dir.join("perfgate")).unwrap();
        for entry in std::fs::read_dir(root()).unwrap() {
            let file = entry.unwrap().file_name();
            let file = file.to_string_lossy();
            if file == "README.md" || file.starts_with("LICENSE") {
                std::fs::copy(root().join(&*file), dir.join(&*file)).unwrap();
            }
        }
        // tar writes the archive; gzip's fastest level keeps the test quick
        // (the workflow's `tar -czf` uses the default level; same format).
        let tar = Command::new("tar")
            .arg("-C")
            .arg(&work)
            .args(["-cf", "-", &name])
            .stderr(Stdio::inherit())
            .output()
            .expect("this test needs `tar`");
        assert!(tar.status.success(), "tar failed");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar.stdout).unwrap();
        let bytes = gz.finish().unwrap();
        std::fs::remove_dir_all(&work).unwrap();
        Bytes::from(bytes)
    })
}

/// The files of one release, and which version `latest` means.
#[derive(Clone, Default)]
pub struct Release {
    /// FILE → body, served at `releases/download/vVERSION/FILE`.
    pub files: HashMap<String, Bytes>,
    /// The version `releases/latest/download/FILE` redirects to, if any.
    latest: Option<&'static str>,
}

impl Release {
    /// The release as the workflow publishes it: the host's archive, a
    /// `.sha256` per archive and a `SHA256SUMS` listing all four targets (the
    /// other targets' archives are not served); it is the latest release.
    pub fn published() -> Release {
        let mut release = Release {
            latest: Some(VERSION),
            ..Release::default()
        };
        let mut sums = String::new();
        for target in TARGETS {
            let name = asset(target);
            let hex = if target == host_target() {
                release.put(&name, archive().clone());
                sha256_hex(archive())
            } else {
                sha256_hex(name.as_bytes())
            };
            release.put(&format!("{name}.sha256"), sum_line(&hex, &name));
            sums.push_str(&sum_line(&hex, &name));
        }
        release.put("SHA256SUMS", sums);
        release
    }

    /// Serves `body` as FILE of the release.
    pub fn put(&mut self, file: &str, body: impl Into<Bytes>) {
        self.files.insert(file.to_owned(), body.into());
    }

    /// Stops serving FILE.
    pub fn remove(&mut self, file: &str) {
        self.files.remove(file);
    }

    /// Starts serving it on 127.0.0.1.
    pub fn serve(self) -> Server {
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(Served {
            release: self,
            log: log.clone(),
        });
        let app = Router::new().fallback(github).with_state(state);
        let (url, runtime) = serve_app(app);
        Server {
            base: format!("{url}{RELEASES}"),
            log,
            _runtime: runtime,
        }
    }
}

/// What the server holds.
pub struct Served {
    release: Release,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// Answers like github.com: `releases/latest/download/FILE` redirects to
/// the latest tag's `releases/download/vV/FILE`, which redirects to the file
/// in storage (`/storage/...`); anything else is a 404. Logs every path.
async fn github(State(served): State<Arc<Served>>, uri: Uri) -> Response {
    let path = uri.path();
    served.log.lock().unwrap().push(path.to_owned());
    let redirect = |to: String| (StatusCode::FOUND, [(LOCATION, to)]).into_response();
    let not_found = || (StatusCode::NOT_FOUND, "Not Found").into_response();
    let release = &served.release;
    let tag = format!("v{VERSION}");
    if let Some(file) = path.strip_prefix(&format!("{RELEASES}/latest/download/")) {
        return match release.latest {
            Some(latest) => redirect(format!("{RELEASES}/download/v{latest}/{file}")),
            None => not_found(),
        };
    }
    if let Some(file) = path.strip_prefix(&format!("{RELEASES}/download/{tag}/"))
        && release.files.contains_key(file)
    {
        return redirect(format!("/storage/{tag}/{file}"));
    }
    if let Some(file) = path.strip_prefix(&format!("/storage/{tag}/"))
        && let Some(body) = release.files.get(file)
    {
        return body.clone().into_response();
    }
    not_found()
}

/// A release server on 127.0.0.1, stopped when dropped.
pub struct Server {
    /// The value for PERFGATE_DOWNLOAD_URL.
    pub base: String,
    pub log: Arc<Mutex<Vec<String>>>,
    pub _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// The release paths requested so far (below the releases base; the
    /// redirects to storage left out).
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|p| p.strip_prefix(RELEASES).map(str::to_owned))
            .collect()
    }

    /// How many files were fetched from storage.
    pub fn fetched(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/storage/"))
            .count()
    }
}
