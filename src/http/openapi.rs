//! The OpenAPI document (utoipa), assembled from the enabled domains.

use utoipa::OpenApi;

use super::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kirana API",
        description = "Online store, point of sale and back office for small merchants."
    ),
    paths(
        super::ops::healthz,
        super::ops::readyz,
        super::ops::metrics,
        super::store::store_info,
        super::store::store_settings,
        super::store::save_store_settings
    ),
    components(schemas(Problem, FieldError, super::store::StoreInfo, crate::profile::ProfileInput,
        crate::profile::ProfileView, crate::config::Registration)),
    tags((name = "operations", description = "Health, readiness and metrics"))
)]
pub struct ApiDoc;

/// The whole document, as served at `/api/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The document as served: every operation states its security (from the RBAC table,
/// so the description cannot drift from what the gateway enforces) and every problem it
/// can answer, as `application/problem+json` with the `Problem` schema.
pub fn finished_document(
    doc: &utoipa::openapi::OpenApi,
    rules: &[crate::gateway::rbac::RouteRule],
) -> serde_json::Value {
    use crate::gateway::rbac::Access;
    use serde_json::{Value, json};

    let mut doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        })
    };
    if let Some(components) = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        && let Some(components) = components.as_object_mut()
    {
        components.insert(
            "securitySchemes".into(),
            json!({
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "An access token from /api/v1/auth/login, or an API key (kir_...)."},
                "api_key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "kirana_access",
                    "description": "The browser session; writes also need the X-CSRF-Token header (the kirana_csrf cookie's value)."}
            }),
        );
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let upper = method.to_uppercase();
            let access = rules
                .iter()
                .find(|r| r.path == path && r.method == upper)
                .map(|r| r.access);
            let has_body = op.contains_key("requestBody");
            let params = op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let idempotent = params.iter().any(|p| p["name"] == "Idempotency-Key");
            // The key's rule lives in one place (`http::idempotency`); its schema says it.
            if let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                for param in list.iter_mut() {
                    if param["name"] == "Idempotency-Key" {
                        param["schema"] = json!({
                            "type": "string",
                            "minLength": 1,
                            "maxLength": crate::http::idempotency::KEY_MAX_LEN,
                            "pattern": "^[!-~]+$",
                            "description": "1 to 255 visible ASCII characters; one per intended effect"
                        });
                    }
                }
            }
            let mut problems: Vec<(&str, &str)> = Vec::new();
            if has_body || !params.is_empty() {
                problems.push(("400", "A field is invalid; `errors` names each one"));
            }
            match access {
                Some(Access::Public) | None => {
                    op.insert("security".into(), json!([{}]));
                    // Open to anyone, but a credential that is sent is checked.
                    problems.push(("401", "A credential was sent and is no longer valid"));
                }
                Some(Access::Authenticated) => {
                    op.insert(
                        "security".into(),
                        json!([{"bearer": []}, {"api_key": []}, {"cookie": []}]),
                    );
                    problems.push(("401", "Not signed in, or the session ended"));
                    problems.push((
                        "403",
                        "A cookie-authenticated write without its X-CSRF-Token header",
                    ));
                }
                Some(Access::Permission(p)) => {
                    op.insert(
                        "security".into(),
                        json!([{"bearer": []}, {"api_key": []}, {"cookie": []}]),
                    );
                    op.insert("x-permission".into(), json!(p.as_str()));
                    problems.push(("401", "Not signed in, or the session ended"));
                    problems.push(("403", "The caller lacks the permission this needs"));
                }
            }
            if path.contains('{') {
                problems.push(("404", "Nothing with this id (or not the caller's)"));
            } else if has_body || !params.is_empty() {
                problems.push((
                    "404",
                    "A field names something that does not exist; `errors` names it",
                ));
            }
            if upper != "GET" {
                problems.push(("409", "The current state refuses the change"));
            }
            if has_body {
                problems.push(("413", "The body is larger than the server accepts"));
                problems.push(("415", "The body is not JSON"));
            }
            if idempotent {
                problems.push(("422", "This Idempotency-Key was used with another request"));
            }
            problems.push((
                "429",
                "Too many requests; retry after `Retry-After` seconds",
            ));
            let responses = op.entry("responses").or_insert_with(|| json!({}));
            let Some(responses) = responses.as_object_mut() else {
                continue;
            };
            for (status, description) in problems {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem(description));
            }
            // Problems a handler documented by hand are problem+json too.
            for (status, response) in responses.iter_mut() {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                    && let Some(schema) = content.remove("application/json")
                {
                    content.insert("application/problem+json".into(), schema);
                }
            }
        }
    }
    unique_operation_ids(paths);
    doc
}

/// Handlers of different domains share names (`list`, `get`): an operation id that more
/// than one operation has becomes `{tag}_{id}`, so generated clients get one name each.
fn unique_operation_ids(paths: &mut serde_json::Map<String, serde_json::Value>) {
    use std::collections::HashMap;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for op in paths
        .values()
        .filter_map(|i| i.as_object())
        .flat_map(|i| i.values())
    {
        if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
            *seen.entry(id.to_string()).or_default() += 1;
        }
    }
    for op in paths
        .values_mut()
        .filter_map(|i| i.as_object_mut())
        .flat_map(|i| i.values_mut())
    {
        let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
            continue;
        };
        if seen.get(id).copied().unwrap_or(0) > 1 {
            let tag = op["tags"][0].as_str().unwrap_or("api");
            let renamed = format!("{tag}_{id}");
            op["operationId"] = serde_json::Value::String(renamed);
        }
    }
}
