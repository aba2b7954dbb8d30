//! HTTP handlers of the analytics domain: thin; parse, call the service, answer JSON or
//! CSV.

use actix_web::{HttpResponse, web};

use super::service::{
    self, Analytics, Breakdown, BreakdownQuery, GstQuery, GstSummary, SalesQuery, SalesReport,
};
use crate::gateway::rbac::{Authorized, perm};
use crate::http::AppError;
use crate::http::extract::Query;

type AnalyticsData = web::Data<Analytics>;

fn wants_csv(format: &Option<String>) -> Result<bool, AppError> {
    match format.as_deref() {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(AppError::invalid("format", "must be json or csv")),
    }
}

fn csv(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body)
}

/// Sales by day, week or month: orders, units, gross sales, discounts, shipping,
/// returns, net sales, tax and average order value.
#[utoipa::path(get, path = "/api/v1/reports/sales", tag = "reports", params(SalesQuery),
    responses((status = 200, description = "The report; with `format=csv`, the same as CSV", content((SalesReport = "application/json"), (String = "text/csv"))), (status = 400, body = crate::http::Problem)))]
pub async fn sales(
    analytics: AnalyticsData,
    _who: Authorized<perm::ReportsRead>,
    Query(q): Query<SalesQuery>,
) -> Result<HttpResponse, AppError> {
    let csv_out = wants_csv(&q.format)?;
    let report = analytics.sales(&q).await?;
    if csv_out {
        return Ok(csv(
            &format!("sales-{}-{}", report.from, report.to),
            service::sales_csv(&report),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Sales by channel, product, variant, seller or payment method.
#[utoipa::path(get, path = "/api/v1/reports/sales/breakdown", tag = "reports", params(BreakdownQuery),
    responses((status = 200, description = "The report; with `format=csv`, the same as CSV", content((Breakdown = "application/json"), (String = "text/csv"))), (status = 400, body = crate::http::Problem)))]
pub async fn breakdown(
    analytics: AnalyticsData,
    _who: Authorized<perm::ReportsRead>,
    Query(q): Query<BreakdownQuery>,
) -> Result<HttpResponse, AppError> {
    let csv_out = wants_csv(&q.format)?;
    let report = analytics.breakdown(&q).await?;
    if csv_out {
        return Ok(csv(
            &format!("sales-by-{}-{}-{}", report.by, report.from, report.to),
            service::breakdown_csv(&report),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// A month's GST summary in the shape of GSTR-1 (B2B, B2C, credit notes, HSN summary);
/// `format=csv&section=b2b|b2cs|cdn|hsn` for one table.
#[utoipa::path(get, path = "/api/v1/reports/gst", tag = "reports", params(GstQuery),
    responses((status = 200, description = "The report; with `format=csv`, the same as CSV", content((GstSummary = "application/json"), (String = "text/csv"))), (status = 400, body = crate::http::Problem)))]
pub async fn gst(
    analytics: AnalyticsData,
    _who: Authorized<perm::ReportsRead>,
    Query(q): Query<GstQuery>,
) -> Result<HttpResponse, AppError> {
    let csv_out = wants_csv(&q.format)?;
    let summary = analytics.gst(&q).await?;
    if csv_out {
        let section = q.section.as_deref().unwrap_or("b2cs");
        return Ok(csv(
            &format!("gstr1-{}-{section}", summary.month),
            service::gst_csv(&summary, section)?,
        ));
    }
    Ok(HttpResponse::Ok().json(summary))
}

/// Recompute every report fact from the issued invoices and credit notes (as
/// `kirana analytics rebuild` does).
#[utoipa::path(post, path = "/api/v1/reports/rebuild", tag = "reports",
    responses((status = 200, description = "how many documents were counted")))]
pub async fn rebuild(
    analytics: AnalyticsData,
    _who: Authorized<perm::SettingsManage>,
) -> Result<HttpResponse, AppError> {
    let documents = analytics.rebuild().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "documents": documents })))
}
