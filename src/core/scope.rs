//! Scope names: what an SLO or regression rule applies to, and what a
//! Summary keeps statistics for. A request's name, `flow.NAME` for a flow, or
//! `all` for every request together.

/// The scope label of objectives over all requests together.
pub const ALL: &str = "all";

/// Whether `name` is a valid request name: `[A-Za-z0-9_-]+`.
pub fn is_request_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The prefix of a flow's scope: `flow.checkout.p95`.
pub const FLOW_PREFIX: &str = "flow.";

/// The scope of flow `name`'s statistics: `flow.NAME`.
pub fn flow_scope(name: &str) -> String {
    format!("{FLOW_PREFIX}{name}")
}

/// Whether `scope` names a flow (`flow.NAME`) rather than a request.
pub fn is_flow_scope(scope: &str) -> bool {
    scope.starts_with(FLOW_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_flow_scopes() {
        assert!(is_request_name("predict-v2_b"));
        assert!(!is_request_name(""));
        assert!(!is_request_name("a.b"));
        assert_eq!(flow_scope("login"), "flow.login");
        assert!(is_flow_scope("flow.login"));
        assert!(!is_flow_scope("login"));
    }
}
