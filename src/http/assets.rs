//! The web app built into `static/`, embedded in the binary. Files are served with
//! cache headers (hashed assets for a year, `index.html` never cached); any other path
//! that is not under `/api` gets `index.html` so the app's router can take it.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse};

use super::AppError;

#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct Static;

const INDEX: &str = "index.html";

pub async fn serve_app(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let path = req.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return Err(AppError::NotFound("no such API endpoint".into()));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(AppError::MethodNotAllowed {
            allow: vec!["GET", "HEAD"],
        });
    }
    let (name, file) = match Static::get(path).filter(|_| !path.is_empty()) {
        Some(file) => (path, file),
        // Hashed assets that do not exist are real 404s, not the app.
        None if path.starts_with("assets/") => {
            return Err(AppError::NotFound("no such file".into()));
        }
        None => match Static::get(INDEX) {
            Some(file) => (INDEX, file),
            None => return Err(AppError::NotFound("the web app is not built".into())),
        },
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    // The service worker is checked on every visit, so a new version of the app reaches
    // tills that keep it cached.
    let cache = if name == INDEX || name == "sw.js" {
        "no-cache"
    } else if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if not_modified {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .content_type(mime.as_ref())
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(file.data.into_owned()))
}
