//! The jobs web page: static assets compiled into the binary (`web/`), served without a token
//! (the page asks for one and sends it to the API itself). Every client-side route answers
//! with the same `index.html`, so a reload or a pasted link opens the right view.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// Where the page lives; `/` sends the browser there.
pub const HOME: &str = "/admin/automation/jobs";

/// The page allows only its own scripts, styles and API calls: nothing inline, no other origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The page's routes, merged into the API router (they need no state of their own).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::temporary(HOME) }))
        .route("/login", get(page))
        .route("/admin", get(page))
        .route("/admin/{*rest}", get(page))
        .route("/assets/{*path}", get(asset))
}

/// The single HTML page every client-side route loads.
async fn page() -> Response {
    match Assets::get("index.html") {
        Some(file) => with_headers(file.data.into_owned(), "text/html; charset=utf-8"),
        None => missing(),
    }
}

/// A file under `web/assets/`, revalidated by its content hash.
async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(file) = Assets::get(&format!("assets/{path}")) else {
        return missing();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = content_type(file.metadata.mimetype());
        with_headers(file.data.into_owned(), &mime)
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Text types get an explicit charset so the browser never guesses.
fn content_type(mime: &str) -> String {
    if mime.starts_with("text/") || mime == "application/javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Every file is revalidated (`no-cache`): the ETag makes that a cheap 304.
fn with_headers(body: Vec<u8>, content_type: &str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn missing() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_entry_script_are_embedded() {
        assert!(Assets::get("index.html").is_some());
        let app = Assets::get("assets/js/app.js").expect("app.js is embedded");
        // Module scripts load only with a JavaScript type.
        assert!(app.metadata.mimetype().ends_with("javascript"));
    }

    #[test]
    fn text_types_carry_a_charset() {
        assert_eq!(content_type("text/css"), "text/css; charset=utf-8");
        assert_eq!(content_type("image/svg+xml"), "image/svg+xml");
    }
}
