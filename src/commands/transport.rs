//! Which transport sends a run's requests: the lean one for plain
//! `http://` over HTTP/1.1 without gzip or a proxy (a connection per user or
//! a shared pool, either workload model); reqwest for everything else
//! (HTTPS, HTTP/2, gzip, a proxy).
//! `PERFGATE_TRANSPORT` overrides the choice, to compare the two.

use crate::engine::LeanTransport;
use crate::plan::ValidPlan;

/// The environment variable that overrides the choice: `lean` or `reqwest`.
pub const OVERRIDE: &str = "PERFGATE_TRANSPORT";

/// A transport, chosen but not built yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// [`LeanTransport`]: HTTP/1.1, a connection per user or a shared pool.
    Lean,
    /// [`crate::engine::ReqwestTransport`]: a connection per user or a shared
    /// pool, HTTP/1.1 or HTTP/2, TLS, gzip, a proxy.
    Reqwest,
}

/// Why the override cannot be honoured.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// A value other than `lean` or `reqwest`.
    #[error("{OVERRIDE}={0:?}: expected `lean` or `reqwest`")]
    Unknown(String),
    /// `lean` asked for a plan it cannot send.
    #[error(
        "{OVERRIDE}=lean: the lean transport sends plans over plain http:// only, \
         HTTP/1.1, no gzip and no proxy"
    )]
    Unsupported,
}

/// The transport for `plan`, given the override's value (`None` or empty when unset).
///
/// # Errors
///
/// When the override is not a transport's name, or names one that cannot
/// send `plan`.
pub fn choose(plan: &ValidPlan, wanted: Option<&str>) -> Result<Choice, ChoiceError> {
    let fits = lean_fits(plan);
    match wanted.map(str::trim).unwrap_or_default() {
        "" if fits => Ok(Choice::Lean),
        "" | "reqwest" => Ok(Choice::Reqwest),
        "lean" if fits => Ok(Choice::Lean),
        "lean" => Err(ChoiceError::Unsupported),
        other => Err(ChoiceError::Unknown(other.to_owned())),
    }
}

/// Whether the lean transport does all `plan` asks: plain HTTP/1.1, nothing more.
fn lean_fits(plan: &ValidPlan) -> bool {
    let c = &plan.client;
    !c.http2 && !c.gzip && c.proxy.is_none() && LeanTransport::supports(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Overrides;

    fn plan(host: &str, load: &str, extra: &str) -> ValidPlan {
        let dir = std::env::temp_dir().join(format!("perfgate-choice-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = format!(
            "name: t\nhost: {host}\nload: {load}\n{extra}requests:\n  - name: a\n    path: /\n"
        );
        let path = dir.join(format!("{:x}.yaml", fastrand::u64(..)));
        std::fs::write(&path, text).unwrap();
        crate::plan::load(&path, &Overrides::default()).unwrap()
    }

    const CLOSED: &str = "{users: 1, duration: 1s}";

    #[test]
    fn lean_for_plain_http_reqwest_otherwise() {
        let closed = plan("http://127.0.0.1:1", CLOSED, "");
        let tls = plan("https://127.0.0.1:1", CLOSED, "");
        let open = plan("http://127.0.0.1:1", "{rate: 10/s, duration: 1s}", "");
        assert_eq!(choose(&closed, None), Ok(Choice::Lean));
        assert_eq!(choose(&closed, Some("")), Ok(Choice::Lean));
        assert_eq!(choose(&tls, None), Ok(Choice::Reqwest));
        assert_eq!(choose(&open, None), Ok(Choice::Lean));
        assert_eq!(choose(&closed, Some("reqwest")), Ok(Choice::Reqwest));
        assert_eq!(choose(&closed, Some("lean")), Ok(Choice::Lean));
        assert_eq!(choose(&open, Some("lean")), Ok(Choice::Lean));
        assert_eq!(choose(&tls, Some("lean")), Err(ChoiceError::Unsupported));
        assert_eq!(
            choose(&closed, Some("curl")),
            Err(ChoiceError::Unknown("curl".to_owned()))
        );
    }

    #[test]
    fn reqwest_for_what_lean_does_not_do() {
        for connections in ["per_user", "shared"] {
            let extra = format!("connections: {connections}\n");
            let p = plan("http://127.0.0.1:1", CLOSED, &extra);
            assert_eq!(choose(&p, None), Ok(Choice::Lean), "{extra}");
        }
        for extra in [
            "http2: true\n",
            "gzip: true\n",
            "proxy: http://127.0.0.1:2\n",
        ] {
            let p = plan("http://127.0.0.1:1", CLOSED, extra);
            assert_eq!(choose(&p, None), Ok(Choice::Reqwest), "{extra}");
            assert_eq!(choose(&p, Some("reqwest")), Ok(Choice::Reqwest), "{extra}");
            assert_eq!(
                choose(&p, Some("lean")),
                Err(ChoiceError::Unsupported),
                "{extra}"
            );
        }
        // TLS settings matter to https:// targets only.
        let insecure = plan("http://127.0.0.1:1", CLOSED, "tls: {insecure: true}\n");
        assert_eq!(choose(&insecure, None), Ok(Choice::Lean));
    }
}
