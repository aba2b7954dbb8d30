//! `GET /api/v1/store`: what the web app needs to know about the store before it shows a
//! page (its name, address, place of supply, GST registration, whether prices include
//! GST, its time zone). Public: nothing here is secret. And the store's settings as the
//! back office edits them (`/api/v1/settings/store`, admins only).

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::Json;
use super::method_not_allowed;
use crate::config::Settings;
use crate::contracts::auth::Permission;
use crate::db::Db;
use crate::gateway::rbac::{Access, Authorized, RouteRule, perm};
use crate::http::AppError;
use crate::profile::{LiveProfile, ProfileInput, ProfileView};

pub const ROUTES: &[RouteRule] = &[
    RouteRule::new("GET", "/api/v1/store", Access::Public),
    RouteRule::new(
        "GET",
        "/api/v1/settings/store",
        Access::Permission(Permission::SettingsManage),
    ),
    RouteRule::new(
        "PUT",
        "/api/v1/settings/store",
        Access::Permission(Permission::SettingsManage),
    ),
];

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

/// What `GET /api/v1/store` answers from: the configuration's fixed parts and the
/// profile the merchant edits.
pub struct StoreInfoSource {
    gst_rates_bp: Vec<i32>,
    profile: LiveProfile,
}

impl StoreInfoSource {
    pub fn new(settings: &Settings, profile: LiveProfile) -> Self {
        Self {
            gst_rates_bp: settings.catalog.gst_rates_bp.clone(),
            profile,
        }
    }

    pub fn info(&self) -> StoreInfo {
        let now = self.profile.get();
        let store = &now.store;
        StoreInfo {
            name: store.name.clone(),
            address: store.address.clone(),
            state_code: store.state_code.clone(),
            registration: store.registration().as_str(),
            charges_gst: store.charges_gst(),
            prices_include_tax: now.prices_include_tax,
            utc_offset_mins: store.utc_offset_mins,
            currency: "INR",
            gst_rates_bp: self.gst_rates_bp.clone(),
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/store")
            .route(web::get().to(store_info))
            .default_service(method_not_allowed(&["GET"])),
    )
    .service(
        web::resource("/v1/settings/store")
            .route(web::get().to(store_settings))
            .route(web::put().to(save_store_settings))
            .default_service(method_not_allowed(&["GET", "PUT"])),
    );
}

/// The store: name, address, place of supply, GST registration, price display, time zone.
#[utoipa::path(get, path = "/api/v1/store", tag = "operations",
    responses((status = 200, body = StoreInfo)))]
pub async fn store_info(source: web::Data<StoreInfoSource>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(source.info())
}

/// The store's settings as the back office edits them, and whether they were saved there
/// (`database`) or still come from the configuration.
#[utoipa::path(get, path = "/api/v1/settings/store", tag = "operations",
    responses((status = 200, body = ProfileView), (status = 403, body = crate::http::Problem)))]
pub async fn store_settings(
    _who: Authorized<perm::SettingsManage>,
    source: web::Data<StoreInfoSource>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(source.profile.view())
}

/// Saves the store's settings: checked as the configuration is (the GSTIN's checksum and
/// state, the registration, the invoice series), kept in the database where they win over
/// the configuration, and in force for the next invoice, receipt and checkout. A new
/// invoice series starts its own numbering.
#[utoipa::path(put, path = "/api/v1/settings/store", tag = "operations",
    request_body = ProfileInput,
    responses((status = 200, body = ProfileView), (status = 400, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem)))]
pub async fn save_store_settings(
    who: Authorized<perm::SettingsManage>,
    source: web::Data<StoreInfoSource>,
    db: web::Data<Db>,
    Json(input): Json<ProfileInput>,
) -> Result<HttpResponse, AppError> {
    let view = source
        .profile
        .save(db.get_ref(), who.principal.user_id(), input)
        .await?;
    tracing::info!(user = %who.principal.user_id(), "store settings saved");
    Ok(HttpResponse::Ok().json(view))
}
