//! Extractors that turn bad input into problems naming the field: `Json<T>` and `Query<T>`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::{AppError, FieldError};

/// The largest JSON body a route accepts; set once from `server.body_limit_bytes`.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body. Malformed JSON is a 400, a wrong or missing field a 400 that names
/// the field (`lines[1].quantity`), an oversized body a 413, a non-JSON body a 415.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let content_type_ok = is_json(req);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(not_json());
            }
            if declared_length.is_some_and(|n| n > limit) {
                return Err(AppError::PayloadTooLarge { limit });
            }
            let body = read_body(payload, limit).await?;
            parse_json(&body).map(Json)
        })
    }
}

fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<BodyLimit>()
        .map(|l| l.0)
        .unwrap_or(1024 * 1024)
}

fn not_json() -> AppError {
    AppError::UnsupportedMediaType(
        "the request body must be JSON (Content-Type: application/json)".into(),
    )
}

/// The whole body, or a 413 as soon as it passes `limit`.
async fn read_body(mut payload: Payload, limit: usize) -> Result<BytesMut, AppError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A JSON body that may be left out: no body (or only whitespace) is `None`; a body that
/// is there must be JSON of the right shape, as with [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let content_type_ok = is_json(req);
        let payload = payload.take();
        Box::pin(async move {
            let body = read_body(payload, limit).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if !content_type_ok {
                return Err(not_json());
            }
            parse_json(&body).map(|v| OptionalJson(Some(v)))
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses JSON, reporting where it went wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest("the request body is empty".into()));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(match inner.classify() {
                // JSON has one kind of number: 7.0 is the integer 7 (as JSON Schema says).
                serde_json::error::Category::Data
                    if inner
                        .to_string()
                        .starts_with("invalid type: floating point") =>
                {
                    match integral_retry(body) {
                        Some(result) => return result,
                        None => field_error(&path, &inner),
                    }
                }
                serde_json::error::Category::Data => field_error(&path, &inner),
                // serde_json reports a number or a list where an enum's name belongs as a
                // syntax error; in JSON that parses, it is that field's wrong type.
                serde_json::error::Category::Syntax
                    if path != "."
                        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() =>
                {
                    AppError::Validation(vec![FieldError::new(
                        path,
                        "has the wrong type: expected one of its named values",
                    )])
                }
                _ => AppError::BadRequest(format!("malformed JSON: {inner}")),
            });
        }
    };
    de.end()
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// The body again with every whole-valued float (`7.0`) made an integer, when it has one;
/// what deserialising that gives. Runs only after a float was refused, so a request with
/// plain integers never pays for it.
fn integral_retry<T: DeserializeOwned>(body: &[u8]) -> Option<Result<T, AppError>> {
    fn integralize(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                let Some(f) = n.as_f64() else {
                    return false;
                };
                // Within ±2^53 a float holds every integer exactly.
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *value = serde_json::Value::from(f as i64);
                    true
                } else {
                    false
                }
            }
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| integralize(v) | changed),
            serde_json::Value::Object(map) => map
                .values_mut()
                .fold(false, |changed, v| integralize(v) | changed),
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !integralize(&mut value) {
        return None;
    }
    Some(serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, &e.into_inner())
    }))
}

fn field_error(path: &str, e: &serde_json::Error) -> AppError {
    let message = strip_position(&e.to_string());
    // A missing field is reported at its parent's path; name the field itself.
    let field = match message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        Some(name) if path == "." => name.to_string(),
        Some(name) => format!("{path}.{name}"),
        None if path == "." => "body".to_string(),
        None => path.to_string(),
    };
    AppError::Validation(vec![FieldError::new(field, message)])
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Query parameters, with the parameter named on failure.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // An empty value is an absent one (`?status=&limit=10` filters by nothing), as a
        // form with a field left blank sends it.
        let raw = req.query_string();
        let kept: String;
        let query = if form_urlencoded::parse(raw.as_bytes()).any(|(_, v)| v.is_empty()) {
            kept = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form_urlencoded::parse(raw.as_bytes()).filter(|(_, v)| !v.is_empty()))
                .finish();
            kept.as_str()
        } else {
            raw
        };
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| {
                    let path = e.path().to_string();
                    let message = e.into_inner().to_string();
                    let field = match message
                        .strip_prefix("missing field `")
                        .and_then(|r| r.split('`').next())
                    {
                        Some(name) => name.to_string(),
                        None if path == "." => "query".to_string(),
                        None => path,
                    };
                    AppError::Validation(vec![FieldError::new(field, message)])
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        customer: String,
        lines: Vec<Line>,
    }

    fn field_of(body: &str) -> String {
        match parse_json::<Order>(body.as_bytes()) {
            Err(AppError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn wrong_types_name_the_nested_field() {
        assert_eq!(
            field_of(
                r#"{"customer":"a","lines":[{"sku":"x","quantity":1},{"sku":"y","quantity":-2}]}"#
            ),
            "lines[1].quantity"
        );
    }

    #[test]
    fn whole_floats_are_integers_and_fractions_are_not() {
        let order = parse_json::<Order>(
            br#"{"customer":"a","lines":[{"sku":"x","quantity":7.0},{"sku":"y","quantity":2}]}"#,
        )
        .expect("7.0 is the integer 7");
        assert_eq!(order.lines[0].quantity, 7);
        assert_eq!(order.lines[1].quantity, 2);
        assert_eq!(
            field_of(r#"{"customer":"a","lines":[{"sku":"x","quantity":7.5}]}"#),
            "lines[0].quantity"
        );
        assert_eq!(
            field_of(r#"{"customer":"a","lines":[{"sku":"x","quantity":-3.0}]}"#),
            "lines[0].quantity"
        );
    }

    #[derive(Debug, Deserialize)]
    struct Filter {
        status: Option<String>,
        limit: Option<u32>,
    }

    fn query(uri: &str) -> Result<Filter, AppError> {
        let req = actix_web::test::TestRequest::with_uri(uri).to_http_request();
        Query::<Filter>::extract(&req).into_inner().map(|q| q.0)
    }

    #[test]
    fn an_empty_query_value_is_an_absent_one() {
        let f = query("/x?status=&limit=").expect("empty values are absent");
        assert_eq!((f.status, f.limit), (None, None));
        let f = query("/x?status=paid&limit=5").expect("given values are kept");
        assert_eq!((f.status.as_deref(), f.limit), (Some("paid"), Some(5)));
        match query("/x?status=&limit=many") {
            Err(AppError::Validation(e)) => assert_eq!(e[0].field, "limit"),
            other => panic!("expected limit named, got {other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(field_of(r#"{"lines":[]}"#), "customer");
        assert_eq!(
            field_of(r#"{"customer":"a","lines":[{"sku":"x"}]}"#),
            "lines[0].quantity"
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Role {
        Admin,
        Customer,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct RoleChange {
        role: Role,
    }

    #[test]
    fn a_number_or_a_list_for_an_enum_names_the_field() {
        for body in [r#"{"role": 5}"#, r#"{"role": [1]}"#, r#"{"role": true}"#] {
            match parse_json::<RoleChange>(body.as_bytes()) {
                Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "role", "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        match parse_json::<RoleChange>(br#"{"role": "owner"}"#) {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "role"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request_not_a_field_error() {
        assert!(matches!(
            parse_json::<Order>(br#"{"customer": "#),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Order>(br#"{"customer":"a","lines":[]} trailing"#),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Order>(b"  "),
            Err(AppError::BadRequest(_))
        ));
    }
}
