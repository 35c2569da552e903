//! The HTTP layer's own error type: what a handler can fail with, and the
//! response each failure becomes. Internal failures answer with generic text
//! (a database path or SQL error is nobody's business) and are logged in full.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// 400 with a one-line message (a bad query parameter).
    BadRequest(String),
    /// 404 with a one-line message for the client.
    NotFound(String),
    /// 410 with a one-line message: a feed that was served and is no more.
    Gone(String),
    /// 500; the cause is logged, the client sees generic text.
    Internal(anyhow::Error),
}

impl From<StoreError> for HttpError {
    fn from(err: StoreError) -> Self {
        HttpError::Internal(err.into())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            HttpError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            HttpError::NotFound(message) => (StatusCode::NOT_FOUND, message),
            HttpError::Gone(message) => (StatusCode::GONE, message),
            HttpError::Internal(err) => {
                // Inside TraceLayer's request span, so method and URI are logged too.
                tracing::error!(error = format!("{err:#}"), "request failed");
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                (status, "internal server error".to_string())
            }
        };
        let headers = [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            // Messages echo the requested path: never let a browser sniff them as HTML.
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ];
        (status, headers, format!("{message}\n")).into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    async fn parts(err: HttpError) -> (StatusCode, String, String) {
        let response = err.into_response();
        let status = response.status();
        let kind = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, kind, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn not_found_answers_its_one_line_message() {
        let (status, kind, body) = parts(HttpError::NotFound("no feed \"x\"".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(kind, "text/plain; charset=utf-8");
        assert_eq!(body, "no feed \"x\"\n");
    }

    #[tokio::test]
    async fn internal_error_hides_its_cause() {
        let cause = anyhow::anyhow!("disk I/O error at /var/lib/refeed/refeed.db");
        let (status, _, body) = parts(HttpError::Internal(cause.context("query"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, "internal server error\n");
    }
}
