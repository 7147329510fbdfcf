//! Validating where the load goes: the `host` (or `--host`) base URL and the
//! `serve:` command that starts the system under test.

use std::path::PathBuf;
use std::time::Duration;

use serde_saphyr::Spanned;
use url::Url;

use super::Validator;
use crate::plan::client::Trust;
use crate::plan::diagnostic::Diagnostic;
use crate::plan::serve_spec::ServeSpec;
use crate::plan::valid::ServeDef;

/// How long `serve` waits for readiness unless the plan says otherwise.
pub const DEFAULT_SERVE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a served command may take to exit after SIGTERM unless the plan says otherwise.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(5);
/// A first word of `serve.command` that means this perfgate executable.
pub const SELF_PROGRAM: &str = "perfgate";

impl Validator<'_> {
    /// The base URL every request is sent to: `--host` when given, else the
    /// plan's `host`, checked and without a trailing slash.
    pub(super) fn host(&mut self, planned: &Spanned<String>, flag: Option<&str>) -> String {
        let (text, loc) = match flag {
            Some(h) => (h, None),
            None => (planned.value.as_str(), Some(planned.referenced)),
        };
        match check_host(text) {
            Ok(host) => host,
            Err(why) => {
                let message = format!("invalid host `{}`: {why}", without_password(text));
                let d = match loc {
                    Some(l) => self.at(l, message),
                    None => Diagnostic::new("--host", "", 0, 0, message),
                };
                self.problem(d.with_help("write a base URL such as `http://127.0.0.1:5001`"));
                String::new()
            }
        }
    }

    /// What `serve:` starts before the load and stops after it; `None` when
    /// its command is empty or cannot be found.
    pub(super) fn serve(
        &mut self,
        spec: &ServeSpec,
        host: &str,
        trust: &Trust,
    ) -> Option<ServeDef> {
        let Some((first, args)) = spec.command.value.split_first() else {
            let d = self.at(spec.command.referenced, "`serve.command` is empty");
            self.problem(
                d.with_help("give the program and its arguments, e.g. `[perfgate, demo-api]`"),
            );
            return None;
        };
        let program = if first == SELF_PROGRAM {
            match std::env::current_exe() {
                Ok(exe) => exe,
                Err(e) => {
                    let d = self.at(
                        spec.command.referenced,
                        format!(
                            "cannot find this perfgate executable to run `{SELF_PROGRAM}`: {e}"
                        ),
                    );
                    self.problem(d);
                    return None;
                }
            }
        } else {
            PathBuf::from(first)
        };
        Some(ServeDef {
            program,
            args: args.to_vec(),
            env: spec
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect(),
            ready_method: spec.ready.method,
            ready_url: format!("{host}{}", spec.ready.path),
            timeout: spec.timeout.map_or(DEFAULT_SERVE_TIMEOUT, |d| d.0),
            stop_grace: spec.stop_grace.map_or(DEFAULT_STOP_GRACE, |d| d.0),
            trust: trust.clone(),
        })
    }
}

/// Checks a base URL: http or https, a host, no path, query or fragment.
/// Returns it without a trailing slash.
fn check_host(text: &str) -> Result<String, String> {
    let url = check_base_url(
        text,
        "a host must not have a path, query or fragment; put the path in each request",
    )?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "a host must not carry credentials: they would be written into every report; send them in a header (`defaults.headers`) from an environment variable".into(),
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Checks the URL of a server (a host, a proxy): http or https, a host
/// name, and no path, query or fragment (else the error `no_path`).
pub(super) fn check_base_url(text: &str, no_path: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            "it has no scheme; expected `http://` or `https://`".to_string()
        }
        other => other.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "scheme `{}` is not supported; expected `http` or `https`",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host name".into());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(no_path.to_owned());
    }
    Ok(url)
}

/// `text` with the password of a URL masked, so an error never echoes it.
pub(super) fn without_password(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) if url.password().is_some() => {
            // Setting a password fails only on URLs that cannot have one, and
            // this one has one.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            check_host("http://127.0.0.1:5001/").unwrap(),
            "http://127.0.0.1:5001"
        );
        assert_eq!(
            check_host("https://localhost").unwrap(),
            "https://localhost"
        );
        assert!(check_host("127.0.0.1:5001").is_err());
        assert!(check_host("localhost").unwrap_err().contains("no scheme"));
        assert!(check_host("ftp://x").unwrap_err().contains("ftp"));
        assert!(check_host("http://x/api").unwrap_err().contains("path"));
        assert!(check_host("http://x/?a=1").unwrap_err().contains("query"));
        assert!(
            check_host("http://u:p@x")
                .unwrap_err()
                .contains("credentials")
        );
        assert_eq!(without_password("http://u:hunter2@x"), "http://u:***@x/");
    }
}
