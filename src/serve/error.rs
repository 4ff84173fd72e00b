//! Errors as the reference API writes them: a JSON body with a `detail` string and the
//! reference's status codes (400, 401, 404, 429, 500, 501).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub detail: String,
}

/// An error response: a status and a `detail`, plus `Retry-After` for 429.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
            retry_after_s: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// A symbol nobody watches: the reference points to `/v1/symbols`.
    pub fn unknown_symbol(symbol: &str) -> Self {
        Self::not_found(format!(
            "unknown symbol '{symbol}': GET /v1/symbols lists the symbols this server watches"
        ))
    }

    /// An endpoint of the reference that depthscope does not compute yet.
    pub fn not_computed(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("{what} is not computed by this depthscope yet"),
        )
    }

    pub fn too_many(retry_after_s: u64) -> Self {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: format!("rate limit reached: retry in {retry_after_s} s"),
            retry_after_s: Some(retry_after_s),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(ErrorBody {
                detail: self.detail,
            }),
        )
            .into_response();
        if let Some(s) = self.retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}
