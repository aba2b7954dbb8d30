//! Cart rules: lines priced by the catalog's one pricing function, totals with discounts,
//! shipping and GST computed here only, guest carts merged at login, discount codes, and
//! checkout: one transaction that claims the cart, takes a discount use, reserves the
//! stock and writes the order.

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use utoipa::ToSchema;

use super::model::{CartLineView, CartRow, CartView, DiscountRow, DiscountView, GstSplit};
use super::store;
use crate::config::OrderSettings;
use crate::contracts::auth::Principal;
use crate::contracts::catalog::{CatalogApi, PriceContext};
use crate::contracts::email::Email;
use crate::contracts::gst::Gstin;
use crate::contracts::inventory::{InventoryApi, Shortage};
use crate::contracts::orders::{
    Channel, ChargeDraft, OrderDraft, OrderLineDraft, OrderTotals, OrdersApi, PlacedOrder,
    PostalAddress,
};
use crate::contracts::payments::PaymentsApi;
use crate::contracts::shipping::{ShippingApi, ShippingQuery};
use crate::contracts::tax::{self, LineInput, Supply};
use crate::db::{Db, DbConnection, new_id, now};
use crate::http::idempotency::Answer;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{AppError, FieldError};
use crate::profile::LiveProfile;

/// Most units of one variant in a cart.
pub const MAX_LINE_QUANTITY: i64 = 10_000;
/// Most lines in a cart.
pub const MAX_LINES: usize = 200;

/// The status `find` gives a new cart it has not stored (see [`NewCart::Deferred`]).
const UNSAVED: &str = "unsaved";

/// What `find` does when the caller has no cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewCart {
    /// Nothing: no cart.
    No,
    /// Makes one and stores it at once.
    Insert,
    /// Makes one and leaves storing it to the caller's own write transaction.
    Deferred,
}
/// SAC of courier services, for the shipping charge.
const SHIPPING_SAC: &str = "996812";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInputBody {
    pub variant_id: String,
    #[schema(minimum = 1, maximum = 10_000)]
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityBody {
    #[schema(minimum = 0, maximum = 10_000)]
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscountCodeBody {
    #[schema(pattern = r"^\s*[A-Za-z0-9_-]{1,40}\s*$")]
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutInput {
    /// Where receipts go; required for guests.
    #[schema(schema_with = crate::contracts::fields::schema::email_or_null)]
    pub email: Option<String>,
    pub shipping_address: PostalAddress,
    /// Defaults to the shipping address.
    pub billing_address: Option<PostalAddress>,
    /// A business buyer's GSTIN, printed on the invoice (B2B).
    #[schema(schema_with = crate::contracts::fields::schema::gstin_or_null)]
    pub buyer_gstin: Option<String>,
    /// One of the cart's `shipping_options` (`method`); the cheapest when left out.
    pub shipping_method: Option<String>,
    /// `online` (the default: pay after placing, e.g. with Razorpay) or `cod` (cash on
    /// delivery: the order is confirmed unpaid, with the rate's COD surcharge).
    #[schema(value_type = Option<String>, pattern = "^(online|cod)$")]
    pub payment_method: Option<String>,
}

/// The longest shipping method id a buyer may name (ids are the shipping zones' own).
pub const SHIPPING_METHOD_MAX: usize = 64;

/// Where a cart is priced for before checkout: the place of supply, and the shipping
/// choice when the PIN code is known.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub place_of_supply: Option<String>,
    pub ship: Option<ShipChoice>,
}

/// Where and how a web cart ships, as far as the buyer has said.
#[derive(Debug, Clone, Default)]
pub struct ShipChoice {
    pub pincode: String,
    pub method: Option<String>,
    pub cod: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscountInput {
    #[schema(pattern = r"^\s*[A-Za-z0-9_-]{1,40}\s*$")]
    pub code: String,
    /// `percent` (value in basis points: 1000 = 10 %) or `fixed` (value in minor units).
    #[schema(pattern = "^(percent|fixed)$")]
    pub kind: String,
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub value: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub min_order_minor: i64,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(minimum = 1)]
    pub max_uses: Option<i64>,
    #[schema(minimum = 1)]
    pub max_uses_per_customer: Option<i64>,
}

/// New terms for an existing code (`PUT /api/v1/discounts/{code}`): everything but the
/// code itself and its use count, which stay.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscountTerms {
    /// `percent` (value in basis points: 1000 = 10 %) or `fixed` (value in minor units).
    #[schema(pattern = "^(percent|fixed)$")]
    pub kind: String,
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub value: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub min_order_minor: i64,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(minimum = 1)]
    pub max_uses: Option<i64>,
    #[schema(minimum = 1)]
    pub max_uses_per_customer: Option<i64>,
    /// A code switched off is refused at checkout; its history stays.
    pub active: bool,
}

/// What is wrong with a code's terms, field by field.
fn check_terms(
    kind: &str,
    value: i64,
    min_order_minor: i64,
    limits: [(&str, Option<i64>); 2],
    starts_at: Option<chrono::DateTime<chrono::Utc>>,
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    match kind {
        "percent" if !(1..=10_000).contains(&value) => {
            problems.push(FieldError::new("value", "must be 1 to 10000 basis points"))
        }
        "fixed" if value < 1 => problems.push(FieldError::new("value", "must be at least 1")),
        "percent" | "fixed" => {}
        _ => problems.push(FieldError::new("kind", "must be percent or fixed")),
    }
    if min_order_minor < 0 {
        problems.push(FieldError::new("min_order_minor", "must not be negative"));
    }
    for (field, v) in limits {
        if v.is_some_and(|v| v < 1) {
            problems.push(FieldError::new(field, "must be at least 1"));
        }
    }
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e <= s
    {
        problems.push(FieldError::new("ends_at", "must be after starts_at"));
    }
    problems
}

/// The caller's cart: a signed-in customer's, or a guest's by token.
pub struct CartOwner<'a> {
    pub principal: Option<&'a Principal>,
    pub guest_token: Option<&'a str>,
}

/// What a cart operation hands back: the cart, and a new guest token to give the browser.
pub struct CartOutcome {
    pub cart: CartView,
    pub new_token: Option<String>,
    /// The guest cart was merged into the customer's: the browser may forget its token.
    pub forget_token: bool,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        bytes,
    ))
}

/// A priced cart: lines, totals and the tax of every line.
pub struct Quote {
    pub view: CartView,
    pub drafts: Vec<OrderLineDraft>,
    pub discount: Option<DiscountRow>,
    pub supply: Supply,
}

pub struct Carts {
    pub(super) db: Db,
    pub(super) catalog: Arc<dyn CatalogApi>,
    pub(super) inventory: Arc<dyn InventoryApi>,
    pub(super) orders: Arc<dyn OrdersApi>,
    pub(super) shipping: Arc<dyn ShippingApi>,
    pub(super) payments: Option<Arc<dyn PaymentsApi>>,
    /// The store's state, GST registration, price display and cash on delivery as the
    /// merchant last saved them.
    pub(super) profile: LiveProfile,
    pub(super) cfg: OrderSettings,
    pub(super) currency: String,
    web_location: OnceCell<String>,
}

fn check_quantity(q: i64, field: &str) -> Result<(), AppError> {
    if !(0..=MAX_LINE_QUANTITY).contains(&q) {
        return Err(AppError::invalid(
            field,
            format!("must be between 0 and {MAX_LINE_QUANTITY}"),
        ));
    }
    Ok(())
}

impl Carts {
    /// Whether catalog prices include GST, as the store is set up now.
    pub(super) fn prices_include_tax(&self) -> bool {
        self.profile.get().prices_include_tax
    }

    /// The GST rate of the shipping charge: none where the store may not collect GST.
    fn shipping_rate_bp(&self) -> i32 {
        if self.profile.get().store.charges_gst() {
            self.cfg.shipping_gst_rate_bp
        } else {
            0
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        catalog: Arc<dyn CatalogApi>,
        inventory: Arc<dyn InventoryApi>,
        orders: Arc<dyn OrdersApi>,
        shipping: Arc<dyn ShippingApi>,
        payments: Option<Arc<dyn PaymentsApi>>,
        settings: &crate::config::Settings,
        profile: LiveProfile,
    ) -> Self {
        Self {
            db,
            catalog,
            inventory,
            orders,
            shipping,
            payments,
            profile,
            cfg: settings.orders.clone(),
            currency: settings.catalog.currency.clone(),
            web_location: OnceCell::new(),
        }
    }

    // ---- pricing ----

    /// Prices `lines` for `customer` now: the catalog's prices, the discount code, the
    /// shipping charge (web) and GST for `place_of_supply` (the store's state if unknown).
    pub async fn quote(
        &self,
        cart: &CartRow,
        lines: &[(String, i64)],
        place_of_supply: Option<&str>,
        ship: Option<&ShipChoice>,
    ) -> Result<Quote, AppError> {
        let ids: Vec<String> = lines.iter().map(|(v, _)| v.clone()).collect();
        let customer_id = cart
            .customer_id
            .clone()
            .or_else(|| cart.details().customer.customer_id);
        let ctx = PriceContext {
            customer_id,
            at: None,
        };
        let (variants, prices) = if ids.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            self.catalog.priced_variants(&ids, &ctx).await?
        };
        let discount = match &cart.discount_code {
            Some(code) => {
                let code = code.clone();
                self.db
                    .read(move |c| store::discount_by_code(c, &code))
                    .await?
            }
            None => None,
        };
        let profile = self.profile.get();
        let place = place_of_supply
            .unwrap_or(&profile.store.state_code)
            .to_string();
        let supply = Supply::between(&profile.store.state_code, &place);
        let mut views = Vec::with_capacity(lines.len());
        let mut priced: Vec<(usize, i64, i32)> = Vec::new();
        for (variant_id, quantity) in lines {
            let info = variants.iter().find(|v| &v.variant_id == variant_id);
            let price = prices.iter().find(|p| &p.variant_id == variant_id);
            let available = info.is_some_and(|v| v.status == "active") && price.is_some();
            let unit = price.map_or(0, |p| p.unit_price_minor);
            // A store that may not collect GST (composition, unregistered) charges none.
            let rate = info
                .filter(|_| profile.store.charges_gst())
                .map_or(0, |v| v.gst_rate_bp);
            if available {
                priced.push((views.len(), unit * quantity, rate));
            }
            views.push(CartLineView {
                variant_id: variant_id.clone(),
                product_id: info.map(|v| v.product_id.clone()).unwrap_or_default(),
                sku: info.map(|v| v.sku.clone()).unwrap_or_default(),
                name: info.map(|v| v.name.clone()).unwrap_or_default(),
                quantity: *quantity,
                available,
                unit_price_minor: unit,
                list_price_minor: price.map_or(0, |p| p.list_price_minor),
                price_source: price.map(|p| p.source.clone()).unwrap_or_default(),
                hsn: info.map(|v| v.hsn_code.clone()).unwrap_or_default(),
                rate_bp: rate,
                discount_minor: 0,
                taxable_minor: 0,
                cgst_minor: 0,
                sgst_minor: 0,
                utgst_minor: 0,
                igst_minor: 0,
                total_minor: 0,
            });
        }
        let subtotal: i64 = priced.iter().map(|(_, gross, _)| gross).sum();
        let now = now();
        let (discount_amount, discount_problem) = match &discount {
            None if cart.discount_code.is_some() => (0, Some("is not a discount code".into())),
            None => (0, None),
            Some(d) => match d.refusal(subtotal, now) {
                Some(why) => (0, Some(why)),
                None => (d.amount(subtotal), None),
            },
        };
        let taxed = tax::lines_tax(
            &priced.iter().map(|(_, g, r)| (*g, *r)).collect::<Vec<_>>(),
            discount_amount,
            supply,
            self.prices_include_tax(),
        );
        let mut totals = OrderTotals {
            subtotal_minor: subtotal,
            discount_minor: discount_amount,
            ..OrderTotals::default()
        };
        let mut drafts = Vec::with_capacity(priced.len());
        let union_territory = supply == Supply::IntraTerritory;
        let mut gst = GstSplit::default();
        for ((index, _, rate), (line_discount, t)) in priced.iter().zip(&taxed) {
            gst.add(t, union_territory);
            let v = &mut views[*index];
            v.discount_minor = *line_discount;
            v.taxable_minor = t.taxable_minor;
            v.cgst_minor = t.cgst_minor;
            if supply == Supply::IntraTerritory {
                v.utgst_minor = t.sgst_minor;
            } else {
                v.sgst_minor = t.sgst_minor;
            }
            v.igst_minor = t.igst_minor;
            v.total_minor = t.total_minor;
            totals.taxable_minor += t.taxable_minor;
            totals.tax_minor += t.tax_minor();
            totals.grand_total_minor += t.total_minor;
            if let Some(info) = variants.iter().find(|x| x.variant_id == v.variant_id) {
                drafts.push(OrderLineDraft {
                    variant_id: v.variant_id.clone(),
                    product_id: info.product_id.clone(),
                    seller_id: info.seller_id.clone(),
                    sku: info.sku.clone(),
                    name: info.name.clone(),
                    hsn: info.hsn_code.clone(),
                    quantity: v.quantity,
                    unit_price_minor: v.unit_price_minor,
                    price_source: v.price_source.clone(),
                    rate_bp: *rate,
                    discount_minor: *line_discount,
                    tax: *t,
                });
            }
        }
        let mut shipping_options = Vec::new();
        let mut shipping_problem = None;
        let shipping = if cart.channel == "web" && subtotal > 0 {
            let weight: i64 = priced
                .iter()
                .filter_map(|(index, _, _)| {
                    let v = &views[*index];
                    variants
                        .iter()
                        .find(|x| x.variant_id == v.variant_id)
                        .map(|x| i64::from(x.weight_grams) * v.quantity)
                })
                .sum();
            let choice = ship.cloned().unwrap_or_default();
            shipping_options = self
                .shipping
                .options(&ShippingQuery {
                    state_code: place.clone(),
                    pincode: choice.pincode.clone(),
                    weight_grams: weight,
                    value_minor: subtotal - discount_amount,
                    cod: choice.cod,
                })
                .await?;
            let chosen = match &choice.method {
                Some(m) => shipping_options.iter().find(|o| &o.method == m),
                None => shipping_options.first(),
            };
            match chosen {
                None => {
                    shipping_problem = Some(if shipping_options.is_empty() {
                        if choice.cod {
                            "no cash-on-delivery shipping to this address".to_string()
                        } else {
                            "no shipping to this address".to_string()
                        }
                    } else {
                        "is not a shipping method for this address".to_string()
                    });
                    None
                }
                Some(option) => {
                    let amount = option.amount_minor;
                    let t = tax::line_tax(
                        LineInput {
                            gross_minor: amount,
                            discount_minor: 0,
                            rate_bp: self.shipping_rate_bp(),
                        },
                        supply,
                        self.prices_include_tax(),
                    );
                    totals.shipping_minor = amount;
                    gst.add(&t, union_territory);
                    totals.taxable_minor += t.taxable_minor;
                    totals.tax_minor += t.tax_minor();
                    totals.grand_total_minor += t.total_minor;
                    let description = if option.cod_surcharge_minor > 0 {
                        format!(
                            "Shipping charges ({}, with cash-on-delivery fee)",
                            option.name
                        )
                    } else {
                        format!("Shipping charges ({})", option.name)
                    };
                    Some(ChargeDraft {
                        description,
                        sac: SHIPPING_SAC.into(),
                        amount_minor: amount,
                        rate_bp: self.shipping_rate_bp(),
                        tax: t,
                    })
                }
            }
        } else {
            None
        };
        let supply_name = match supply {
            Supply::IntraState => "intra_state",
            Supply::IntraTerritory => "intra_territory",
            Supply::InterState => "inter_state",
        };
        Ok(Quote {
            view: CartView {
                id: cart.id.clone(),
                channel: cart.channel.clone(),
                status: cart.status.clone(),
                currency: self.currency.clone(),
                prices_include_tax: self.prices_include_tax(),
                place_of_supply: place,
                supply: supply_name.into(),
                lines: views,
                discount_code: cart.discount_code.clone(),
                discount_problem,
                shipping,
                shipping_options,
                shipping_problem,
                totals,
                gst,
                customer: cart.details().customer,
                order_id: cart.order_id.clone(),
            },
            drafts,
            discount: discount.filter(|_| discount_amount > 0),
            supply,
        })
    }

    pub async fn view(&self, cart: &CartRow) -> Result<CartView, AppError> {
        self.view_for(cart, None).await
    }

    /// The cart priced for `preview` (its place of supply and shipping choice), or for the
    /// store's state. A cart not stored yet (no id) has no lines to read.
    async fn view_for(
        &self,
        cart: &CartRow,
        preview: Option<&Preview>,
    ) -> Result<CartView, AppError> {
        let lines = if cart.id.is_empty() {
            Vec::new()
        } else {
            let id = cart.id.clone();
            self.db.read(move |c| store::lines(c, &id)).await?
        };
        let (place, ship) = preview.map_or((None, None), |p| {
            (p.place_of_supply.as_deref(), p.ship.as_ref())
        });
        Ok(self.quote(cart, &lines, place, ship).await?.view)
    }

    // ---- finding the caller's cart ----

    /// The caller's open cart, if any, after merging a guest cart into a signed-in
    /// customer's. `create` makes one when there is none.
    async fn find(
        &self,
        owner: &CartOwner<'_>,
        create: NewCart,
    ) -> Result<(Option<CartRow>, Option<String>, bool), AppError> {
        let guest_hash = owner.guest_token.map(hash_token);
        let customer = owner.principal.map(|p| p.user_id().to_string());
        let guest_hash_owned = guest_hash.clone();
        let customer_owned = customer.clone();
        let (cart, merged) = self
            .db
            .read(move |c| {
                let guest = match &guest_hash_owned {
                    Some(h) => store::cart_by_token(c, h)?,
                    None => None,
                };
                let mine = match &customer_owned {
                    Some(id) => store::customer_cart(c, id)?,
                    None => None,
                };
                Ok((mine, guest))
            })
            .await
            .map(|(mine, guest)| match (&customer, guest) {
                // A signed-in customer with a guest cart: merge it (below).
                (Some(_), Some(g)) if g.status == "open" && g.customer_id.is_none() => {
                    (mine, Some(g))
                }
                (Some(_), _) => (mine, None),
                (None, g) => (g, None),
            })?;
        if let (Some(customer), Some(guest)) = (&customer, merged) {
            let cart = self.merge(customer, guest).await?;
            return Ok((Some(cart), None, true));
        }
        if cart.is_some() || create == NewCart::No {
            return Ok((cart, None, false));
        }
        // A new cart: a customer's, or a guest's with a fresh token.
        let now = now();
        let token = if customer.is_none() {
            Some(random_token()?)
        } else {
            None
        };
        let mut row = CartRow::web(new_id(), token.as_deref().map(hash_token), customer, now);
        if create == NewCart::Deferred {
            // Not stored yet: the caller's write transaction inserts it with its first
            // line, so a new cart costs no transaction of its own.
            row.status = UNSAVED.into();
            return Ok((Some(row), token, false));
        }
        let insert = row.clone();
        self.db
            .write(move |c| store::insert_cart(c, &insert))
            .await?;
        Ok((Some(row), token, false))
    }

    /// Moves a guest cart's lines into the customer's cart (quantities add up), or makes
    /// the guest cart the customer's when they have none.
    async fn merge(&self, customer: &str, guest: CartRow) -> Result<CartRow, AppError> {
        let customer = customer.to_string();
        self.db
            .write(move |c| {
                let now = now();
                let Some(mine) = store::customer_cart(c, &customer)? else {
                    // Adopt the guest cart; its token no longer finds it.
                    store::adopt_cart(c, &guest.id, &customer, now)?;
                    return store::cart(c, &guest.id)?
                        .ok_or_else(|| AppError::internal("cart vanished"));
                };
                if !store::close_cart(c, &guest.id, "merged", None, now)? {
                    return Ok(mine);
                }
                let theirs = store::lines(c, &guest.id)?;
                let ours = store::lines(c, &mine.id)?;
                for (variant, q) in theirs {
                    let have = ours.iter().find(|(v, _)| *v == variant).map(|x| x.1);
                    let next = (have.unwrap_or(0) + q).min(MAX_LINE_QUANTITY);
                    store::set_line(c, &mine.id, &variant, next, have.is_some(), now)?;
                }
                store::touch(c, &mine.id, now)?;
                if mine.discount_code.is_none() && guest.discount_code.is_some() {
                    store::set_discount_code(c, &mine.id, guest.discount_code.as_deref(), now)?;
                }
                store::cart(c, &mine.id)?.ok_or_else(|| AppError::internal("cart vanished"))
            })
            .await
    }

    /// Whether `payment_method` (`online`, the default, or `cod`) asks for cash on
    /// delivery, and the store offers it.
    fn cash_on_delivery(&self, payment_method: Option<&str>) -> Result<bool, FieldError> {
        match payment_method {
            None | Some("online") => Ok(false),
            Some("cod") if self.profile.get().cod_enabled => Ok(true),
            Some("cod") => Err(FieldError::new(
                "payment_method",
                "cash on delivery is not offered by this store",
            )),
            Some(_) => Err(FieldError::new("payment_method", "must be online or cod")),
        }
    }

    /// A place of supply and shipping choice to price a cart for, from what a buyer has
    /// typed so far; every bad value named.
    pub fn preview_for(
        &self,
        state_code: Option<&str>,
        pincode: Option<&str>,
        shipping_method: Option<String>,
        payment_method: Option<&str>,
    ) -> Result<Option<Preview>, AppError> {
        use crate::contracts::fields;
        let mut problems = Vec::new();
        let state = state_code
            .map(|s| fields::state_code(s, "state_code"))
            .transpose()
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            });
        let pincode = pincode
            .map(|p| fields::pincode(p, "pincode"))
            .transpose()
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            });
        let cod = self.cash_on_delivery(payment_method).unwrap_or_else(|e| {
            problems.push(e);
            false
        });
        if shipping_method
            .as_deref()
            .is_some_and(|m| m.chars().count() > SHIPPING_METHOD_MAX)
        {
            problems.push(FieldError::new(
                "shipping_method",
                format!("at most {SHIPPING_METHOD_MAX} characters"),
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        if state.is_none() && pincode.is_none() {
            return Ok(None);
        }
        Ok(Some(Preview {
            place_of_supply: state,
            ship: pincode.map(|pincode| ShipChoice {
                pincode,
                method: shipping_method,
                cod,
            }),
        }))
    }

    /// The caller's cart, priced for `preview` when given (as checkout would price it).
    pub async fn current(
        &self,
        owner: &CartOwner<'_>,
        preview: Option<Preview>,
    ) -> Result<CartOutcome, AppError> {
        // Looking is not buying: a visitor without a cart gets an empty one that is not
        // stored (no row per page view); the first line added creates it.
        let (cart, token, merged) = self.find(owner, NewCart::No).await?;
        let cart = cart.unwrap_or_else(|| {
            let customer = owner.principal.map(|p| p.user_id().to_string());
            CartRow::web(String::new(), None, customer, now())
        });
        let view = self.view_for(&cart, preview.as_ref()).await?;
        Ok(CartOutcome {
            cart: view,
            new_token: token,
            forget_token: merged,
        })
    }

    /// Adds `quantity` of a variant (or, with `replace`, sets it; 0 removes the line).
    pub async fn change_line(
        &self,
        owner: &CartOwner<'_>,
        variant_id: &str,
        quantity: i64,
        replace: bool,
    ) -> Result<CartOutcome, AppError> {
        check_quantity(quantity, "quantity")?;
        if !replace && quantity == 0 {
            return Err(AppError::invalid("quantity", "must be at least 1"));
        }
        let (cart, token, merged) = self.find(owner, NewCart::Deferred).await?;
        let cart = cart.ok_or_else(|| AppError::internal("no cart"))?;
        let (cart, lines) = self
            .set_cart_line(cart, variant_id, quantity, replace)
            .await?;
        Ok(CartOutcome {
            cart: self.quote(&cart, &lines, None, None).await?.view,
            new_token: token,
            forget_token: merged,
        })
    }

    /// Changes one line of an open cart after checking the variant is sold; the cart and
    /// its lines after the change. A cart `find` left unsaved is inserted here, in the same
    /// transaction as its first line.
    pub(super) async fn set_cart_line(
        &self,
        cart: CartRow,
        variant_id: &str,
        quantity: i64,
        replace: bool,
    ) -> Result<(CartRow, Vec<(String, i64)>), AppError> {
        if quantity > 0 {
            let ids = vec![variant_id.to_string()];
            let known = self.catalog.variants(&ids).await?;
            if !known.iter().any(|v| v.status == "active") {
                return Err(AppError::missing("variant_id", "is not a variant on sale"));
            }
        }
        let (cart_id, variant) = (cart.id.clone(), variant_id.to_string());
        let unsaved = (cart.status == UNSAVED).then(|| CartRow {
            status: "open".into(),
            ..cart
        });
        self.db
            .write(move |c| {
                let now = now();
                let (current, mut lines, inserted) = match unsaved {
                    Some(fresh) => {
                        store::insert_cart(c, &fresh)?;
                        (fresh, Vec::new(), true)
                    }
                    None => {
                        let current = store::cart(c, &cart_id)?
                            .ok_or_else(|| AppError::NotFound("no such cart".into()))?;
                        if current.status != "open" {
                            return Err(AppError::Conflict(format!(
                                "the cart is {}; start a new one",
                                current.status
                            )));
                        }
                        let lines = store::lines(c, &cart_id)?;
                        (current, lines, false)
                    }
                };
                let existing = lines.iter().find(|(v, _)| *v == variant).map(|x| x.1);
                let have = existing.unwrap_or(0);
                if have == 0 && quantity > 0 && lines.len() >= MAX_LINES {
                    return Err(AppError::invalid(
                        "variant_id",
                        format!("a cart holds at most {MAX_LINES} lines"),
                    ));
                }
                let next = if replace { quantity } else { have + quantity };
                if next > MAX_LINE_QUANTITY {
                    // What the cart already holds decides: a conflict with its state.
                    return Err(AppError::FieldConflict(
                        "the line would be too large".into(),
                        vec![FieldError::new(
                            "quantity",
                            format!("a line holds at most {MAX_LINE_QUANTITY}"),
                        )],
                    ));
                }
                store::set_line(c, &cart_id, &variant, next, existing.is_some(), now)?;
                if !inserted {
                    store::touch(c, &cart_id, now)?;
                }
                // The lines as this transaction left them, in the order they were added.
                match lines.iter().position(|(v, _)| *v == variant) {
                    Some(i) if next == 0 => {
                        lines.remove(i);
                    }
                    Some(i) => lines[i].1 = next,
                    None if next > 0 => lines.push((variant.clone(), next)),
                    None => {}
                }
                Ok((current, lines))
            })
            .await
    }

    pub async fn set_discount(
        &self,
        owner: &CartOwner<'_>,
        code: Option<String>,
    ) -> Result<CartOutcome, AppError> {
        let code = match code {
            Some(c) => {
                let c = c.trim().to_ascii_uppercase();
                if c.is_empty()
                    || c.len() > 40
                    || !c
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(AppError::invalid(
                        "code",
                        "must be 1 to 40 letters, digits, - or _",
                    ));
                }
                let lookup = c.clone();
                if self
                    .db
                    .read(move |conn| store::discount_by_code(conn, &lookup))
                    .await?
                    .is_none()
                {
                    return Err(AppError::missing("code", "is not a discount code"));
                }
                Some(c)
            }
            None => None,
        };
        let (cart, token, merged) = self.find(owner, NewCart::Insert).await?;
        let cart = cart.ok_or_else(|| AppError::internal("no cart"))?;
        let id = cart.id.clone();
        let code_owned = code.clone();
        self.db
            .write(move |c| store::set_discount_code(c, &id, code_owned.as_deref(), now()))
            .await?;
        let cart = CartRow {
            discount_code: code,
            ..cart
        };
        Ok(CartOutcome {
            cart: self.view(&cart).await?,
            new_token: token,
            forget_token: merged,
        })
    }

    // ---- checkout ----

    /// Where web orders take their stock from.
    async fn web_location(&self) -> Result<String, AppError> {
        if !self.cfg.web_location_id.is_empty() {
            return Ok(self.cfg.web_location_id.clone());
        }
        self.web_location
            .get_or_try_init(|| async {
                self.inventory
                    .active_locations()
                    .await?
                    .into_iter()
                    .next()
                    .map(|(id, _)| id)
                    .ok_or_else(|| {
                        AppError::Unavailable(
                            "the store has no stock location yet; none can be sold".into(),
                        )
                    })
            })
            .await
            .cloned()
    }

    /// Turns the caller's cart into an order. A repeated checkout of a cart that already
    /// became an order returns that order.
    pub async fn checkout(
        &self,
        owner: &CartOwner<'_>,
        input: CheckoutInput,
    ) -> Result<(PlacedOrder, bool), AppError> {
        let mut problems = Vec::new();
        let shipping = input
            .shipping_address
            .check("shipping_address")
            .map_err(|e| problems.extend(e))
            .ok();
        let billing = match &input.billing_address {
            Some(b) => b
                .check("billing_address")
                .map_err(|e| problems.extend(e))
                .ok(),
            None => shipping.clone(),
        };
        // Absent is `null`; an empty string is not an address (the schema says the same).
        let email = match input.email.as_deref().map(|e| Email::parse(e, "email")) {
            Some(Ok(e)) => Some(e.as_str().to_string()),
            Some(Err(AppError::Validation(e))) => {
                problems.extend(e);
                None
            }
            Some(Err(e)) => return Err(e),
            None => None,
        };
        let no_email = input.email.is_none();
        if no_email && owner.principal.is_none() {
            problems.push(FieldError::new(
                "email",
                "is required to check out as a guest",
            ));
        }
        let buyer_gstin = match input.buyer_gstin.as_deref() {
            Some(g) => match Gstin::parse(g, "buyer_gstin") {
                Ok(g) => Some(g.as_str().to_string()),
                Err(AppError::Validation(e)) => {
                    problems.extend(e);
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let cod = self
            .cash_on_delivery(input.payment_method.as_deref())
            .unwrap_or_else(|e| {
                problems.push(e);
                false
            });
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let shipping = shipping.ok_or_else(|| AppError::internal("address"))?;
        let choice = ShipChoice {
            pincode: shipping.pincode.clone(),
            method: input.shipping_method.clone(),
            cod,
        };
        let (cart, _, _) = self.find(owner, NewCart::No).await?;
        let Some(cart) = cart else {
            return Err(AppError::FieldConflict(
                "the cart is empty".into(),
                vec![FieldError::new("cart", "is empty")],
            ));
        };
        let location = self.web_location().await?;
        let place = shipping.state_code.clone();
        self.place(
            cart,
            Channel::Web,
            location,
            Some(&place),
            Some(choice),
            |draft| {
                draft.cash_on_delivery = cod;
                draft.email = email;
                draft.shipping_address = Some(shipping);
                draft.billing_address = billing;
                draft.buyer_gstin = buyer_gstin;
            },
            None,
            owner.principal.map_or("guest", |p| p.user_id()),
        )
        .await
    }

    /// Checkout proper, shared by the web and the counter: re-price, then one write
    /// transaction that claims the cart, takes a discount use, reserves the stock and
    /// writes the order (with, at the counter, the tenders).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn place(
        &self,
        cart: CartRow,
        channel: Channel,
        location: String,
        place_of_supply: Option<&str>,
        ship: Option<ShipChoice>,
        fill: impl FnOnce(&mut OrderDraft),
        pos: Option<super::pos::CounterSale>,
        actor: &str,
    ) -> Result<(PlacedOrder, bool), AppError> {
        if cart.status == "converted" {
            return self.placed(&cart).await.map(|p| (p, false));
        }
        let id = cart.id.clone();
        let lines = self.db.read(move |c| store::lines(c, &id)).await?;
        if lines.is_empty() {
            return Err(AppError::invalid("lines", "the cart is empty"));
        }
        let quote = self
            .quote(&cart, &lines, place_of_supply, ship.as_ref())
            .await?;
        if let Some(why) = &quote.view.shipping_problem {
            let field = if why.starts_with("is not") {
                "shipping_method"
            } else {
                "shipping_address.pincode"
            };
            return Err(AppError::Validation(vec![FieldError::new(
                field,
                why.clone(),
            )]));
        }
        let mut problems = Vec::new();
        for (i, l) in quote.view.lines.iter().enumerate() {
            if !l.available {
                problems.push(FieldError::new(
                    format!("lines[{i}].variant_id"),
                    "is no longer sold; remove it from the cart",
                ));
            }
        }
        if let (Some(code), Some(why)) = (&cart.discount_code, &quote.view.discount_problem) {
            problems.push(FieldError::new("discount_code", format!("{code} {why}")));
        }
        // The tenders were applied to the total the cashier saw; a price that changed
        // since (a sale ending) would make them wrong.
        if let Some(sale) = &pos
            && sale.total_minor != quote.view.totals.grand_total_minor
        {
            problems.push(FieldError::new(
                "tenders",
                format!(
                    "were for {} but the sale now totals {}; take payment again",
                    sale.total_minor, quote.view.totals.grand_total_minor
                ),
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::FieldConflict(
                "the cart cannot be checked out as it is".into(),
                problems,
            ));
        }
        self.orders.prepare(channel).await?;
        let customer = cart.details().customer;
        let customer_id = cart.customer_id.clone().or(customer.customer_id.clone());
        let mut draft = OrderDraft {
            id: new_id(),
            channel,
            cart_id: cart.id.clone(),
            customer_id: customer_id.clone(),
            email: None,
            customer_name: customer.name.clone(),
            buyer_gstin: customer.buyer_gstin.clone(),
            shipping_address: None,
            billing_address: None,
            place_of_supply: quote.view.place_of_supply.clone(),
            supply: quote.supply,
            prices_include_tax: self.prices_include_tax(),
            currency: self.currency.clone(),
            location_id: location.clone(),
            lines: quote.drafts.clone(),
            shipping: quote.view.shipping.clone(),
            discount_code: quote.discount.as_ref().map(|d| d.code.clone()),
            totals: quote.view.totals,
            pos: pos.as_ref().map(|p| p.draft.clone()),
            cash_on_delivery: false,
        };
        fill(&mut draft);
        let stock = draft.stock_lines();
        let discount = quote.discount.clone();
        let (inventory, orders) = (self.inventory.clone(), self.orders.clone());
        let payments = self.payments.clone();
        let actor = actor.to_string();
        let cart_id = cart.id.clone();
        let shortage: Arc<std::sync::Mutex<Option<Shortage>>> = Arc::default();
        let slot = shortage.clone();
        let tenders = pos.map(|p| p.tenders);
        let session_id = cart.register_session_id.clone();
        let answer = Answer::current();
        let outcome = self
            .db
            .write(move |conn| {
                let now = now();
                if !store::close_cart(conn, &cart_id, "converted", Some(&draft.id), now)? {
                    return Err(AppError::Conflict(
                        "the cart was checked out meanwhile".into(),
                    ));
                }
                if let Some(d) = &discount {
                    take_discount(conn, d, &draft.id, customer_id.as_deref(), now)?;
                }
                if let Err(short) =
                    inventory.reserve_in(conn, &actor, &draft.id, &location, &stock, 0)?
                {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(short);
                    }
                    return Err(AppError::Conflict("insufficient stock".into()));
                }
                let placed = orders.place_in(conn, &draft, &actor)?;
                if let (Some(tenders), Some(session)) = (&tenders, &session_id) {
                    super::pos::record_sale(conn, session, &draft, now)?;
                    super::pos::record_tenders_in(
                        conn,
                        payments.as_deref(),
                        session,
                        &placed.id,
                        &draft.currency,
                        &actor,
                        tenders,
                        now,
                    )?;
                }
                match &draft.pos {
                    Some(sale) => answer.record_in(
                        conn,
                        &super::pos::sale_view(placed.clone(), sale.change_due_minor),
                    )?,
                    None => answer.record_in(conn, &placed)?,
                }
                Ok(placed)
            })
            .await;
        match outcome {
            Ok(placed) => Ok((placed, true)),
            Err(AppError::Conflict(m)) => {
                if let Some(short) = shortage.lock().ok().and_then(|mut s| s.take()) {
                    let ids: Vec<&str> =
                        quote.drafts.iter().map(|l| l.variant_id.as_str()).collect();
                    return Err(not_enough_stock(&ids, &short));
                }
                // A concurrent checkout of this cart won: answer with its order.
                let id = cart.id.clone();
                match self.db.read(move |c| store::cart(c, &id)).await? {
                    Some(c) if c.status == "converted" => self.placed(&c).await.map(|p| (p, false)),
                    _ => Err(AppError::Conflict(m)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The order a converted cart became.
    async fn placed(&self, cart: &CartRow) -> Result<PlacedOrder, AppError> {
        let id = cart
            .order_id
            .clone()
            .ok_or_else(|| AppError::internal("converted cart without order"))?;
        let order = self
            .orders
            .order_json(&id)
            .await?
            .ok_or_else(|| AppError::internal("the cart's order is missing"))?;
        Ok(placed_from_json(Some(&order), &id))
    }

    // ---- discount codes ----

    pub async fn create_discount(&self, input: DiscountInput) -> Result<DiscountView, AppError> {
        let code = input.code.trim().to_ascii_uppercase();
        let mut problems = Vec::new();
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            problems.push(FieldError::new(
                "code",
                "must be 1 to 40 letters, digits, - or _",
            ));
        }
        problems.extend(check_terms(
            &input.kind,
            input.value,
            input.min_order_minor,
            [
                ("max_uses", input.max_uses),
                ("max_uses_per_customer", input.max_uses_per_customer),
            ],
            input.starts_at,
            input.ends_at,
        ));
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let now = now();
        let row = DiscountRow {
            id: new_id(),
            code,
            kind: input.kind,
            value: input.value,
            min_order_minor: input.min_order_minor,
            starts_at: input.starts_at.map(|t| t.naive_utc()),
            ends_at: input.ends_at.map(|t| t.naive_utc()),
            max_uses: input.max_uses,
            max_uses_per_customer: input.max_uses_per_customer,
            used_count: 0,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let insert = row.clone();
        self.db
            .write(move |c| {
                if store::discount_by_code(c, &insert.code)?.is_some() {
                    return Err(AppError::FieldConflict(
                        "the code exists".into(),
                        vec![FieldError::new("code", "is taken")],
                    ));
                }
                store::insert_discount(c, &insert)
            })
            .await?;
        Ok(row.view())
    }

    /// Replaces a code's terms; its code and use count stay.
    pub async fn update_discount(
        &self,
        code: &str,
        terms: DiscountTerms,
    ) -> Result<DiscountView, AppError> {
        let problems = check_terms(
            &terms.kind,
            terms.value,
            terms.min_order_minor,
            [
                ("max_uses", terms.max_uses),
                ("max_uses_per_customer", terms.max_uses_per_customer),
            ],
            terms.starts_at,
            terms.ends_at,
        );
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let code = code.trim().to_ascii_uppercase();
        self.db
            .write(move |c| {
                let mut row = store::discount_by_code(c, &code)?
                    .ok_or_else(|| AppError::NotFound("no such discount code".into()))?;
                row.kind = terms.kind;
                row.value = terms.value;
                row.min_order_minor = terms.min_order_minor;
                row.starts_at = terms.starts_at.map(|t| t.naive_utc());
                row.ends_at = terms.ends_at.map(|t| t.naive_utc());
                row.max_uses = terms.max_uses;
                row.max_uses_per_customer = terms.max_uses_per_customer;
                row.active = terms.active;
                row.updated_at = now();
                store::update_discount_terms(c, &row)?;
                Ok(row.view())
            })
            .await
    }

    pub async fn discounts(&self, page: PageQuery) -> Result<Page<DiscountView>, AppError> {
        let req = page.parse::<String>()?;
        let rows = self
            .db
            .read(move |c| store::list_discounts(c, req.after.as_deref(), req.limit))
            .await?;
        Ok(Page::from_rows(rows, req.limit, |d| d.code.clone()).map(|d| d.view()))
    }

    pub async fn discount(&self, code: &str) -> Result<DiscountView, AppError> {
        let code = code.trim().to_ascii_uppercase();
        self.db
            .read(move |c| store::discount_by_code(c, &code))
            .await?
            .map(|d| d.view())
            .ok_or_else(|| AppError::NotFound("no such discount code".into()))
    }
}

/// Takes one use of a discount code for `order_id` inside checkout's transaction: the
/// total limit by a conditional update, the per-customer limit counted after it (the
/// update holds the code's row, so concurrent checkouts count one at a time).
pub(super) fn take_discount(
    conn: &mut DbConnection,
    d: &DiscountRow,
    order_id: &str,
    customer_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let refuse = |why: &str| {
        AppError::FieldConflict(
            format!("discount code {} {why}", d.code),
            vec![FieldError::new("discount_code", why)],
        )
    };
    if !store::take_discount_use(conn, &d.id, now)? {
        return Err(refuse("has been used up or is no longer valid"));
    }
    if let Some(limit) = d.max_uses_per_customer {
        let Some(customer) = customer_id else {
            return Err(refuse("is for signed-in customers only"));
        };
        if store::redemptions_by(conn, &d.id, customer)? >= limit {
            return Err(refuse("has been used as often as one customer may"));
        }
    }
    store::insert_redemption(conn, &d.id, order_id, customer_id, now)
}

/// The `PlacedOrder` of an order as the orders domain shows it (`id` when it is missing).
pub(super) fn placed_from_json(order: Option<&serde_json::Value>, id: &str) -> PlacedOrder {
    let empty = serde_json::Value::Null;
    let order = order.unwrap_or(&empty);
    let text = |k: &str| {
        order
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let invoice = order
        .get("invoices")
        .and_then(|v| v.as_array())
        .and_then(|a| a.first());
    let invoice_text = |k: &str| {
        invoice
            .and_then(|i| i.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    PlacedOrder {
        id: Some(text("id"))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| id.to_string()),
        number: text("number"),
        status: text("status"),
        grand_total_minor: order
            .get("totals")
            .and_then(|t| t.get("grand_total_minor"))
            .and_then(|v| v.as_i64())
            .unwrap_or(0),
        invoice_id: invoice_text("id"),
        invoice_number: invoice_text("number"),
    }
}

/// The 409 of a sale short of stock, naming the line (by its place among `variant_ids`).
pub(super) fn not_enough_stock(variant_ids: &[&str], short: &Shortage) -> AppError {
    let index = variant_ids
        .iter()
        .position(|v| *v == short.variant_id)
        .unwrap_or(0);
    AppError::FieldConflict(
        "not enough stock".into(),
        vec![FieldError::new(
            format!("lines[{index}].quantity"),
            format!(
                "only {} available of the {} asked for",
                short.available.max(0),
                short.requested
            ),
        )],
    )
}
