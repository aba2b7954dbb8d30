//! `GET /api/v1/store`: what the web app needs to know about the store before it shows a
//! page (its name, address, place of supply, GST registration, whether prices include
//! GST, its time zone). Public: nothing here is secret.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::method_not_allowed;
use crate::config::Settings;
use crate::gateway::rbac::{Access, RouteRule};

pub const ROUTES: &[RouteRule] = &[RouteRule::new("GET", "/api/v1/store", Access::Public)];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoreInfo {
    pub name: String,
    /// Address lines, as printed on invoices.
    pub address: Vec<String>,
    /// The store's GST state code (sales to this state carry CGST + SGST).
    pub state_code: String,
    /// `regular`, `composition` or `unregistered`.
    pub registration: &'static str,
    /// Whether sales carry GST (only a regular registration collects it).
    pub charges_gst: bool,
    /// Whether catalog prices already include GST.
    pub prices_include_tax: bool,
    /// The store's UTC offset in minutes (330 = India): dates are shown in it.
    pub utc_offset_mins: i32,
    /// ISO 4217; amounts everywhere are integer minor units (paise) of it.
    pub currency: &'static str,
    /// The GST rates a product may carry, in basis points (1800 = 18 %).
    pub gst_rates_bp: Vec<i32>,
}

impl StoreInfo {
    pub fn from_settings(settings: &Settings) -> Self {
        let store = &settings.store;
        Self {
            name: store.name.clone(),
            address: store.address.clone(),
            state_code: store.state_code.clone(),
            registration: store.registration().as_str(),
            charges_gst: store.charges_gst(),
            prices_include_tax: settings.catalog.prices_include_tax,
            utc_offset_mins: store.utc_offset_mins,
            currency: "INR",
            gst_rates_bp: settings.catalog.gst_rates_bp.clone(),
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/store")
            .route(web::get().to(store_info))
            .default_service(method_not_allowed(&["GET"])),
    );
}

/// The store: name, address, place of supply, GST registration, price display, time zone.
#[utoipa::path(get, path = "/api/v1/store", tag = "operations",
    responses((status = 200, body = StoreInfo)))]
pub async fn store_info(info: web::Data<StoreInfo>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(info.get_ref())
}
