//! Shipping zones, rate rules and quotes: pure logic, no database and no HTTP.
//!
//! A merchant divides the places it ships to into zones. A zone's area is a country,
//! optionally narrowed to some GST states, optionally narrowed further to PIN code
//! prefixes or ranges. Each zone has its rate rules: a flat charge, a charge by weight
//! slab, or a charge by order value slab, each with an optional free-shipping threshold,
//! a cash-on-delivery surcharge and weight limits. `quote` finds the one zone of a
//! parcel's address (the most specific) and prices every rule of it that applies.
//!
//! Money is in minor units (paise), weights in grams. The weight priced is the one the
//! caller puts in `Parcel::weight_grams`; `chargeable_grams` gives the courier's
//! chargeable weight (the larger of actual and volumetric) for it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::FieldError;

fn india() -> String {
    "IN".to_string()
}

fn yes() -> bool {
    true
}

/// Where a zone applies. An address is in the zone if its country matches and (`states`
/// is empty or contains its state code) and (`pincodes` is empty or one rule matches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct ZoneArea {
    /// ISO 3166-1 alpha-2 country code; `IN` when left out.
    #[serde(default = "india")]
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// Two-digit GST state codes (`29` is Karnataka); empty for the whole country.
    #[serde(default)]
    pub states: Vec<String>,
    /// PIN code prefixes and ranges; empty for every PIN code.
    #[serde(default)]
    pub pincodes: Vec<PinRule>,
}

/// PIN codes of a zone: `{"prefix": "560"}` or `{"from": "562100", "to": "562199"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PinRule {
    /// Every PIN code starting with these 1 to 6 digits.
    Prefix { prefix: String },
    /// Every PIN code from `from` to `to` (six digits each), both included.
    Range { from: String, to: String },
}

/// How a rule computes its base charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RateKind {
    /// The same charge for every parcel.
    Flat { amount_minor: i64 },
    /// Slabs sorted by `up_to_grams`: a parcel pays the first slab whose `up_to_grams`
    /// is at least its weight. Above the last slab, `extra_per_kg_minor` for each started
    /// kilogram beyond the last slab is added to the last slab's charge; without it the
    /// rule does not apply.
    Weight {
        slabs: Vec<WeightSlab>,
        #[serde(default)]
        extra_per_kg_minor: Option<i64>,
    },
    /// Slabs sorted by `up_to_minor`: an order pays the first slab whose `up_to_minor` is
    /// at least its value. Above the last slab the rule does not apply.
    Value { slabs: Vec<ValueSlab> },
}

/// Parcels up to `up_to_grams` (included) pay `amount_minor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct WeightSlab {
    pub up_to_grams: i64,
    pub amount_minor: i64,
}

/// Orders worth up to `up_to_minor` (included) pay `amount_minor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct ValueSlab {
    pub up_to_minor: i64,
    pub amount_minor: i64,
}

/// One shipping method of a zone ("Standard", "Express") and how it is charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct RateRule {
    /// Shown to the buyer: 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub name: String,
    #[serde(flatten)]
    pub kind: RateKind,
    /// Orders worth at least this ship without the base charge (a COD surcharge is
    /// still added).
    #[serde(default)]
    pub free_above_minor: Option<i64>,
    /// Whether cash on delivery is offered with this method; true when left out.
    #[serde(default = "yes")]
    pub cod_available: bool,
    /// Added to the charge of cash-on-delivery parcels.
    #[serde(default)]
    pub cod_surcharge_minor: i64,
    /// The lightest parcel (grams, included) this method takes.
    #[serde(default)]
    pub min_weight_grams: Option<i64>,
    /// The heaviest parcel (grams, included) this method takes.
    #[serde(default)]
    pub max_weight_grams: Option<i64>,
}

/// What is being shipped, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct Parcel {
    /// ISO 3166-1 alpha-2 (compared without regard to case).
    pub country: String,
    /// Two-digit GST state code.
    pub state_code: String,
    /// Six digits; spaces are ignored ("560 001").
    pub pincode: String,
    /// The weight to charge for (see `chargeable_grams`).
    pub weight_grams: i64,
    /// The order value the free-shipping threshold and value slabs look at.
    pub value_minor: i64,
    /// Cash on delivery.
    pub cod: bool,
}

/// A zone as the engine sees it (the store keeps the id, name, position, area and rates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct ZoneSpec {
    pub id: String,
    pub name: String,
    /// Among equally specific zones, the lowest position wins.
    pub position: i32,
    pub area: ZoneArea,
    pub rates: Vec<RateRule>,
}

/// One method the buyer can choose, with its charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct QuotedRate {
    pub zone_id: String,
    pub zone_name: String,
    /// The rule's index in the zone's `rates`.
    pub rate_index: usize,
    /// `{zone_id}:{rate_index}`, to send back when choosing the method.
    pub method: String,
    /// The rule's name.
    pub name: String,
    /// The whole charge: the base charge plus `cod_surcharge_minor`.
    pub amount_minor: i64,
    /// The base charge is zero (the order reached the free-shipping threshold, or the
    /// rule charges nothing); a COD surcharge may still apply.
    pub free: bool,
    /// The part of `amount_minor` that is the COD surcharge (0 unless COD).
    pub cod_surcharge_minor: i64,
}

/// True if `s` is `len` ASCII digits, for some `len` in the range.
fn is_digits(s: &str, min_len: usize, max_len: usize) -> bool {
    (min_len..=max_len).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The PIN code without spaces, if it is then six digits.
fn normalize_pin(raw: &str) -> Option<String> {
    let pin: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    is_digits(&pin, 6, 6).then_some(pin)
}

impl PinRule {
    /// Whether the rule covers `pincode` (six digits). A malformed rule covers nothing.
    pub fn matches(&self, pincode: &str) -> bool {
        match self {
            PinRule::Prefix { prefix } => {
                is_digits(prefix, 1, 6) && pincode.starts_with(prefix.as_str())
            }
            PinRule::Range { from, to } => {
                is_digits(from, 6, 6)
                    && is_digits(to, 6, 6)
                    // Six digits each: text order is number order.
                    && from.as_str() <= pincode
                    && pincode <= to.as_str()
            }
        }
    }
}

impl ZoneArea {
    /// Whether an address is in the area. The country is compared without regard to
    /// case; a PIN code that is not six digits (spaces aside) matches no PIN rule.
    pub fn contains(&self, country: &str, state_code: &str, pincode: &str) -> bool {
        if !self.country.trim().eq_ignore_ascii_case(country.trim()) {
            return false;
        }
        let state_code = state_code.trim();
        if !self.states.is_empty() && !self.states.iter().any(|s| s.trim() == state_code) {
            return false;
        }
        if self.pincodes.is_empty() {
            return true;
        }
        normalize_pin(pincode).is_some_and(|pin| self.pincodes.iter().any(|r| r.matches(&pin)))
    }

    /// How narrow the area is: 2 with PIN rules, 1 with states only, 0 for a whole country.
    pub fn specificity(&self) -> u8 {
        if !self.pincodes.is_empty() {
            2
        } else if !self.states.is_empty() {
            1
        } else {
            0
        }
    }
}

/// The zone of a parcel's address: among the zones containing it, the most specific;
/// ties go to the lowest position, then the lowest id.
pub fn zone_for<'a>(zones: &'a [ZoneSpec], parcel: &Parcel) -> Option<&'a ZoneSpec> {
    zones
        .iter()
        .filter(|z| {
            z.area
                .contains(&parcel.country, &parcel.state_code, &parcel.pincode)
        })
        .min_by(|a, b| {
            b.area
                .specificity()
                .cmp(&a.area.specificity())
                .then_with(|| a.position.cmp(&b.position))
                .then_with(|| a.id.cmp(&b.id))
        })
}

/// A rule's charge for one parcel, in parts.
struct Charge {
    base: i64,
    cod_surcharge: i64,
}

impl RateKind {
    /// The listed charge before the free-shipping threshold, or None beyond the slabs.
    fn base_price(&self, weight_grams: i64, value_minor: i64) -> Option<i64> {
        match self {
            RateKind::Flat { amount_minor } => Some(*amount_minor),
            RateKind::Weight {
                slabs,
                extra_per_kg_minor,
            } => {
                if let Some(slab) = slabs.iter().find(|s| s.up_to_grams >= weight_grams) {
                    return Some(slab.amount_minor);
                }
                let last = slabs.last()?;
                let per_kg = (*extra_per_kg_minor)?;
                // Positive: the weight is above every slab, the last one included.
                let beyond = weight_grams.checked_sub(last.up_to_grams)?;
                let started_kg = beyond / 1000 + i64::from(beyond % 1000 != 0);
                per_kg
                    .checked_mul(started_kg)?
                    .checked_add(last.amount_minor)
            }
            RateKind::Value { slabs } => slabs
                .iter()
                .find(|s| s.up_to_minor >= value_minor)
                .map(|s| s.amount_minor),
        }
    }
}

impl RateRule {
    /// The whole charge for the parcel (base charge, zero at or above the free-shipping
    /// threshold, plus the COD surcharge when COD), or None when the rule does not apply:
    /// COD asked but not offered, weight outside the rule's limits, weight or value above
    /// the slabs (without an extra per kg), or a negative weight, value or charge.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn price(&self, parcel: &Parcel) -> Option<i64> {
        let charge = self.charge(parcel)?;
        charge.base.checked_add(charge.cod_surcharge)
    }

    fn charge(&self, parcel: &Parcel) -> Option<Charge> {
        let weight = parcel.weight_grams;
        let value = parcel.value_minor;
        if weight < 0 || value < 0 {
            return None;
        }
        if parcel.cod && !self.cod_available {
            return None;
        }
        if self.min_weight_grams.is_some_and(|min| weight < min)
            || self.max_weight_grams.is_some_and(|max| weight > max)
        {
            return None;
        }
        let listed = self.kind.base_price(weight, value)?;
        let free = self.free_above_minor.is_some_and(|limit| value >= limit);
        let base = if free { 0 } else { listed };
        let cod_surcharge = if parcel.cod {
            self.cod_surcharge_minor
        } else {
            0
        };
        if base < 0 || cod_surcharge < 0 {
            return None;
        }
        Some(Charge {
            base,
            cod_surcharge,
        })
    }
}

/// The methods offered for a parcel: the rules of its zone (`zone_for`) that apply,
/// cheapest first, equal charges in the zone's order. Empty when no zone contains the
/// address or none of its rules applies (a less specific zone is not tried).
pub fn quote(zones: &[ZoneSpec], parcel: &Parcel) -> Vec<QuotedRate> {
    let Some(zone) = zone_for(zones, parcel) else {
        return Vec::new();
    };
    let mut quoted: Vec<QuotedRate> = zone
        .rates
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| {
            let charge = rule.charge(parcel)?;
            Some(QuotedRate {
                zone_id: zone.id.clone(),
                zone_name: zone.name.clone(),
                rate_index: index,
                method: format!("{}:{}", zone.id, index),
                name: rule.name.clone(),
                amount_minor: charge.base.checked_add(charge.cod_surcharge)?,
                free: charge.base == 0,
                cod_surcharge_minor: charge.cod_surcharge,
            })
        })
        .collect();
    // A stable sort: equal charges keep the zone's order.
    quoted.sort_by_key(|q| q.amount_minor);
    quoted
}

/// Errors in slabs given as `(up_to, amount)`: non-empty, `up_to` at least `min_up_to`
/// and strictly increasing, amounts not negative.
fn check_slabs(
    errors: &mut Vec<FieldError>,
    at: &str,
    up_to_field: &str,
    min_up_to: i64,
    slabs: &[(i64, i64)],
) {
    if slabs.is_empty() {
        errors.push(FieldError::new(
            format!("{at}.slabs"),
            "must have at least one slab",
        ));
        return;
    }
    let mut previous: Option<i64> = None;
    for (j, &(up_to, amount)) in slabs.iter().enumerate() {
        let field = format!("{at}.slabs[{j}].{up_to_field}");
        match previous {
            Some(before) if up_to <= before => errors.push(FieldError::new(
                field,
                "must be greater than the slab before",
            )),
            None if up_to < min_up_to => {
                let message = if min_up_to > 0 {
                    "must be more than zero"
                } else {
                    "must not be negative"
                };
                errors.push(FieldError::new(field, message));
            }
            _ => {}
        }
        if amount < 0 {
            errors.push(FieldError::new(
                format!("{at}.slabs[{j}].amount_minor"),
                "must not be negative",
            ));
        }
        previous = Some(up_to);
    }
}

/// Every problem in a zone's area and rates, each named by its JSON path (`area.country`,
/// `area.pincodes[1].to`, `rates[0].slabs[2].up_to_grams`); empty when the zone is valid.
pub fn check_zone(area: &ZoneArea, rates: &[RateRule]) -> Vec<FieldError> {
    let mut errors = Vec::new();

    if !(area.country.len() == 2 && area.country.bytes().all(|b| b.is_ascii_uppercase())) {
        errors.push(FieldError::new(
            "area.country",
            "must be two capital letters (ISO 3166-1 alpha-2), such as IN",
        ));
    }
    for (i, state) in area.states.iter().enumerate() {
        if !is_digits(state, 2, 2) {
            errors.push(FieldError::new(
                format!("area.states[{i}]"),
                "must be a two-digit GST state code, such as 29",
            ));
        }
    }
    for (i, rule) in area.pincodes.iter().enumerate() {
        match rule {
            PinRule::Prefix { prefix } => {
                if !is_digits(prefix, 1, 6) {
                    errors.push(FieldError::new(
                        format!("area.pincodes[{i}].prefix"),
                        "must be 1 to 6 digits",
                    ));
                }
            }
            PinRule::Range { from, to } => {
                let from_ok = is_digits(from, 6, 6);
                let to_ok = is_digits(to, 6, 6);
                if !from_ok {
                    errors.push(FieldError::new(
                        format!("area.pincodes[{i}].from"),
                        "must be a six-digit PIN code",
                    ));
                }
                if !to_ok {
                    errors.push(FieldError::new(
                        format!("area.pincodes[{i}].to"),
                        "must be a six-digit PIN code",
                    ));
                }
                if from_ok && to_ok && from > to {
                    errors.push(FieldError::new(
                        format!("area.pincodes[{i}].to"),
                        "must not be below from",
                    ));
                }
            }
        }
    }

    if rates.is_empty() {
        errors.push(FieldError::new("rates", "must have at least one rate"));
    }
    for (i, rate) in rates.iter().enumerate() {
        let at = format!("rates[{i}]");
        if crate::contracts::fields::text(&rate.name, "name", 60).is_err() {
            errors.push(FieldError::new(
                format!("{at}.name"),
                "must be 1 to 60 characters",
            ));
        }
        match &rate.kind {
            RateKind::Flat { amount_minor } => {
                if *amount_minor < 0 {
                    errors.push(FieldError::new(
                        format!("{at}.amount_minor"),
                        "must not be negative",
                    ));
                }
            }
            RateKind::Weight {
                slabs,
                extra_per_kg_minor,
            } => {
                let pairs: Vec<(i64, i64)> = slabs
                    .iter()
                    .map(|s| (s.up_to_grams, s.amount_minor))
                    .collect();
                check_slabs(&mut errors, &at, "up_to_grams", 1, &pairs);
                if extra_per_kg_minor.is_some_and(|extra| extra < 0) {
                    errors.push(FieldError::new(
                        format!("{at}.extra_per_kg_minor"),
                        "must not be negative",
                    ));
                }
            }
            RateKind::Value { slabs } => {
                let pairs: Vec<(i64, i64)> = slabs
                    .iter()
                    .map(|s| (s.up_to_minor, s.amount_minor))
                    .collect();
                check_slabs(&mut errors, &at, "up_to_minor", 0, &pairs);
            }
        }
        if rate.free_above_minor.is_some_and(|limit| limit <= 0) {
            errors.push(FieldError::new(
                format!("{at}.free_above_minor"),
                "must be more than zero",
            ));
        }
        if rate.cod_surcharge_minor < 0 {
            errors.push(FieldError::new(
                format!("{at}.cod_surcharge_minor"),
                "must not be negative",
            ));
        }
        if rate.min_weight_grams.is_some_and(|min| min < 0) {
            errors.push(FieldError::new(
                format!("{at}.min_weight_grams"),
                "must not be negative",
            ));
        }
        if let Some(max) = rate.max_weight_grams {
            if max < 0 {
                errors.push(FieldError::new(
                    format!("{at}.max_weight_grams"),
                    "must not be negative",
                ));
            } else if rate.min_weight_grams.is_some_and(|min| max < min) {
                errors.push(FieldError::new(
                    format!("{at}.max_weight_grams"),
                    "must not be below min_weight_grams",
                ));
            }
        }
    }
    errors
}

/// The weight a courier charges for: the larger of the actual weight and the volumetric
/// weight, `length × width × height` (cm) ÷ `divisor` in kilograms, in grams rounded up.
/// Couriers commonly divide by 5000. Without dimensions, with a dimension not positive
/// or with a divisor not positive, the actual weight (negative counts as 0).
pub fn chargeable_grams(actual_grams: i64, dims_cm: Option<(i64, i64, i64)>, divisor: i64) -> i64 {
    let actual = actual_grams.max(0);
    let Some((length, width, height)) = dims_cm else {
        return actual;
    };
    if length <= 0 || width <= 0 || height <= 0 || divisor <= 0 {
        return actual;
    }
    let divisor = i128::from(divisor);
    let volumetric = i128::from(length)
        .checked_mul(i128::from(width))
        .and_then(|v| v.checked_mul(i128::from(height)))
        .and_then(|v| v.checked_mul(1000))
        .map(|cc_grams| cc_grams / divisor + i128::from(cc_grams % divisor != 0))
        .and_then(|grams| i64::try_from(grams).ok())
        // Beyond any real parcel: no rule will price it.
        .unwrap_or(i64::MAX);
    actual.max(volumetric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// ≤500 g ₹40, ≤1000 g ₹60, ≤2000 g ₹90, then ₹30 per started kg beyond 2000 g.
    fn standard() -> RateRule {
        RateRule {
            name: "Standard".into(),
            kind: RateKind::Weight {
                slabs: vec![
                    WeightSlab {
                        up_to_grams: 500,
                        amount_minor: 4000,
                    },
                    WeightSlab {
                        up_to_grams: 1000,
                        amount_minor: 6000,
                    },
                    WeightSlab {
                        up_to_grams: 2000,
                        amount_minor: 9000,
                    },
                ],
                extra_per_kg_minor: Some(3000),
            },
            free_above_minor: None,
            cod_available: true,
            cod_surcharge_minor: 0,
            min_weight_grams: None,
            max_weight_grams: None,
        }
    }

    fn flat(name: &str, amount_minor: i64) -> RateRule {
        RateRule {
            name: name.into(),
            kind: RateKind::Flat { amount_minor },
            free_above_minor: None,
            cod_available: true,
            cod_surcharge_minor: 0,
            min_weight_grams: None,
            max_weight_grams: None,
        }
    }

    /// A prepaid parcel to Bengaluru (Karnataka, GST state 29).
    fn parcel(weight_grams: i64, value_minor: i64) -> Parcel {
        Parcel {
            country: "IN".into(),
            state_code: "29".into(),
            pincode: "560001".into(),
            weight_grams,
            value_minor,
            cod: false,
        }
    }

    fn to(country: &str, state_code: &str, pincode: &str) -> Parcel {
        Parcel {
            country: country.into(),
            state_code: state_code.into(),
            pincode: pincode.into(),
            ..parcel(800, 10_000)
        }
    }

    fn zone(id: &str, position: i32, area: ZoneArea, rates: Vec<RateRule>) -> ZoneSpec {
        ZoneSpec {
            id: id.into(),
            name: id.to_uppercase(),
            position,
            area,
            rates,
        }
    }

    fn area(states: &[&str], pincodes: Vec<PinRule>) -> ZoneArea {
        ZoneArea {
            country: "IN".into(),
            states: states.iter().map(|s| s.to_string()).collect(),
            pincodes,
        }
    }

    fn prefix(p: &str) -> PinRule {
        PinRule::Prefix { prefix: p.into() }
    }

    fn range(from: &str, to: &str) -> PinRule {
        PinRule::Range {
            from: from.into(),
            to: to.into(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn weight_slabs_then_each_started_kilogram() {
        let rule = standard();
        // 499 g and 500 g: the first slab (≤500 g, its bound included): ₹40.
        assert_eq!(rule.price(&parcel(499, 0)), Some(4000));
        assert_eq!(rule.price(&parcel(500, 0)), Some(4000));
        // 501 g: the ≤1000 g slab: ₹60.
        assert_eq!(rule.price(&parcel(501, 0)), Some(6000));
        // 2000 g: the last slab: ₹90.
        assert_eq!(rule.price(&parcel(2000, 0)), Some(9000));
        // 2001 g: 1 g beyond 2000 g starts 1 kg: ₹90 + 1 × ₹30 = ₹120.
        assert_eq!(rule.price(&parcel(2001, 0)), Some(12_000));
        // 3000 g: exactly 1 kg beyond: ₹90 + ₹30 = ₹120.
        assert_eq!(rule.price(&parcel(3000, 0)), Some(12_000));
        // 3500 g: 1500 g beyond starts 2 kg: ₹90 + 2 × ₹30 = ₹150.
        assert_eq!(rule.price(&parcel(3500, 0)), Some(15_000));
        // 0 g (a document): the first slab.
        assert_eq!(rule.price(&parcel(0, 0)), Some(4000));
        // A negative weight is no parcel.
        assert_eq!(rule.price(&parcel(-1, 0)), None);
    }

    #[test]
    fn beyond_the_slabs_without_an_extra_per_kg_there_is_no_quote() {
        let mut rule = standard();
        if let RateKind::Weight {
            extra_per_kg_minor, ..
        } = &mut rule.kind
        {
            *extra_per_kg_minor = None;
        }
        assert_eq!(rule.price(&parcel(2000, 0)), Some(9000));
        assert_eq!(rule.price(&parcel(2001, 0)), None);
        // No slabs at all: nothing applies.
        let empty = RateRule {
            kind: RateKind::Weight {
                slabs: vec![],
                extra_per_kg_minor: Some(3000),
            },
            ..standard()
        };
        assert_eq!(empty.price(&parcel(100, 0)), None);
    }

    #[test]
    fn free_above_the_threshold_waives_the_base_charge() {
        // Free on orders of ₹499 and more.
        let rule = RateRule {
            free_above_minor: Some(49_900),
            ..standard()
        };
        // 800 g, ₹498.99: below the threshold: the ≤1000 g slab, ₹60.
        assert_eq!(rule.price(&parcel(800, 49_899)), Some(6000));
        // ₹499.00 exactly: free.
        assert_eq!(rule.price(&parcel(800, 49_900)), Some(0));
        // 3500 g at ₹1000: the extra kilograms are waived too.
        assert_eq!(rule.price(&parcel(3500, 100_000)), Some(0));
    }

    #[test]
    fn the_cod_surcharge_is_added_even_when_shipping_is_free() {
        // Free from ₹499, ₹25 for cash on delivery.
        let rule = RateRule {
            free_above_minor: Some(49_900),
            cod_surcharge_minor: 2500,
            ..standard()
        };
        let cod = |weight, value| Parcel {
            cod: true,
            ..parcel(weight, value)
        };
        // 800 g, ₹300, COD: ₹60 + ₹25 = ₹85.
        assert_eq!(rule.price(&cod(800, 30_000)), Some(8500));
        // 800 g, ₹600, COD: free base ₹0 + ₹25 = ₹25.
        assert_eq!(rule.price(&cod(800, 60_000)), Some(2500));
        // Prepaid: no surcharge.
        assert_eq!(rule.price(&parcel(800, 30_000)), Some(6000));
        assert_eq!(rule.price(&parcel(800, 60_000)), Some(0));

        // quote shows the parts: free base, the whole charge, and the surcharge in it.
        let zones = [zone("blr", 0, area(&["29"], vec![]), vec![rule])];
        let quoted = quote(&zones, &cod(800, 60_000));
        assert_eq!(
            quoted,
            vec![QuotedRate {
                zone_id: "blr".into(),
                zone_name: "BLR".into(),
                rate_index: 0,
                method: "blr:0".into(),
                name: "Standard".into(),
                amount_minor: 2500,
                free: true,
                cod_surcharge_minor: 2500,
            }]
        );
    }

    #[test]
    fn cod_not_offered_gives_no_price_for_cod_parcels() {
        let rule = RateRule {
            cod_available: false,
            ..standard()
        };
        let cod = Parcel {
            cod: true,
            ..parcel(800, 30_000)
        };
        assert_eq!(rule.price(&cod), None);
        // Prepaid the same parcel ships: ₹60.
        assert_eq!(rule.price(&parcel(800, 30_000)), Some(6000));
    }

    #[test]
    fn weight_limits_include_their_bounds() {
        // A 1 kg to 5 kg method at a flat ₹70.
        let rule = RateRule {
            min_weight_grams: Some(1000),
            max_weight_grams: Some(5000),
            ..flat("Surface", 7000)
        };
        assert_eq!(rule.price(&parcel(999, 0)), None);
        assert_eq!(rule.price(&parcel(1000, 0)), Some(7000));
        assert_eq!(rule.price(&parcel(5000, 0)), Some(7000));
        assert_eq!(rule.price(&parcel(5001, 0)), None);
    }

    #[test]
    fn value_slabs() {
        // Orders up to ₹499.99 pay ₹60, up to ₹999.99 pay ₹30; above, no quote.
        let rule = RateRule {
            kind: RateKind::Value {
                slabs: vec![
                    ValueSlab {
                        up_to_minor: 49_999,
                        amount_minor: 6000,
                    },
                    ValueSlab {
                        up_to_minor: 99_999,
                        amount_minor: 3000,
                    },
                ],
            },
            ..standard()
        };
        assert_eq!(rule.price(&parcel(800, 0)), Some(6000));
        assert_eq!(rule.price(&parcel(800, 49_999)), Some(6000));
        assert_eq!(rule.price(&parcel(800, 50_000)), Some(3000));
        assert_eq!(rule.price(&parcel(800, 99_999)), Some(3000));
        assert_eq!(rule.price(&parcel(800, 100_000)), None);
        // The weight does not matter: 25 kg at ₹600 still pays ₹30.
        assert_eq!(rule.price(&parcel(25_000, 60_000)), Some(3000));
    }

    #[test]
    fn the_most_specific_zone_wins() {
        let zones = [
            zone(
                "india",
                0,
                area(&[], vec![]),
                vec![flat("National", 10_000)],
            ),
            zone(
                "karnataka",
                5,
                area(&["29"], vec![]),
                vec![flat("State", 6000)],
            ),
            // Positioned last, yet a PIN zone beats the state and country zones.
            zone(
                "bengaluru",
                9,
                area(&[], vec![prefix("560")]),
                vec![flat("City", 4000)],
            ),
            zone(
                "mysuru",
                3,
                area(&["29"], vec![range("570001", "570030")]),
                vec![flat("Mysuru", 5000)],
            ),
        ];
        let id = |p: &Parcel| zone_for(&zones, p).map(|z| z.id.as_str());
        // 560001 matches the 560 prefix.
        assert_eq!(id(&to("IN", "29", "560001")), Some("bengaluru"));
        // Spaces in the PIN and a lower-case country are accepted.
        assert_eq!(id(&to("in", "29", "560 001")), Some("bengaluru"));
        // 562101 is in Karnataka but under no PIN rule: the state zone.
        assert_eq!(id(&to("IN", "29", "562101")), Some("karnataka"));
        // The range includes both ends: 570001 and 570030 in, 570031 out.
        assert_eq!(id(&to("IN", "29", "570001")), Some("mysuru"));
        assert_eq!(id(&to("IN", "29", "570030")), Some("mysuru"));
        assert_eq!(id(&to("IN", "29", "570031")), Some("karnataka"));
        // Mumbai (Maharashtra, 27): the country zone.
        assert_eq!(id(&to("IN", "27", "400001")), Some("india"));
        // A malformed PIN matches no PIN rule, but the state and country still apply.
        assert_eq!(id(&to("IN", "29", "5600")), Some("karnataka"));

        // The quotes are the winning zone's only.
        let quoted = quote(&zones, &to("IN", "29", "560001"));
        assert_eq!(quoted.len(), 1);
        assert_eq!(quoted[0].method, "bengaluru:0");
        assert_eq!(quoted[0].amount_minor, 4000);

        // Abroad: in no zone, no quote.
        assert_eq!(id(&to("US", "", "10001")), None);
        assert!(quote(&zones, &to("US", "", "10001")).is_empty());
    }

    #[test]
    fn equally_specific_zones_go_by_position_then_id() {
        let rates = vec![flat("Standard", 5000)];
        let zones = [
            zone("b", 2, area(&["29"], vec![]), rates.clone()),
            zone("c", 1, area(&["29", "32"], vec![]), rates.clone()),
            zone("a", 2, area(&["29"], vec![]), rates.clone()),
        ];
        // All three hold state 29; position 1 wins.
        assert_eq!(
            zone_for(&zones, &to("IN", "29", "560001")).map(|z| z.id.as_str()),
            Some("c")
        );
        // Without "c": positions tie at 2, the lower id wins whatever the order.
        let tied = [zones[0].clone(), zones[2].clone()];
        assert_eq!(
            zone_for(&tied, &to("IN", "29", "560001")).map(|z| z.id.as_str()),
            Some("a")
        );
    }

    #[test]
    fn quotes_are_cheapest_first_and_only_those_that_apply() {
        let express = flat("Express", 12_000);
        let saver = flat("Saver", 6000);
        let prepaid_only = RateRule {
            cod_available: false,
            ..flat("Prepaid saver", 3000)
        };
        let zones = [zone(
            "ka",
            0,
            area(&["29"], vec![]),
            // Standard for 800 g is ₹60, as much as Saver.
            vec![express, standard(), saver, prepaid_only],
        )];
        let cod = Parcel {
            cod: true,
            ..parcel(800, 30_000)
        };
        let methods = |p: &Parcel| -> Vec<(String, i64)> {
            quote(&zones, p)
                .into_iter()
                .map(|q| (q.method, q.amount_minor))
                .collect()
        };
        // COD: the prepaid-only rule drops out; Standard (index 1) and Saver (index 2)
        // cost the same and keep their order; Express last.
        assert_eq!(
            methods(&cod),
            vec![
                ("ka:1".to_string(), 6000),
                ("ka:2".to_string(), 6000),
                ("ka:0".to_string(), 12_000),
            ]
        );
        // Prepaid: ₹30 first.
        assert_eq!(methods(&parcel(800, 30_000))[0], ("ka:3".to_string(), 3000));
    }

    #[test]
    fn a_zone_as_an_api_client_posts_it_round_trips() {
        // The country is left out (India), Express leaves out cod_available (true) and
        // the value rule leaves out every optional field.
        let posted = json!({
            "id": "zone-blr",
            "name": "Bengaluru",
            "position": 1,
            "area": {
                "states": ["29"],
                "pincodes": [
                    { "prefix": "560" },
                    { "from": "562100", "to": "562199" }
                ]
            },
            "rates": [
                {
                    "name": "Standard",
                    "kind": "weight",
                    "slabs": [
                        { "up_to_grams": 500, "amount_minor": 4000 },
                        { "up_to_grams": 1000, "amount_minor": 6000 }
                    ],
                    "extra_per_kg_minor": 3000,
                    "free_above_minor": 99900,
                    "cod_surcharge_minor": 2500
                },
                { "name": "Express", "kind": "flat", "amount_minor": 12000, "cod_available": false },
                {
                    "name": "By order value",
                    "kind": "value",
                    "slabs": [{ "up_to_minor": 49999, "amount_minor": 6000 }]
                }
            ]
        });
        let spec: ZoneSpec = serde_json::from_value(posted).unwrap();
        let expected = ZoneSpec {
            id: "zone-blr".into(),
            name: "Bengaluru".into(),
            position: 1,
            area: ZoneArea {
                country: "IN".into(),
                states: vec!["29".into()],
                pincodes: vec![prefix("560"), range("562100", "562199")],
            },
            rates: vec![
                RateRule {
                    name: "Standard".into(),
                    kind: RateKind::Weight {
                        slabs: vec![
                            WeightSlab {
                                up_to_grams: 500,
                                amount_minor: 4000,
                            },
                            WeightSlab {
                                up_to_grams: 1000,
                                amount_minor: 6000,
                            },
                        ],
                        extra_per_kg_minor: Some(3000),
                    },
                    free_above_minor: Some(99_900),
                    cod_available: true,
                    cod_surcharge_minor: 2500,
                    min_weight_grams: None,
                    max_weight_grams: None,
                },
                RateRule {
                    cod_available: false,
                    ..flat("Express", 12_000)
                },
                RateRule {
                    kind: RateKind::Value {
                        slabs: vec![ValueSlab {
                            up_to_minor: 49_999,
                            amount_minor: 6000,
                        }],
                    },
                    ..flat("By order value", 0)
                },
            ],
        };
        assert_eq!(spec, expected);
        assert!(check_zone(&spec.area, &spec.rates).is_empty());

        // Stored as JSON and read back, it is the same zone; the kind stays flattened
        // into the rule and the defaults are written out.
        let stored = serde_json::to_value(&spec).unwrap();
        assert_eq!(stored["area"]["country"], "IN");
        assert_eq!(
            stored["area"]["pincodes"][1],
            json!({"from": "562100", "to": "562199"})
        );
        assert_eq!(
            stored["rates"][1],
            json!({
                "name": "Express",
                "kind": "flat",
                "amount_minor": 12000,
                "free_above_minor": null,
                "cod_available": false,
                "cod_surcharge_minor": 0,
                "min_weight_grams": null,
                "max_weight_grams": null
            })
        );
        let back: ZoneSpec = serde_json::from_value(stored).unwrap();
        assert_eq!(back, spec);

        // An unknown kind and a PIN rule of neither shape are refused.
        let unknown_kind = json!({ "name": "Drone", "kind": "distance", "amount_minor": 1 });
        assert!(serde_json::from_value::<RateRule>(unknown_kind).is_err());
        let odd_pin = json!({ "states": [], "pincodes": [{ "from": "560001" }] });
        assert!(serde_json::from_value::<ZoneArea>(odd_pin).is_err());
    }

    #[test]
    fn check_zone_names_each_bad_field() {
        let bad_area = ZoneArea {
            country: "in".into(),
            states: vec!["29".into(), "KA".into()],
            pincodes: vec![
                prefix(""),
                prefix("5600011"),
                range("560100", "560001"),
                range("56010", "560200"),
                prefix("560"),
            ],
        };
        let rates = vec![
            RateRule {
                free_above_minor: Some(0),
                cod_surcharge_minor: -5,
                min_weight_grams: Some(1000),
                max_weight_grams: Some(500),
                ..flat(" ", -1)
            },
            RateRule {
                kind: RateKind::Weight {
                    slabs: vec![
                        WeightSlab {
                            up_to_grams: 500,
                            amount_minor: 4000,
                        },
                        WeightSlab {
                            up_to_grams: 500,
                            amount_minor: 6000,
                        },
                        WeightSlab {
                            up_to_grams: 400,
                            amount_minor: -1,
                        },
                    ],
                    extra_per_kg_minor: Some(-10),
                },
                min_weight_grams: Some(-1),
                ..standard()
            },
            RateRule {
                kind: RateKind::Weight {
                    slabs: vec![],
                    extra_per_kg_minor: None,
                },
                ..standard()
            },
            RateRule {
                kind: RateKind::Value {
                    slabs: vec![
                        ValueSlab {
                            up_to_minor: -1,
                            amount_minor: 6000,
                        },
                        ValueSlab {
                            up_to_minor: 100,
                            amount_minor: 10,
                        },
                        ValueSlab {
                            up_to_minor: 50,
                            amount_minor: 20,
                        },
                    ],
                },
                // 61 characters.
                name: "₹".repeat(61),
                max_weight_grams: Some(-1),
                ..standard()
            },
            RateRule {
                kind: RateKind::Weight {
                    slabs: vec![WeightSlab {
                        up_to_grams: 0,
                        amount_minor: 0,
                    }],
                    extra_per_kg_minor: None,
                },
                // 60 characters (180 bytes) is still a good name.
                name: "₹".repeat(60),
                ..standard()
            },
        ];
        let errors = check_zone(&bad_area, &rates);
        assert_eq!(
            fields(&errors),
            vec![
                "area.country",
                "area.states[1]",
                "area.pincodes[0].prefix",
                "area.pincodes[1].prefix",
                "area.pincodes[2].to",
                "area.pincodes[3].from",
                "rates[0].name",
                "rates[0].amount_minor",
                "rates[0].free_above_minor",
                "rates[0].cod_surcharge_minor",
                "rates[0].max_weight_grams",
                "rates[1].slabs[1].up_to_grams",
                "rates[1].slabs[2].up_to_grams",
                "rates[1].slabs[2].amount_minor",
                "rates[1].extra_per_kg_minor",
                "rates[1].min_weight_grams",
                "rates[2].slabs",
                "rates[3].name",
                "rates[3].slabs[0].up_to_minor",
                "rates[3].slabs[2].up_to_minor",
                "rates[3].max_weight_grams",
                "rates[4].slabs[0].up_to_grams",
            ]
        );
        assert_eq!(errors[4].message, "must not be below from");
        assert_eq!(errors[10].message, "must not be below min_weight_grams");

        // No rates at all.
        let only_area = check_zone(&area(&["29"], vec![]), &[]);
        assert_eq!(fields(&only_area), vec!["rates"]);

        // A good zone has no errors.
        assert!(check_zone(&area(&["29"], vec![prefix("56")]), &[standard()]).is_empty());
    }

    #[test]
    fn chargeable_weight_is_the_larger_of_actual_and_volumetric() {
        // 30 × 20 × 10 cm = 6000 cm³; ÷ 5000 = 1.2 kg = 1200 g, more than 1000 g actual.
        assert_eq!(chargeable_grams(1000, Some((30, 20, 10)), 5000), 1200);
        // 1500 g actual beats the same box's 1200 g.
        assert_eq!(chargeable_grams(1500, Some((30, 20, 10)), 5000), 1500);
        // 7 × 7 × 7 = 343 cm³; ÷ 5000 = 0.0686 kg = 68.6 g, rounded up to 69 g.
        assert_eq!(chargeable_grams(50, Some((7, 7, 7)), 5000), 69);
        // 25 × 25 × 25 = 15 625 cm³; ÷ 4000 = 3.90625 kg = 3906.25 g, up to 3907 g.
        assert_eq!(chargeable_grams(2000, Some((25, 25, 25)), 4000), 3907);
        // No dimensions, a zero dimension or a zero divisor: the actual weight.
        assert_eq!(chargeable_grams(800, None, 5000), 800);
        assert_eq!(chargeable_grams(800, Some((30, 0, 10)), 5000), 800);
        assert_eq!(chargeable_grams(800, Some((30, 20, 10)), 0), 800);
        // Absurd dimensions do not overflow.
        assert_eq!(
            chargeable_grams(1, Some((i64::MAX, i64::MAX, i64::MAX)), 5000),
            i64::MAX
        );
    }
}
