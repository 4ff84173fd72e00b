//! Query strings, strictly: a parameter the endpoint does not take is a 400 (a typo such as
//! `?exchnage=okx` must not silently return something else), and query strings are bounded.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The longest query string accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 2048;

/// A query string deserialized into `T`, which should use `#[serde(deny_unknown_fields)]`.
#[derive(Debug)]
pub struct Params<T>(pub T);

/// No parameters at all.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        parse(query).map(Params)
    }
}

/// Parses a query string into `T`, with the messages the API answers.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(ApiError::bad_request(format!(
            "the query string is {} bytes; at most {MAX_QUERY_BYTES} are accepted",
            query.len()
        )));
    }
    serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::bad_request(format!("bad query parameters: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Levels {
        depth: Option<usize>,
    }

    #[test]
    fn known_parameters_parse_and_unknown_ones_are_refused() {
        assert_eq!(
            parse::<Levels>("depth=5").unwrap(),
            Levels { depth: Some(5) }
        );
        assert_eq!(parse::<Levels>("").unwrap(), Levels { depth: None });
        let e = parse::<Levels>("depht=5").unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(e.detail.contains("depht"), "{}", e.detail);
        assert!(parse::<NoParams>("x=1").is_err());
        assert!(parse::<Levels>("depth=-1").is_err());
    }

    #[test]
    fn long_query_strings_are_refused() {
        let long = format!("depth={}", "1".repeat(MAX_QUERY_BYTES));
        let e = parse::<Levels>(&long).unwrap_err();
        assert!(e.detail.contains("at most"), "{}", e.detail);
    }
}
