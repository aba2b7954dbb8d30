//! The OpenAPI document states the rules the server checks: for the shared text fields,
//! each sample is accepted by the document's pattern exactly when the server accepts it.

mod common;

use common::{Backend, TestApp, for_each_backend};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use kirana::contracts::email::Email;
use kirana::contracts::fields;
use kirana::contracts::gst::Gstin;
use regex::Regex;
use serde_json::Value;

fn document() -> Value {
    kirana::api_document()
}

fn property<'a>(doc: &'a Value, schema: &str, name: &str) -> &'a Value {
    let found = &doc["components"]["schemas"][schema]["properties"][name];
    assert!(found.is_object(), "{schema}.{name} is not in the document");
    found
}

fn pattern(schema: &Value) -> Regex {
    let text = schema["pattern"]
        .as_str()
        .unwrap_or_else(|| panic!("no pattern in {schema}"));
    Regex::new(text).unwrap_or_else(|e| panic!("pattern {text}: {e}"))
}

/// Whether the document's rule (pattern and maxLength) takes `sample`.
fn schema_takes(schema: &Value, sample: &str) -> bool {
    let short_enough = schema["maxLength"]
        .as_u64()
        .is_none_or(|max| sample.chars().count() as u64 <= max);
    short_enough && pattern(schema).is_match(sample)
}

#[test]
fn phones_pin_codes_and_emails_follow_one_rule_in_the_document_and_the_server() {
    let doc = document();
    let phone = property(&doc, "PostalAddress", "phone");
    for sample in [
        "9845012345",
        "+91 98450 12345",
        "(080) 2345-6789",
        "  +919845012345  ",
        "98450",
        "98450123456789012",
        "+91 98450 12345 678",
        "12ab567890",
        "( +919845012345",
        "++919845012345",
        "",
        "   ",
    ] {
        assert_eq!(
            schema_takes(phone, sample),
            fields::phone(sample, "phone").is_ok(),
            "phone {sample:?}"
        );
    }

    let pin = property(&doc, "PostalAddress", "pincode");
    for sample in [
        "560001", " 560001 ", "060001", "56000", "5600011", "56O001", "",
    ] {
        assert_eq!(
            schema_takes(pin, sample),
            fields::pincode(sample, "pincode").is_ok(),
            "pincode {sample:?}"
        );
    }

    let email = property(&doc, "RegisterRequest", "email");
    let long_local = format!("{}@example.in", "a".repeat(65));
    let long_domain = format!("a@{}.in", "b".repeat(260));
    for sample in [
        "asha@example.in",
        "  Asha.Rao@Example.IN ",
        "asha",
        "asha@",
        "@example.in",
        "a@b",
        "a b@example.in",
        "a@@b.in",
        "a@b..in",
        "a@.b.in",
        "a@b.in.",
        "a\u{1}@b.in",
        long_local.as_str(),
        long_domain.as_str(),
    ] {
        assert_eq!(
            schema_takes(email, sample),
            Email::parse(sample, "email").is_ok(),
            "email {sample:?}"
        );
    }
}

#[test]
fn state_codes_are_the_places_of_supply_of_the_gst_table() {
    let doc = document();
    let codes: Vec<&str> = property(&doc, "AddressInput", "state_code")["enum"]
        .as_array()
        .expect("an enum of codes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in ["01", "04", "07", "29", "33", "37", "97"] {
        assert!(codes.contains(&code), "{code} is a place of supply");
        assert!(fields::state_code(code, "state_code").is_ok());
    }
    // 25 and 28 appear only on old registrations; 99 is not a place of supply.
    for code in ["25", "28", "99", "00", "4"] {
        assert!(!codes.contains(&code), "{code} is not offered");
        assert!(fields::state_code(code, "state_code").is_err());
    }
}

#[test]
fn the_rate_check_takes_exactly_the_state_codes_the_server_takes() {
    let doc = document();
    let params = doc["paths"]["/api/v1/shipping/rates"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let state = params
        .iter()
        .find(|p| p["name"] == "state_code")
        .expect("state_code");
    assert_eq!(state["required"], true);
    for n in 0..100 {
        let code = format!("{n:02}");
        assert_eq!(
            schema_takes(&state["schema"], &code),
            fields::state_code(&code, "state_code").is_ok(),
            "state code {code}"
        );
    }
}

#[test]
fn every_gstin_the_server_takes_matches_the_documented_shape() {
    let doc = document();
    let gstin = property(&doc, "SupplierInput", "gstin");
    assert_eq!(gstin["format"], "gstin");
    // Published examples (valid check characters) and near misses.
    for sample in ["27AAPFU0939F1ZV", "27aapfu0939f1zv", " 27AAPFU0939F1ZV "] {
        assert!(Gstin::parse(sample, "gstin").is_ok(), "{sample}");
        assert!(schema_takes(gstin, sample), "{sample}");
    }
    for sample in [
        "27AAPFU0939F0ZV",
        "27AAPFU0939F1Z",
        "2AAAPFU0939F1ZV",
        "27AAPF00939F1ZV",
    ] {
        assert!(!schema_takes(gstin, sample), "{sample}");
        assert!(Gstin::parse(sample, "gstin").is_err(), "{sample}");
    }
}

#[test]
fn text_limits_and_shared_headers_and_problems_are_documented() {
    let doc = document();
    let name = property(&doc, "PostalAddress", "name");
    assert_eq!(name["maxLength"], 200);
    let blank_or_long = ["   ", &"x".repeat(201)];
    for sample in blank_or_long {
        assert!(!schema_takes(name, sample));
        assert!(fields::text(sample, "name", 200).is_err());
    }
    assert!(schema_takes(name, " Asha "));

    let adjust = &doc["paths"]["/api/v1/inventory/adjustments"]["post"];
    let key = adjust["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "Idempotency-Key"))
        .expect("the key is a documented header");
    assert_eq!(key["schema"]["maxLength"], 255);
    assert_eq!(key["schema"]["minLength"], 1);

    // A public route still checks a credential that is sent; a body naming what does not
    // exist is a 404.
    let listing = &doc["paths"]["/api/v1/catalog/products"]["get"]["responses"];
    assert!(listing["401"].is_object());
    let reserve = &doc["paths"]["/api/v1/inventory/reservations"]["post"]["responses"];
    assert!(reserve["404"].is_object());
}

#[test]
fn every_operation_has_its_own_id() {
    // Generated clients (the web app's) name a function per operation id.
    let doc = document();
    let mut ids = std::collections::HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
                panic!("{id} names both {other} and {method} {path}");
            }
        }
    }
    // Both listings named `list` in their handlers keep a name of their own.
    assert_eq!(
        doc["paths"]["/api/v1/orders"]["get"]["operationId"],
        "orders_list"
    );
    assert_eq!(
        doc["paths"]["/api/v1/payments"]["get"]["operationId"],
        "payments_list"
    );
}

#[derive(QueryableByName)]
struct VarcharColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = BigInt)]
    width: i64,
}

/// `PriceListInput` → the words a table of it is named with: `price_list`, `price_lists`.
fn table_stems(schema: &str) -> Vec<String> {
    let mut snake = String::new();
    for (i, c) in schema.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    let stem = ["_input", "_patch", "_request", "_body"]
        .iter()
        .find_map(|s| snake.strip_suffix(s))
        .unwrap_or(&snake)
        .to_string();
    let mut stems = vec![stem.clone()];
    if let Some(base) = stem.strip_suffix('y') {
        stems.push(format!("{base}ies"));
    }
    stems
}

#[actix_web::test]
async fn documented_text_limits_fit_their_mariadb_columns() {
    for_each_backend(|backend| async move {
        // SQLite's TEXT has no width; MariaDB's VARCHAR does, and refuses what is longer.
        if !matches!(backend, Backend::Mysql(_)) {
            return;
        }
        let app = TestApp::spawn(&backend).await;
        let columns: Vec<VarcharColumn> = app
            .db
            .read(|conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(
                    "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, \
                     CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED) AS width \
                     FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'varchar'",
                )
                .load(conn)?)
            })
            .await
            .unwrap();
        assert!(columns.len() > 50, "the schema's VARCHAR columns are read");
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut checked = 0;
        let mut too_narrow = Vec::new();
        for (schema, body) in schemas {
            // Auth requests (a login, a registration) are stored under no table of
            // their name.
            let Some(props) = body["properties"]
                .as_object()
                .filter(|_| !schema.ends_with("Request"))
            else {
                continue;
            };
            let stems = table_stems(schema);
            for (name, prop) in props {
                let Some(limit) = prop["maxLength"].as_i64() else {
                    continue;
                };
                // A code that is trimmed to the pattern's core before it is stored (a GSTIN,
                // a PIN code) is as wide as that core, not as the text sent.
                if prop["pattern"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(r"^\s*"))
                {
                    continue;
                }
                for column in columns.iter().filter(|c| {
                    &c.column_name == name
                        && stems.iter().any(|s| c.table_name.contains(s.as_str()))
                }) {
                    checked += 1;
                    if column.width < limit {
                        too_narrow.push(format!(
                            "{schema}.{name} takes {limit} characters; {}.{} holds {}",
                            column.table_name, column.column_name, column.width
                        ));
                    }
                }
            }
        }
        assert!(checked >= 10, "only {checked} fields matched a column");
        assert!(too_narrow.is_empty(), "{too_narrow:#?}");
    })
    .await;
}
