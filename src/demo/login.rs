//! The demo API's sign-in, so that flows have a journey to follow:
//! `POST /login` hands out a bearer token, and `/predict` refuses a request
//! whose `Authorization` header carries a token it did not hand out.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

/// The password every demo user signs in with.
pub const PASSWORD: &str = "demo";

/// The prefix of every token the demo hands out.
const TOKEN_PREFIX: &str = "demo-";

/// A sign-in request.
#[derive(Debug, Deserialize)]
pub struct Credentials {
    user: String,
    password: String,
}

/// `POST /login` with `{"user": NAME, "password": "demo"}`: 200 with
/// `{"access_token": …, "token_type": "bearer"}` and a `location` header
/// naming the session; 401 for another password.
pub async fn login(Json(c): Json<Credentials>) -> Response {
    if c.password != PASSWORD {
        let body = json!({ "error": "wrong user or password" });
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let token = format!("{TOKEN_PREFIX}{:016x}", fastrand::u64(..));
    let location = format!("/sessions/{}", session_name(&c.user));
    let body = json!({ "access_token": token, "token_type": "bearer", "user": c.user });
    ([(header::LOCATION, location)], Json(body)).into_response()
}

/// Whether a `/predict` request may go on: no `Authorization` header, or a
/// bearer token this demo handed out.
pub fn authorized(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).is_none_or(|value| {
        value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|token| token.starts_with(TOKEN_PREFIX))
    })
}

/// `name` with everything but letters, digits, `-` and `_` replaced by `_`.
fn session_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_its_own_bearer_tokens_pass() {
        let mut headers = HeaderMap::new();
        assert!(authorized(&headers));
        headers.insert(header::AUTHORIZATION, "Bearer demo-00ff".parse().unwrap());
        assert!(authorized(&headers));
        headers.insert(header::AUTHORIZATION, "Bearer forged".parse().unwrap());
        assert!(!authorized(&headers));
        headers.insert(header::AUTHORIZATION, "Basic demo-00ff".parse().unwrap());
        assert!(!authorized(&headers));
        assert_eq!(session_name("u 1/x"), "u_1_x");
    }
}
