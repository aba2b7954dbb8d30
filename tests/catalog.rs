//! The catalog through its HTTP API: products and variants with their checks, ownership,
//! visibility, categories, listing, search, facets and the scanner lookup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, for_each_backend, register, with_role};
use kirana::contracts::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await.unwrap()
}

fn rice(sku_prefix: &str) -> Value {
    json!({
        "name": "Basmati Rice",
        "description": "Aged long-grain basmati from Dehradun",
        "hsn_code": "1006",
        "gst_rate_bp": 500,
        "status": "active",
        "options": [{"name": "Size", "values": ["1 kg", "5 kg"]}],
        "variants": [
            {"sku": format!("{sku_prefix}-1"), "barcode": "4006381333931", "price_minor": 12000, "options": {"Size": "1 kg"}, "weight_grams": 1000},
            {"sku": format!("{sku_prefix}-5"), "price_minor": 55000, "compare_at_minor": 60000, "options": {"Size": "5 kg"}, "weight_grams": 5000}
        ]
    })
}

fn simple(name: &str, sku: &str, price: i64) -> Value {
    json!({
        "name": name, "hsn_code": "0902", "gst_rate_bp": 500, "status": "active",
        "variants": [{"sku": sku, "price_minor": price}]
    })
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn product_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app.db
        .read(|conn| {
            Ok(kirana::schema::catalog_products::table
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_seller_creates_a_product_the_public_sees_once_active() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (seller_id, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let mut draft = rice("RICE");
        draft["status"] = json!("draft");
        let created = post(&app, &seller, "/api/v1/catalog/products", draft).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let product: Value = created.json().await.unwrap();
        assert_eq!(product["seller_id"], seller_id.as_str());
        assert_eq!(product["slug"], "basmati-rice");
        assert_eq!(product["min_price_minor"], 12000);
        assert_eq!(product["max_price_minor"], 55000);
        assert_eq!(product["variants"][0]["title"], "1 kg");
        assert_eq!(product["variants"][1]["compare_at_minor"], 60000);
        let id = product["id"].as_str().unwrap().to_string();

        // A draft is invisible to the public (404), visible to its seller.
        let path = format!("/api/v1/catalog/products/{id}");
        assert_eq!(get(&app, None, &path).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            get(&app, Some(&seller), &path).await.status(),
            StatusCode::OK
        );
        let listed: Value = get(&app, None, "/api/v1/catalog/products")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);

        let published = patch(&app, &seller, &path, json!({"status": "active"})).await;
        assert_eq!(published.status(), StatusCode::OK);
        let by_slug: Value = get(&app, None, "/api/v1/catalog/products/basmati-rice")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(by_slug["id"], id.as_str());
        let listed: Value = get(&app, None, "/api/v1/catalog/products")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"][0]["id"], id.as_str());

        // A second product with the same name gets its own slug.
        let mut twin = rice("TWIN");
        twin["variants"][0]["barcode"] = json!("036000291452");
        let twin = post(&app, &seller, "/api/v1/catalog/products", twin).await;
        assert_eq!(twin.status(), StatusCode::CREATED);
        let twin: Value = twin.json().await.unwrap();
        assert_ne!(twin["slug"], "basmati-rice");
        assert!(twin["slug"].as_str().unwrap().starts_with("basmati-rice-"));
    })
    .await;
}

#[actix_web::test]
async fn bad_products_name_every_bad_field_and_change_nothing() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        assert_eq!(
            post(&app, &staff, "/api/v1/catalog/products", rice("RICE"))
                .await
                .status(),
            StatusCode::CREATED
        );
        let before = product_count(&app).await;

        let mut bad = rice("OTHER");
        bad["variants"][0]["price_minor"] = json!(-5);
        bad["variants"][0]["barcode"] = json!("4006381333932");
        bad["variants"][1]["compare_at_minor"] = json!(100);
        bad["gst_rate_bp"] = json!(1500);
        bad["hsn_code"] = json!("12");
        let refused = post(&app, &staff, "/api/v1/catalog/products", bad).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = refused.json().await.unwrap();
        let named = fields(&problem);
        for field in [
            "variants[0].price_minor",
            "variants[0].barcode",
            "variants[1].compare_at_minor",
            "gst_rate_bp",
            "hsn_code",
        ] {
            assert!(named.contains(&field.to_string()), "{field} in {named:?}");
        }

        // A SKU or barcode another variant uses.
        let mut dup = rice("RICE");
        dup["name"] = json!("Sona Masoori");
        let refused = post(&app, &staff, "/api/v1/catalog/products", dup).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let named = fields(&refused.json().await.unwrap());
        assert!(named.contains(&"variants[0].sku".to_string()), "{named:?}");
        assert!(
            named.contains(&"variants[0].barcode".to_string()),
            "{named:?}"
        );
        assert!(named.contains(&"variants[1].sku".to_string()), "{named:?}");

        // Options that do not match the product's.
        let mut odd = rice("ODD");
        odd["variants"][1]["options"] = json!({"Size": "10 kg"});
        let refused = post(&app, &staff, "/api/v1/catalog/products", odd).await;
        let named = fields(&refused.json().await.unwrap());
        assert_eq!(named, vec!["variants[1].options.Size".to_string()]);

        // Unknown fields are refused rather than ignored.
        let mut extra = simple("Tea", "TEA-1", 100);
        extra["price"] = json!(5);
        assert_eq!(
            post(&app, &staff, "/api/v1/catalog/products", extra)
                .await
                .status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(product_count(&app).await, before);
    })
    .await;
}

#[actix_web::test]
async fn sellers_act_only_on_their_own_products() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, ravi) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let (_, sita) = with_role(&app, "sita@sellers.in", Role::Seller).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let created: Value = post(&app, &ravi, "/api/v1/catalog/products", rice("RICE"))
            .await
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap();
        let variant = created["variants"][0]["id"].as_str().unwrap();
        let path = format!("/api/v1/catalog/products/{id}");

        // Another seller: 404 on every write, as if the product did not exist.
        let tries = [
            patch(&app, &sita, &path, json!({"name": "Mine now"})).await,
            app.client
                .delete(app.url(&path))
                .bearer_auth(&sita)
                .send()
                .await
                .unwrap(),
            post(
                &app,
                &sita,
                &format!("{path}/variants"),
                json!({"sku": "X-1", "price_minor": 1, "options": {"Size": "1 kg"}}),
            )
            .await,
            patch(
                &app,
                &sita,
                &format!("/api/v1/catalog/variants/{variant}"),
                json!({"price_minor": 1}),
            )
            .await,
        ];
        for t in tries {
            assert_eq!(t.status(), StatusCode::NOT_FOUND);
        }
        // Nor may she create one in his name.
        let mut in_his_name = simple("Tea", "TEA-1", 100);
        in_his_name["seller_id"] = created["seller_id"].clone();
        let refused = post(&app, &sita, "/api/v1/catalog/products", in_his_name).await;
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "a permission, not a bad field"
        );
        // Staff create for sellers only: not for a customer, nor for nobody.
        let (asha_id, _) = with_role(&app, "asha.buyer@example.com", Role::Customer).await;
        for (seller_id, why) in [
            (asha_id.as_str(), "a customer"),
            ("0190aaaa-0000-7000-8000-000000000000", "unknown"),
        ] {
            let mut for_them = simple("Ghee", &format!("GHEE-{}", why.len()), 500);
            for_them["seller_id"] = json!(seller_id);
            let refused = post(&app, &staff, "/api/v1/catalog/products", for_them).await;
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{why}");
            assert_eq!(
                fields(&refused.json().await.unwrap()),
                vec!["seller_id"],
                "{why}"
            );
        }
        let mut for_ravi = simple("Ghee", "GHEE-RAVI", 500);
        for_ravi["seller_id"] = json!(created["seller_id"]);
        let made = post(&app, &staff, "/api/v1/catalog/products", for_ravi).await;
        assert_eq!(made.status(), StatusCode::CREATED);

        let unchanged: Value = get(&app, None, &path).await.json().await.unwrap();
        assert_eq!(unchanged["name"], "Basmati Rice");
        assert_eq!(unchanged["variants"][0]["price_minor"], 12000);

        // Staff may change anyone's; a customer may change nothing.
        let by_staff = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/variants/{variant}"),
            json!({"price_minor": 11500}),
        )
        .await;
        assert_eq!(by_staff.status(), StatusCode::OK);
        let body: Value = by_staff.json().await.unwrap();
        assert_eq!(body["variants"][0]["price_minor"], 11500);
        assert_eq!(body["min_price_minor"], 11500);

        register(&app, "asha@example.com", common::PASSWORD).await;
        let customer: Value = common::login(&app, "asha@example.com", common::PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let customer = customer["access_token"].as_str().unwrap();
        assert_eq!(
            patch(&app, customer, &path, json!({"name": "x"}))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            post(
                &app,
                customer,
                "/api/v1/catalog/products",
                simple("T", "T-1", 1)
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
    })
    .await;
}

#[actix_web::test]
async fn categories_form_a_tree_that_refuses_cycles() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let make = |name: &'static str, parent: Option<String>| {
            let app = &app;
            let staff = staff.clone();
            async move {
                let r = post(
                    app,
                    &staff,
                    "/api/v1/catalog/categories",
                    json!({"name": name, "parent_id": parent}),
                )
                .await;
                assert_eq!(r.status(), StatusCode::CREATED);
                let v: Value = r.json().await.unwrap();
                v["id"].as_str().unwrap().to_string()
            }
        };
        let grocery = make("Grocery", None).await;
        let rice_cat = make("Rice", Some(grocery.clone())).await;
        let basmati = make("Basmati", Some(rice_cat.clone())).await;
        let snacks = make("Snacks", None).await;

        // Sellers do not manage the store's categories.
        assert_eq!(
            post(
                &app,
                &seller,
                "/api/v1/catalog/categories",
                json!({"name": "Mine"})
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        // Grocery under its own grandchild is a cycle.
        let cycle = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/categories/{grocery}"),
            json!({"parent_id": basmati}),
        )
        .await;
        assert_eq!(cycle.status(), StatusCode::BAD_REQUEST);
        assert_eq!(fields(&cycle.json().await.unwrap()), vec!["parent_id"]);
        let itself = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/categories/{rice_cat}"),
            json!({"parent_id": rice_cat}),
        )
        .await;
        assert_eq!(itself.status(), StatusCode::BAD_REQUEST);

        // Moving Rice (with Basmati under it) to Snacks carries the subtree.
        let moved = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/categories/{rice_cat}"),
            json!({"parent_id": snacks, "position": 2}),
        )
        .await;
        assert_eq!(moved.status(), StatusCode::OK);
        let tree: Value = get(&app, None, "/api/v1/catalog/categories")
            .await
            .json()
            .await
            .unwrap();
        let names = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names(&tree), vec!["Grocery", "Snacks"]);
        assert_eq!(tree[0]["children"].as_array().unwrap().len(), 0);
        assert_eq!(names(&tree[1]["children"]), vec!["Rice"]);
        assert_eq!(names(&tree[1]["children"][0]["children"]), vec!["Basmati"]);

        // A product in Basmati is found under Snacks (the subtree) but not Grocery.
        let mut product = rice("RICE");
        product["category_ids"] = json!([basmati]);
        assert_eq!(
            post(&app, &staff, "/api/v1/catalog/products", product)
                .await
                .status(),
            StatusCode::CREATED
        );
        let in_snacks: Value = get(
            &app,
            None,
            &format!("/api/v1/catalog/products?category={snacks}"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(in_snacks["items"].as_array().unwrap().len(), 1);
        let in_grocery: Value = get(
            &app,
            None,
            &format!("/api/v1/catalog/products?category={grocery}"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(in_grocery["items"].as_array().unwrap().len(), 0);

        // A category with sub-categories is not deleted.
        let refused = app
            .client
            .delete(app.url(&format!("/api/v1/catalog/categories/{snacks}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        // An unknown category in a product is named.
        let mut orphan = simple("Tea", "TEA-1", 100);
        orphan["category_ids"] = json!([grocery, "nope"]);
        let refused = post(&app, &staff, "/api/v1/catalog/products", orphan).await;
        assert_eq!(
            fields(&refused.json().await.unwrap()),
            vec!["category_ids[1]"]
        );
    })
    .await;
}

#[actix_web::test]
async fn a_search_finds_a_product_by_any_part_of_a_code_however_short() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        for (name, sku) in [("Cow Ghee", "GHEE-1L-A2"), ("Mustard Oil", "OIL-5L-KACHI")] {
            let created = post(
                &app,
                &staff,
                "/api/v1/catalog/products",
                simple(name, sku, 67950),
            )
            .await;
            assert_eq!(created.status(), StatusCode::CREATED);
        }
        let names = |v: &Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        };
        // The whole code, a two-letter part of it (below MySQL's full-text word length),
        // and a short part with a long word.
        for q in ["GHEE-1L-A2", "1l", "ghee%201l", "a2"] {
            let found: Value = get(&app, None, &format!("/api/v1/catalog/products?q={q}"))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(names(&found), vec!["Cow Ghee"], "q={q}");
        }
        let other: Value = get(&app, None, "/api/v1/catalog/products?q=5l")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(&other), vec!["Mustard Oil"]);
    })
    .await;
}

#[actix_web::test]
async fn listing_filters_sorts_pages_and_searches() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let (ravi_id, ravi) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let items = [
            ("Assam Tea Leaves", "TEA-ASSAM", 25000),
            ("Darjeeling Tea", "TEA-DARJ", 90000),
            ("Masala Chai Mix", "CHAI-MIX", 15000),
            ("Filter Coffee Powder", "COF-FILT", 45000),
            ("Green Tea Bags", "TEA-GREEN", 30000),
        ];
        for (name, sku, price) in items {
            let mut body = simple(name, sku, price);
            body["description"] = json!(format!("{name}, packed fresh in Coonoor"));
            assert_eq!(
                post(&app, &staff, "/api/v1/catalog/products", body)
                    .await
                    .status(),
                StatusCode::CREATED
            );
        }
        assert_eq!(
            post(
                &app,
                &ravi,
                "/api/v1/catalog/products",
                simple("Ravi's Ginger Tea", "RAVI-TEA", 20000)
            )
            .await
            .status(),
            StatusCode::CREATED
        );
        let names = |v: &Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        };

        // Price ascending, two per page, walked with the cursor.
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: Value = get(
                &app,
                None,
                &format!("/api/v1/catalog/products?sort=price_asc&limit=2{cursor}"),
            )
            .await
            .json()
            .await
            .unwrap();
            seen.extend(names(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(
            seen,
            vec![
                "Masala Chai Mix",
                "Ravi's Ginger Tea",
                "Assam Tea Leaves",
                "Green Tea Bags",
                "Filter Coffee Powder",
                "Darjeeling Tea"
            ]
        );
        // A cursor of another sort order is refused.
        let first: Value = get(&app, None, "/api/v1/catalog/products?sort=name&limit=1")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(&first), vec!["Assam Tea Leaves"]);
        let c = first["next_cursor"].as_str().unwrap();
        let mixed = get(
            &app,
            None,
            &format!("/api/v1/catalog/products?sort=price_asc&cursor={c}"),
        )
        .await;
        assert_eq!(mixed.status(), StatusCode::BAD_REQUEST);

        // Search: every word must match (as a prefix), in name, description or SKU.
        let tea: Value = get(&app, None, "/api/v1/catalog/products?q=tea&sort=name")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            names(&tea),
            vec![
                "Assam Tea Leaves",
                "Darjeeling Tea",
                "Green Tea Bags",
                "Ravi's Ginger Tea"
            ]
        );
        let two_words: Value = get(&app, None, "/api/v1/catalog/products?q=green%20tea")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(&two_words), vec!["Green Tea Bags"]);
        let prefix: Value = get(&app, None, "/api/v1/catalog/products?q=darj")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(&prefix), vec!["Darjeeling Tea"]);
        let by_sku: Value = get(&app, None, "/api/v1/catalog/products?q=COF-FILT")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(&by_sku), vec!["Filter Coffee Powder"]);
        let by_description: Value = get(
            &app,
            None,
            "/api/v1/catalog/products?q=coonoor&sort=name&limit=10",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(names(&by_description).len(), 5);
        let nothing: Value = get(&app, None, "/api/v1/catalog/products?q=biryani")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(&nothing).len(), 0);

        // Filters: price range and seller, and together with search.
        let mid: Value = get(
            &app,
            None,
            "/api/v1/catalog/products?min_price=20000&max_price=30000&sort=price_asc",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(
            names(&mid),
            vec!["Ravi's Ginger Tea", "Assam Tea Leaves", "Green Tea Bags"]
        );
        let ravis: Value = get(
            &app,
            None,
            &format!("/api/v1/catalog/products?q=tea&seller_id={ravi_id}"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(names(&ravis), vec!["Ravi's Ginger Tea"]);

        // Facets count under the other filters.
        let faceted: Value = get(&app, None, "/api/v1/catalog/products?q=tea&facets=true")
            .await
            .json()
            .await
            .unwrap();
        let bands = faceted["facets"]["price_bands"].as_array().unwrap();
        let band = |key: &str| {
            bands
                .iter()
                .find(|b| b["key"] == key)
                .map_or(0, |b| b["count"].as_i64().unwrap())
        };
        assert_eq!(band("0-50000"), 3);
        assert_eq!(band("50000-100000"), 1);
        assert_eq!(faceted["facets"]["in_stock"], 0);
        // Stock arrives for one tea (as inventory's events would set it): the count and
        // the in_stock filter follow. Asked with a token, so no cached page answers.
        app.db
            .write(|conn| {
                use diesel::prelude::*;
                use kirana::schema::catalog_products as p;
                diesel::update(p::table.filter(p::name.eq("Green Tea Bags")))
                    .set(p::in_stock.eq(true))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let stocked: Value = get(
            &app,
            Some(&staff),
            "/api/v1/catalog/products?q=tea&facets=true&in_stock=true",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(names(&stocked), vec!["Green Tea Bags"]);
        assert_eq!(stocked["facets"]["in_stock"], 1);

        // Bad query parameters are named.
        for (query, field) in [
            ("limit=0", "limit"),
            ("min_price=-1", "min_price"),
            ("sort=cheapest", "sort"),
            ("q=%20%21", "q"),
        ] {
            let r = get(&app, None, &format!("/api/v1/catalog/products?{query}")).await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
            let problem: Value = r.json().await.unwrap();
            assert_eq!(fields(&problem), vec![field.to_string()], "{query}");
        }
        // Drafts are for sellers and staff: who is anonymous must sign in.
        let drafts = get(&app, None, "/api/v1/catalog/products?status=draft").await;
        assert_eq!(drafts.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[actix_web::test]
async fn the_scanner_finds_variants_by_barcode_or_sku() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let created: Value = post(&app, &staff, "/api/v1/catalog/products", rice("RICE"))
            .await
            .json()
            .await
            .unwrap();
        let by_barcode: Value = get(
            &app,
            Some(&staff),
            "/api/v1/catalog/lookup?code=4006381333931",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(by_barcode["variant"]["sku"], "RICE-1");
        assert_eq!(by_barcode["product_id"], created["id"]);
        assert_eq!(by_barcode["gst_rate_bp"], 500);
        let by_sku: Value = get(&app, Some(&staff), "/api/v1/catalog/lookup?code=RICE-5")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(by_sku["variant"]["price_minor"], 55000);
        assert_eq!(
            get(&app, Some(&staff), "/api/v1/catalog/lookup?code=NOPE")
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        // The scanner is for the counter (pos.operate), and an archived variant is gone.
        assert_eq!(
            get(&app, Some(&seller), "/api/v1/catalog/lookup?code=RICE-5")
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let variant = created["variants"][1]["id"].as_str().unwrap();
        let archived = app
            .client
            .delete(app.url(&format!("/api/v1/catalog/variants/{variant}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(archived.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            get(&app, Some(&staff), "/api/v1/catalog/lookup?code=RICE-5")
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        let public: Value = get(&app, None, "/api/v1/catalog/products/basmati-rice")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(public["variants"].as_array().unwrap().len(), 1);
        assert_eq!(public["max_price_minor"], 12000);
    })
    .await;
}

#[actix_web::test]
async fn one_pricing_function_resolves_list_sale_and_price_list_prices() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let (hotel_id, hotel) = with_role(&app, "hotel@annapoorna.in", Role::Customer).await;
        let (_, walk_in) = with_role(&app, "asha@example.com", Role::Customer).await;
        let product: Value = post(&app, &staff, "/api/v1/catalog/products", rice("RICE"))
            .await
            .json()
            .await
            .unwrap();
        let small = product["variants"][0]["id"].as_str().unwrap().to_string();
        let large = product["variants"][1]["id"].as_str().unwrap().to_string();
        let prices = |token: String, extra: String| {
            let app = &app;
            let ids = format!("{small},{large}");
            async move {
                let r = get(
                    app,
                    Some(&token),
                    &format!("/api/v1/catalog/prices?variant_ids={ids}{extra}"),
                )
                .await;
                assert_eq!(r.status(), StatusCode::OK);
                let v: Value = r.json().await.unwrap();
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p["variant_id"].as_str().unwrap().to_string(),
                            (
                                p["unit_price_minor"].as_i64().unwrap(),
                                p["source"].as_str().unwrap().to_string(),
                            ),
                        )
                    })
                    .collect::<Vec<(String, (i64, String))>>()
            }
        };
        let find = |list: &Vec<(String, (i64, String))>, id: &str| {
            list.iter().find(|(v, _)| v == id).map(|(_, p)| p.clone()).unwrap()
        };

        // A wholesale list for the hotel: cheaper 5 kg bags.
        let list: Value = post(&app, &staff, "/api/v1/catalog/price-lists", json!({"name": "Wholesale"}))
            .await
            .json()
            .await
            .unwrap();
        let list_id = list["id"].as_str().unwrap();
        let set = app
            .client
            .put(app.url(&format!("/api/v1/catalog/price-lists/{list_id}/prices")))
            .bearer_auth(&staff)
            .json(&json!({"prices": [{"variant_id": large, "price_minor": 48000}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(set.status(), StatusCode::OK);
        // The list names each variant and its own price, for the back office's table.
        let saved: Value = set.json().await.unwrap();
        assert_eq!(saved["prices"][0]["sku"], product["variants"][1]["sku"]);
        assert_eq!(saved["prices"][0]["product_name"], product["name"]);
        assert_eq!(saved["prices"][0]["base_price_minor"], product["variants"][1]["price_minor"]);
        assert_eq!(saved["prices"][0]["price_minor"], 48000);
        let members = app
            .client
            .put(app.url(&format!("/api/v1/catalog/price-lists/{list_id}/members")))
            .bearer_auth(&staff)
            .json(&json!({"user_ids": [hotel_id]}))
            .send()
            .await
            .unwrap();
        assert_eq!(members.status(), StatusCode::OK);
        // A member that is no account is named; sellers do not manage price lists.
        let ghost = app
            .client
            .put(app.url(&format!("/api/v1/catalog/price-lists/{list_id}/members")))
            .bearer_auth(&staff)
            .json(&json!({"user_ids": [hotel_id, "01938e2a-0000-7000-8000-000000000000"]}))
            .send()
            .await
            .unwrap();
        // Well-formed, but naming what does not exist: a 404 naming the field.
        assert_eq!(ghost.status(), StatusCode::NOT_FOUND);
        assert_eq!(fields(&ghost.json().await.unwrap()), vec!["user_ids"]);
        assert_eq!(
            post(&app, &seller, "/api/v1/catalog/price-lists", json!({"name": "Mine"}))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );

        let hotel_prices = prices(hotel.clone(), String::new()).await;
        let walk_in_prices = prices(walk_in.clone(), String::new()).await;
        assert_eq!(find(&hotel_prices, &large), (48000, "price_list:Wholesale".to_string()));
        assert_eq!(find(&hotel_prices, &small), (12000, "list".to_string()));
        assert_eq!(find(&walk_in_prices, &large), (55000, "list".to_string()));

        // A sale on the 5 kg bag, live now for an hour: everybody pays 50,000, the hotel
        // still 48,000; the public product page shows the sale price.
        let now = chrono::Utc::now();
        let sale = post(
            &app,
            &staff,
            &format!("/api/v1/catalog/variants/{large}/sales"),
            json!({"price_minor": 50000, "starts_at": (now - chrono::TimeDelta::minutes(1)).to_rfc3339(), "ends_at": (now + chrono::TimeDelta::hours(1)).to_rfc3339()}),
        )
        .await;
        assert_eq!(sale.status(), StatusCode::CREATED);
        let walk_in_prices = prices(walk_in.clone(), String::new()).await;
        assert_eq!(find(&walk_in_prices, &large), (50000, "sale".to_string()));
        let hotel_prices = prices(hotel.clone(), String::new()).await;
        assert_eq!(find(&hotel_prices, &large).0, 48000);
        let page: Value = get(&app, None, "/api/v1/catalog/products/basmati-rice")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["variants"][1]["price_now_minor"], 50000);
        assert_eq!(page["variants"][1]["price_minor"], 55000);
        // Two hours on, the sale has ended.
        let later = (now + chrono::TimeDelta::hours(2)).to_rfc3339().replace('+', "%2B");
        let after = prices(walk_in.clone(), format!("&at={later}")).await;
        assert_eq!(find(&after, &large), (55000, "list".to_string()));

        // A sale above the price, or ending before it starts, is refused by field.
        let bad = post(
            &app,
            &staff,
            &format!("/api/v1/catalog/variants/{large}/sales"),
            json!({"price_minor": 70000, "starts_at": now.to_rfc3339()}),
        )
        .await;
        assert_eq!(fields(&bad.json().await.unwrap()), vec!["price_minor"]);
        let backwards = post(
            &app,
            &staff,
            &format!("/api/v1/catalog/variants/{large}/sales"),
            json!({"price_minor": 100, "starts_at": now.to_rfc3339(), "ends_at": (now - chrono::TimeDelta::hours(1)).to_rfc3339()}),
        )
        .await;
        assert_eq!(fields(&backwards.json().await.unwrap()), vec!["ends_at"]);
        // Another seller cannot put someone else's variant on sale; a customer cannot ask
        // for another customer's prices.
        let foreign = post(
            &app,
            &seller,
            &format!("/api/v1/catalog/variants/{large}/sales"),
            json!({"price_minor": 100, "starts_at": now.to_rfc3339()}),
        )
        .await;
        assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
        let snoop = get(
            &app,
            Some(&walk_in),
            &format!("/api/v1/catalog/prices?variant_ids={large}&customer_id={hotel_id}"),
        )
        .await;
        assert_eq!(snoop.status(), StatusCode::FORBIDDEN, "a permission, not a bad field");
    })
    .await;
}

async fn import(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/catalog/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn csv_import_checks_every_row_first_then_applies_all_and_export_round_trips() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let cat = post(&app, &staff, "/api/v1/catalog/categories", json!({"name": "Tea", "slug": "tea"})).await;
        assert_eq!(cat.status(), StatusCode::CREATED);

        let bad = "product_slug,name,hsn_code,gst_rate_bp,categories,options,sku,barcode,price_minor\n\
            assam-tea,Assam Tea,0902,500,tea,Size=250 g,ASSAM-250,4006381333931,14000\n\
            assam-tea,,,,,Size=500 g,ASSAM-500,4006381333932,-3\n\
            nilgiri-tea,Nilgiri Tea,09,1500,coffee,,NIL-1,,abc\n\
            ooty-tea,Ooty Tea,0902,500,,,ASSAM-250,,100\n";
        let refused = import(&app, &seller, bad, false).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let named = fields(&refused.json().await.unwrap());
        for field in [
            "rows[2].barcode",
            "rows[2].price_minor",
            "rows[3].hsn_code",
            "rows[3].gst_rate_bp",
            "rows[3].categories",
            "rows[3].price_minor",
            "rows[4].sku",
        ] {
            assert!(named.contains(&field.to_string()), "{field} in {named:?}");
        }
        assert_eq!(product_count(&app).await, 0, "a bad file writes nothing");

        let good = "product_slug,name,description,status,hsn_code,gst_rate_bp,categories,options,sku,barcode,price_minor,compare_at_minor,weight_grams\n\
            assam-tea,Assam Tea,\"Strong, malty CTC\",active,0902,500,tea,Size=250 g,ASSAM-250,4006381333931,14000,,250\n\
            assam-tea,,,,,,,Size=500 g,ASSAM-500,,26000,30000,500\n\
            nilgiri-tea,Nilgiri Tea,=HYPERLINK(\"http://x.example\"),active,0902,500,tea,,NIL-1,,18000,,250\n";
        let dry = import(&app, &seller, good, true).await;
        assert_eq!(dry.status(), StatusCode::OK);
        let summary: Value = dry.json().await.unwrap();
        assert_eq!(summary["dry_run"], true);
        assert_eq!(summary["products_created"], 2);
        assert_eq!(summary["variants_created"], 3);
        assert_eq!(product_count(&app).await, 0, "a dry run writes nothing");

        let applied = import(&app, &seller, good, false).await;
        assert_eq!(applied.status(), StatusCode::OK);
        let summary: Value = applied.json().await.unwrap();
        assert_eq!(summary["products_created"], 2);
        assert_eq!(product_count(&app).await, 2);
        let assam: Value = get(&app, None, "/api/v1/catalog/products/assam-tea")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(assam["description"], "Strong, malty CTC");
        assert_eq!(assam["options"][0]["values"], json!(["250 g", "500 g"]));
        assert_eq!(assam["variants"][1]["compare_at_minor"], 30000);
        assert_eq!(assam["category_ids"].as_array().unwrap().len(), 1);
        let found: Value = get(&app, None, "/api/v1/catalog/products?q=malty")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["items"][0]["slug"], "assam-tea");

        // The export has one line per variant and imports back as updates.
        let export = app
            .client
            .get(app.url("/api/v1/catalog/export"))
            .bearer_auth(&seller)
            .send()
            .await
            .unwrap();
        assert_eq!(export.status(), StatusCode::OK);
        assert!(export.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = export.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("product_slug,name,"));
        assert!(text.contains("\"Strong, malty CTC\""));
        // A cell a spreadsheet would run as a formula is written with a leading quote.
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(!text.contains(",=HYPERLINK"), "{text}");
        let repriced = text.replace(",14000,", ",13500,");
        let again = import(&app, &seller, &repriced, false).await;
        assert_eq!(again.status(), StatusCode::OK);
        let summary: Value = again.json().await.unwrap();
        assert_eq!(summary["products_updated"], 2);
        assert_eq!(summary["variants_updated"], 3);
        assert_eq!(summary["variants_created"], 0);
        let assam: Value = get(&app, None, "/api/v1/catalog/products/assam-tea")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(assam["variants"][0]["price_minor"], 13500);
        let nilgiri: Value = get(&app, None, "/api/v1/catalog/products/nilgiri-tea")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            nilgiri["description"], "=HYPERLINK(\"http://x.example\")",
            "the guard is undone on import"
        );

        // Another seller can neither update these through a file nor see them exported.
        let (_, sita) = with_role(&app, "sita@sellers.in", Role::Seller).await;
        let theirs = import(&app, &sita, &repriced, false).await;
        assert_eq!(theirs.status(), StatusCode::BAD_REQUEST);
        let named = fields(&theirs.json().await.unwrap());
        assert!(named.contains(&"rows[1].product_slug".to_string()), "{named:?}");
        let mine = app
            .client
            .get(app.url("/api/v1/catalog/export"))
            .bearer_auth(&sita)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(mine.lines().count(), 1, "{mine}");
        // Not CSV at all.
        let json_body = app
            .client
            .post(app.url("/api/v1/catalog/import"))
            .bearer_auth(&seller)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_body.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    })
    .await;
}

#[actix_web::test]
async fn product_images_are_checked_stored_by_hash_served_for_a_year_and_shown_in_listings() {
    let app = TestApp::spawn(&common::Backend::Sqlite).await;
    let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
    let (_, sita) = with_role(&app, "sita@sellers.in", Role::Seller).await;
    let product: Value = post(&app, &seller, "/api/v1/catalog/products", rice("RICE"))
        .await
        .json()
        .await
        .unwrap();
    let id = product["id"].as_str().unwrap();
    // A real 3×2 PNG, made here.
    let mut png = Vec::new();
    image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 80, y as u8 * 120, 200]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let upload = |token: String, content_type: &'static str, body: Vec<u8>| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!(
                    "/api/v1/catalog/products/{id}/images?alt=Rice%20bag"
                )))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    // A PNG that says it is a JPEG, and a text file, are refused.
    assert_eq!(
        upload(seller.clone(), "image/jpeg", png.clone())
            .await
            .status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        upload(seller.clone(), "text/plain", b"hello".to_vec())
            .await
            .status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // A PNG cut short after its signature and header, or one that only starts like a
    // PNG, decodes to nothing and is refused before anything is stored.
    for broken in [
        png[..20].to_vec(),
        png[..png.len() - 20].to_vec(),
        [&png[..8], &b"rest of a png"[..]].concat(),
    ] {
        let resp = upload(seller.clone(), "image/png", broken).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(fields(&problem), vec!["body"]);
    }
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/catalog/products/{id}")))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["images"],
        json!([]),
        "nothing was stored"
    );
    // Another seller's product is a 404.
    assert_eq!(
        upload(sita.clone(), "image/png", png.clone())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let stored = upload(seller.clone(), "image/png", png.clone()).await;
    assert_eq!(stored.status(), StatusCode::CREATED);
    let image: Value = stored.json().await.unwrap();
    let url = image["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("/media/products/") && url.ends_with(".png"),
        "{url}"
    );
    assert_eq!(image["alt"], "Rice bag");

    let served = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    let page: Value = get(&app, None, &format!("/api/v1/catalog/products/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["images"][0]["url"], url.as_str());
    // A listing's card carries the first picture and the cheapest variant's compare-at
    // price (none yet: only the 5 kg bag has one).
    async fn card(app: &TestApp) -> Value {
        let listing: Value = get(app, None, "/api/v1/catalog/products?q=basmati")
            .await
            .json()
            .await
            .unwrap();
        listing["items"][0].clone()
    }
    let shown = card(&app).await;
    assert_eq!(shown["image_url"], url.as_str());
    assert_eq!(shown["min_price_minor"], 12000);
    assert_eq!(shown["compare_at_minor"], Value::Null);
    let one_kg = page["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["price_minor"] == 12000)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let patched = app
        .client
        .patch(app.url(&format!("/api/v1/catalog/variants/{one_kg}")))
        .bearer_auth(&seller)
        .json(&json!({"compare_at_minor": 15000}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(card(&app).await["compare_at_minor"], 15000);
    // Paths that try to leave the folder are not files.
    assert_eq!(
        app.client
            .get(app.url("/media/products/..%2F..%2Fkirana.db"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    let image_id = image["id"].as_str().unwrap();
    let by_other = app
        .client
        .delete(app.url(&format!("/api/v1/catalog/images/{image_id}")))
        .bearer_auth(&sita)
        .send()
        .await
        .unwrap();
    assert_eq!(by_other.status(), StatusCode::NOT_FOUND);
    let removed = app
        .client
        .delete(app.url(&format!("/api/v1/catalog/images/{image_id}")))
        .bearer_auth(&seller)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.client.get(app.url(&url)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(card(&app).await["image_url"], Value::Null);
}

#[actix_web::test]
async fn a_products_images_are_put_in_the_merchants_order_and_the_first_is_the_cover() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let (_, sita) = with_role(&app, "sita@sellers.in", Role::Seller).await;
        let product: Value = post(&app, &seller, "/api/v1/catalog/products", rice("RICE"))
            .await
            .json()
            .await
            .unwrap();
        let id = product["id"].as_str().unwrap().to_string();
        // Three different pictures, so three files.
        let mut uploaded = Vec::new();
        for shade in [10u8, 120, 240] {
            let mut png = Vec::new();
            image::RgbImage::from_fn(2, 2, |_, _| image::Rgb([shade, 0, 0]))
                .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .unwrap();
            let image: Value = app
                .client
                .post(app.url(&format!("/api/v1/catalog/products/{id}/images")))
                .bearer_auth(&seller)
                .header("content-type", "image/png")
                .body(png)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            uploaded.push(image["id"].as_str().unwrap().to_string());
        }
        let move_to = |token: String, image: String, body: Value| {
            let app = &app;
            async move {
                app.client
                    .patch(app.url(&format!("/api/v1/catalog/images/{image}")))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        async fn order(app: &TestApp, id: &str) -> (Vec<String>, Vec<String>) {
            let page: Value = get(app, None, &format!("/api/v1/catalog/products/{id}"))
                .await
                .json()
                .await
                .unwrap();
            let ids = page["images"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect();
            let urls = page["images"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["url"].as_str().unwrap().to_string())
                .collect();
            (ids, urls)
        }
        // The last picture becomes the cover; the others keep their order behind it.
        let moved = move_to(seller.clone(), uploaded[2].clone(), json!({"position": 0})).await;
        assert_eq!(moved.status(), StatusCode::OK);
        let answer: Value = moved.json().await.unwrap();
        let expected = vec![
            uploaded[2].clone(),
            uploaded[0].clone(),
            uploaded[1].clone(),
        ];
        let answered: Vec<String> = answer
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(answered, expected);
        let (ids, urls) = order(&app, &id).await;
        assert_eq!(ids, expected);
        let listing: Value = get(&app, None, "/api/v1/catalog/products?q=basmati")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listing["items"][0]["image_url"], urls[0].as_str());
        // A place past the end means last.
        let last = move_to(seller.clone(), uploaded[2].clone(), json!({"position": 99})).await;
        assert_eq!(last.status(), StatusCode::OK);
        assert_eq!(
            order(&app, &id).await.0,
            vec![
                uploaded[0].clone(),
                uploaded[1].clone(),
                uploaded[2].clone()
            ]
        );
        // Another seller cannot reorder it, and a bad position names the field.
        let theirs = move_to(sita.clone(), uploaded[0].clone(), json!({"position": 1})).await;
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        let bad = move_to(seller.clone(), uploaded[0].clone(), json!({"position": -1})).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let problem: Value = bad.json().await.unwrap();
        assert!(
            fields(&problem).iter().any(|f| f.contains("position")),
            "{problem}"
        );
        assert_eq!(
            order(&app, &id).await.0,
            vec![
                uploaded[0].clone(),
                uploaded[1].clone(),
                uploaded[2].clone()
            ]
        );
    })
    .await;
}

#[actix_web::test]
async fn collections_show_their_active_products_in_the_merchants_order() {
    for_each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let (_, seller) = with_role(&app, "ravi@sellers.in", Role::Seller).await;
        let mut ids = Vec::new();
        for (name, sku) in [
            ("Kaju Katli", "KAJU"),
            ("Soan Papdi", "SOAN"),
            ("Diya Set", "DIYA"),
        ] {
            let p: Value = post(
                &app,
                &staff,
                "/api/v1/catalog/products",
                simple(name, sku, 20000),
            )
            .await
            .json()
            .await
            .unwrap();
            ids.push(p["id"].as_str().unwrap().to_string());
        }
        let created = post(
            &app,
            &staff,
            "/api/v1/catalog/collections",
            json!({"name": "Diwali Specials", "description": "Sweets and lights"}),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let collection: Value = created.json().await.unwrap();
        assert_eq!(collection["slug"], "diwali-specials");
        let id = collection["id"].as_str().unwrap();
        assert_eq!(
            post(
                &app,
                &seller,
                "/api/v1/catalog/collections",
                json!({"name": "Mine"})
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        let set = app
            .client
            .put(app.url(&format!("/api/v1/catalog/collections/{id}/products")))
            .bearer_auth(&staff)
            .json(&json!({"product_ids": [ids[2], ids[0], ids[1]]}))
            .send()
            .await
            .unwrap();
        assert_eq!(set.status(), StatusCode::OK);
        // The Soan Papdi goes back to draft: it leaves the storefront's collection.
        assert_eq!(
            patch(
                &app,
                &staff,
                &format!("/api/v1/catalog/products/{}", ids[1]),
                json!({"status": "draft"})
            )
            .await
            .status(),
            StatusCode::OK
        );
        let shown: Value = get(&app, None, "/api/v1/catalog/collections/diwali-specials")
            .await
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = shown["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["Diya Set", "Kaju Katli"]);
        let unknown = app
            .client
            .put(app.url(&format!("/api/v1/catalog/collections/{id}/products")))
            .bearer_auth(&staff)
            .json(&json!({"product_ids": [ids[0], "nope"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            fields(&unknown.json().await.unwrap()),
            vec!["product_ids[1]"]
        );
        let all: Value = get(&app, None, "/api/v1/catalog/collections")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(all.as_array().unwrap().len(), 1);
    })
    .await;
}

/// The product ids the listing gave before the listing table: the subtree expanded into
/// its category ids (by path prefix) and the products filtered and sorted on their own
/// columns, no LIMIT. The test's own statement of the old query.
async fn subtree_query(app: &TestApp, query: &ListingQuery) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let q = query.clone();
    let sqlite = matches!(app.test_db.backend, common::Backend::Sqlite);
    app.db
        .read(move |conn| {
            let mut sql = format!("SELECT p.id FROM catalog_products p WHERE p.status = '{}'", q.status);
            if let Some(min) = q.min_price {
                sql += &format!(" AND p.max_price >= {min}");
            }
            if let Some(max) = q.max_price {
                sql += &format!(" AND p.min_price <= {max}");
            }
            match q.in_stock {
                Some(true) => sql += " AND p.in_stock <> 0",
                Some(false) => sql += " AND p.in_stock = 0",
                None => {}
            }
            if let Some(word) = &q.q {
                sql += &if sqlite {
                    format!(" AND p.rowid IN (SELECT rowid FROM catalog_search WHERE catalog_search MATCH '\"{word}\"*')")
                } else {
                    format!(" AND p.id IN (SELECT product_id FROM catalog_search WHERE MATCH(name, description, codes) AGAINST ('+{word}*' IN BOOLEAN MODE))")
                };
            }
            if let Some(root) = &q.category {
                let all: Vec<(String, String)> = kirana::schema::catalog_categories::table
                    .select((
                        kirana::schema::catalog_categories::id,
                        kirana::schema::catalog_categories::path,
                    ))
                    .load(conn)?;
                let root_path = all
                    .iter()
                    .find(|(id, _)| id == root)
                    .map(|(_, path)| path.clone())
                    .unwrap();
                let ids: Vec<String> = all
                    .iter()
                    .filter(|(_, path)| path.starts_with(&root_path))
                    .map(|(id, _)| format!("'{id}'"))
                    .collect();
                sql += &format!(
                    " AND p.id IN (SELECT pc.product_id FROM catalog_product_categories pc WHERE pc.category_id IN ({}))",
                    ids.join(", ")
                );
            }
            sql += match q.sort {
                "newest" => " ORDER BY p.id DESC",
                "price_asc" => " ORDER BY p.min_price ASC, p.id ASC",
                "price_desc" => " ORDER BY p.min_price DESC, p.id DESC",
                _ => " ORDER BY p.name ASC, p.id ASC",
            };
            Ok(diesel::sql_query(sql)
                .load::<Id>(conn)?
                .into_iter()
                .map(|r| r.id)
                .collect())
        })
        .await
        .unwrap()
}

#[derive(Debug, Clone)]
struct ListingQuery {
    category: Option<String>,
    sort: &'static str,
    status: &'static str,
    in_stock: Option<bool>,
    min_price: Option<i64>,
    max_price: Option<i64>,
    q: Option<&'static str>,
}

impl ListingQuery {
    fn newest_active(category: &str) -> ListingQuery {
        ListingQuery {
            category: Some(category.to_string()),
            sort: "newest",
            status: "active",
            in_stock: None,
            min_price: None,
            max_price: None,
            q: None,
        }
    }
}

/// Every page of the API's listing for `query`, walked with its cursor.
async fn listed(app: &TestApp, token: &str, query: &ListingQuery) -> Vec<String> {
    let mut params = format!("sort={}&status={}&limit=4", query.sort, query.status);
    if let Some(c) = &query.category {
        params += &format!("&category={c}");
    }
    if let Some(s) = query.in_stock {
        params += &format!("&in_stock={s}");
    }
    if let Some(v) = query.min_price {
        params += &format!("&min_price={v}");
    }
    if let Some(v) = query.max_price {
        params += &format!("&max_price={v}");
    }
    if let Some(q) = query.q {
        params += &format!("&q={q}");
    }
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = get(
            app,
            Some(token),
            &format!("/api/v1/catalog/products?{params}{cursor}"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{params}");
        let page: Value = r.json().await.unwrap();
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
        assert!(ids.len() < 500, "the cursor walk does not end: {params}");
    }
    ids
}

/// Compares the listing with the subtree query for every category (and none), sort,
/// status, stock filter, price range and search; returns how many lists were compared
/// and how many of them were not empty.
async fn compare_every_listing(
    app: &TestApp,
    token: &str,
    categories: &[String],
) -> (usize, usize) {
    let mut compared = (0, 0);
    let keys: Vec<Option<String>> = std::iter::once(None)
        .chain(categories.iter().cloned().map(Some))
        .collect();
    for category in &keys {
        for sort in ["newest", "price_asc", "price_desc", "name"] {
            for status in ["active", "draft"] {
                for in_stock in [None, Some(true), Some(false)] {
                    for (min_price, max_price) in [
                        (None, None),
                        (Some(20_000), None),
                        (Some(15_000), Some(40_000)),
                    ] {
                        for q in [None, Some("tea")] {
                            let query = ListingQuery {
                                category: category.clone(),
                                sort,
                                status,
                                in_stock,
                                min_price,
                                max_price,
                                q,
                            };
                            let expected = subtree_query(app, &query).await;
                            assert_eq!(listed(app, token, &query).await, expected, "{query:?}");
                            compared.0 += 1;
                            compared.1 += usize::from(!expected.is_empty());
                        }
                    }
                }
            }
        }
    }
    compared
}

#[actix_web::test]
async fn category_listings_give_the_subtree_querys_products_in_its_order_through_every_change() {
    for_each_backend(|backend| async move {
        // Some thousands of listing requests from one address.
        let app = TestApp::start(
            common::TestDb::new(&backend),
            |s| s.rate_limit.per_ip_per_minute = 1_000_000,
            |b| b,
        )
        .await;
        let (_, staff) = with_role(&app, "meena@shop.in", Role::Staff).await;
        let category = |name: String, parent: Option<String>| {
            let app = &app;
            let staff = staff.clone();
            async move {
                let r = post(
                    app,
                    &staff,
                    "/api/v1/catalog/categories",
                    json!({"name": name, "parent_id": parent}),
                )
                .await;
                assert_eq!(r.status(), StatusCode::CREATED);
                let v: Value = r.json().await.unwrap();
                v["id"].as_str().unwrap().to_string()
            }
        };
        // Grocery > (Tea > Green, Spices), Home > Kitchen: three levels.
        let grocery = category("Grocery".into(), None).await;
        let tea = category("Tea".into(), Some(grocery.clone())).await;
        let green = category("Green".into(), Some(tea.clone())).await;
        let spices = category("Spices".into(), Some(grocery.clone())).await;
        let home = category("Home".into(), None).await;
        let kitchen = category("Kitchen".into(), Some(home.clone())).await;
        let cats = [
            grocery.clone(),
            tea.clone(),
            green.clone(),
            spices.clone(),
            home.clone(),
            kitchen.clone(),
        ];

        // 30 products: names that tie and differ only in case, prices that tie, one to
        // three categories each (some an ancestor and its descendant both), some drafts,
        // some in no category, some with two variants.
        let names = [
            "Assam tea",
            "assam Tea",
            "Chai Masala",
            "Green Tea",
            "Kadai",
            "tawa",
        ];
        let mut products = Vec::new();
        for i in 0..30usize {
            let name = format!("{} {}", names[i % names.len()], i % 4);
            let price = 10_000 + ((i * 7) % 9) as i64 * 5_000;
            let in_cats: Vec<&String> = match i % 5 {
                0 => vec![&green],
                1 => vec![&tea, &green],
                2 => vec![&spices, &kitchen],
                3 => vec![&grocery],
                _ if i % 10 == 4 => vec![],
                _ => vec![&kitchen, &home, &green],
            };
            let mut body = json!({
                "name": name, "hsn_code": "0902", "gst_rate_bp": 500,
                "status": if i % 7 == 3 { "draft" } else { "active" },
                "category_ids": in_cats,
                "variants": [{"sku": format!("L-{i}"), "price_minor": price}],
            });
            if i % 3 == 0 {
                body["options"] = json!([{"name": "Size", "values": ["Small", "Large"]}]);
                body["variants"] = json!([
                    {"sku": format!("L-{i}"), "price_minor": price, "options": {"Size": "Small"}},
                    {"sku": format!("L-{i}-B"), "price_minor": price + 12_000, "options": {"Size": "Large"}},
                ]);
            }
            let r = post(&app, &staff, "/api/v1/catalog/products", body).await;
            assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
            let v: Value = r.json().await.unwrap();
            products.push((
                v["id"].as_str().unwrap().to_string(),
                v["variants"][0]["id"].as_str().unwrap().to_string(),
            ));
        }
        // Stock for every third product (as inventory's events would set it).
        let stocked: Vec<String> = products
            .iter()
            .step_by(3)
            .map(|(id, _)| id.clone())
            .collect();
        app.db
            .write(move |conn| {
                use diesel::prelude::*;
                use kirana::schema::catalog_products as p;
                diesel::update(p::table.filter(p::id.eq_any(&stocked)))
                    .set(p::in_stock.eq(true))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let (compared, with_rows) = compare_every_listing(&app, &staff, &cats).await;
        assert!(
            with_rows > compared / 3,
            "{with_rows} of {compared} lists had products"
        );

        // Every write the listing depends on: a subtree moved (Tea and Green under Home),
        // a price changed, a product renamed, one archived and one made a draft, a
        // product's categories changed, a leaf category deleted.
        let moved = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/categories/{tea}"),
            json!({"parent_id": home}),
        )
        .await;
        assert_eq!(moved.status(), StatusCode::OK);
        let (p0, v0) = &products[0];
        let repriced = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/variants/{v0}"),
            json!({"price_minor": 99_000}),
        )
        .await;
        assert_eq!(repriced.status(), StatusCode::OK);
        let renamed = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/products/{}", products[1].0),
            json!({"name": "AAA first tea"}),
        )
        .await;
        assert_eq!(renamed.status(), StatusCode::OK);
        let drafted = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/products/{}", products[2].0),
            json!({"status": "draft"}),
        )
        .await;
        assert_eq!(drafted.status(), StatusCode::OK);
        let archived = app
            .client
            .delete(app.url(&format!("/api/v1/catalog/products/{p0}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert!(archived.status().is_success(), "{}", archived.status());
        let recategorised = patch(
            &app,
            &staff,
            &format!("/api/v1/catalog/products/{}", products[5].0),
            json!({"category_ids": [spices]}),
        )
        .await;
        assert_eq!(recategorised.status(), StatusCode::OK);
        let deleted = app
            .client
            .delete(app.url(&format!("/api/v1/catalog/categories/{kitchen}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert!(deleted.status().is_success(), "{}", deleted.status());
        let left: Vec<String> = cats.iter().filter(|c| **c != kitchen).cloned().collect();
        let (compared, with_rows) = compare_every_listing(&app, &staff, &left).await;
        assert!(
            with_rows > compared / 3,
            "{with_rows} of {compared} lists had products"
        );
        // The moved subtree lists under its new root.
        let under_home = listed(
            &app,
            &staff,
            &ListingQuery::newest_active(&home),
        )
        .await;
        let under_green = listed(
            &app,
            &staff,
            &ListingQuery::newest_active(&green),
        )
        .await;
        assert!(!under_green.is_empty() && under_green.iter().all(|id| under_home.contains(id)));
    })
    .await;
}
