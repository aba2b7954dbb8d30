//! The ceiling `bench/run` compares Kirana against: a bare actix-web server (one worker per
//! core, as `kirana serve`) answering one small JSON document, built in the same run.
//! Whatever this machine does per request with nothing behind it, a catalog page cannot
//! beat.
//!
//! ```sh
//! cargo run --release --example ceiling -- 127.0.0.1:18090
//! ```

use actix_web::{App, HttpResponse, HttpServer, web};

#[derive(serde::Serialize)]
struct Item {
    id: &'static str,
    name: &'static str,
    price_minor: i64,
}

async fn item() -> HttpResponse {
    HttpResponse::Ok().json(Item {
        id: "01J0000000000000000000000",
        name: "Basmati rice 5 kg",
        price_minor: 52_000,
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".to_string());
    HttpServer::new(|| App::new().route("/item", web::get().to(item)))
        .bind(addr)?
        .run()
        .await
}
