//! GST on a sale, line by line: the one place where tax is computed and rounded. The cart,
//! the POS, checkout, returns and invoices all use these functions, so every document shows
//! the same paise.
//!
//! The rounding rule: each tax component of a line (CGST, SGST/UTGST, IGST) is rounded
//! half-up to the paisa once, on the line's net amount (quantity × unit price − the line's
//! share of discounts). When prices include tax, the taxable value is what remains of the
//! net amount after the rounded components, so the line total is exactly what the shopper
//! saw; when they exclude it, the components are added to the net amount. Intra-state
//! supplies split the rate in two equal halves, each rounded on its own, so CGST always
//! equals SGST. An order-level discount is shared among lines in proportion to their gross
//! amounts, the paise left over going to the lines with the largest remainders.

use serde::{Deserialize, Serialize};

use super::gst::{self, IntraStatePair};

/// Where the supply is taxed, from the seller's state and the place of supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Supply {
    /// Same state: CGST + SGST.
    IntraState,
    /// Same union territory without a legislature: CGST + UTGST.
    IntraTerritory,
    /// Different states: IGST.
    InterState,
}

impl Supply {
    /// The supply from `seller_state` to `place_of_supply` (two-digit GST codes).
    pub fn between(seller_state: &str, place_of_supply: &str) -> Supply {
        if seller_state != place_of_supply {
            return Supply::InterState;
        }
        match gst::state(place_of_supply).and_then(|s| s.intra_state) {
            Some(IntraStatePair::CgstUtgst) => Supply::IntraTerritory,
            _ => Supply::IntraState,
        }
    }

    pub fn is_intra(self) -> bool {
        !matches!(self, Supply::InterState)
    }
}

/// A line before tax: what it costs and at what rate it is taxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    /// Quantity × unit price, in paise, as entered (with or without tax).
    pub gross_minor: i64,
    /// The line's share of discounts, in paise (≤ gross).
    pub discount_minor: i64,
    /// GST rate in basis points (1800 = 18 %).
    pub rate_bp: i32,
}

/// A line's tax, rounded by the rule above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LineTax {
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    /// SGST, or UTGST in a union territory without a legislature.
    pub sgst_minor: i64,
    pub igst_minor: i64,
    /// Taxable value plus every component: what the line costs the buyer.
    pub total_minor: i64,
}

impl LineTax {
    pub fn tax_minor(&self) -> i64 {
        self.cgst_minor + self.sgst_minor + self.igst_minor
    }
}

/// `value × numerator / denominator`, rounded half-up (all operands non-negative).
fn mul_div_round(value: i64, numerator: i64, denominator: i64) -> i64 {
    if denominator == 0 {
        return 0;
    }
    let wide = i128::from(value) * i128::from(numerator);
    let d = i128::from(denominator);
    ((wide * 2 + d) / (2 * d)) as i64
}

/// The tax of one line.
pub fn line_tax(line: LineInput, supply: Supply, prices_include_tax: bool) -> LineTax {
    let net = (line.gross_minor - line.discount_minor).max(0);
    let rate = i64::from(line.rate_bp.max(0));
    // On an inclusive price the tax is net × rate / (1 + rate); on an exclusive one,
    // net × rate. An intra-state half is the same with half the rate.
    let (cgst, sgst, igst) = if supply.is_intra() {
        let half = if prices_include_tax {
            mul_div_round(net, rate, 20_000 + 2 * rate)
        } else {
            mul_div_round(net, rate, 20_000)
        };
        (half, half, 0)
    } else {
        let whole = if prices_include_tax {
            mul_div_round(net, rate, 10_000 + rate)
        } else {
            mul_div_round(net, rate, 10_000)
        };
        (0, 0, whole)
    };
    let tax = cgst + sgst + igst;
    let (taxable, total) = if prices_include_tax {
        (net - tax, net)
    } else {
        (net, net + tax)
    };
    LineTax {
        taxable_minor: taxable,
        cgst_minor: cgst,
        sgst_minor: sgst,
        igst_minor: igst,
        total_minor: total,
    }
}

/// Shares `amount` among lines in proportion to `weights` (largest remainder), so the
/// shares add up to `amount` exactly and none exceeds its weight when `amount ≤ Σ weights`.
pub fn allocate(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if total == 0 || amount <= 0 {
        return vec![0; weights.len()];
    }
    let amount = i128::from(amount);
    let mut shares: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = amount * i128::from((*w).max(0));
        shares.push((exact / total) as i64);
        remainders.push((exact % total, i));
    }
    let mut left = amount - shares.iter().map(|s| i128::from(*s)).sum::<i128>();
    // Largest remainder first; ties go to the earlier line, so the result is stable.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left <= 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// Taxes of many lines sharing one order-level discount.
pub fn lines_tax(
    lines: &[(i64, i32)],
    order_discount_minor: i64,
    supply: Supply,
    prices_include_tax: bool,
) -> Vec<(i64, LineTax)> {
    let weights: Vec<i64> = lines.iter().map(|(gross, _)| *gross).collect();
    let shares = allocate(order_discount_minor, &weights);
    lines
        .iter()
        .zip(shares)
        .map(|((gross, rate), discount)| {
            (
                discount,
                line_tax(
                    LineInput {
                        gross_minor: *gross,
                        discount_minor: discount,
                        rate_bp: *rate,
                    },
                    supply,
                    prices_include_tax,
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(gross: i64, rate: i32) -> LineInput {
        LineInput {
            gross_minor: gross,
            discount_minor: 0,
            rate_bp: rate,
        }
    }

    #[test]
    fn inclusive_intra_state_splits_equal_halves() {
        // ₹1,180.00 incl. 18 %: tax 180.00, CGST 90.00, SGST 90.00, taxable 1,000.00.
        let t = line_tax(line(118_000, 1800), Supply::IntraState, true);
        assert_eq!(
            (t.taxable_minor, t.cgst_minor, t.sgst_minor, t.igst_minor),
            (100_000, 9_000, 9_000, 0)
        );
        assert_eq!(t.total_minor, 118_000);
    }

    #[test]
    fn inclusive_rounds_each_half_and_keeps_the_total() {
        // ₹99.99 incl. 5 %: 9999 × 250 / 10500 = 238.07 → 238 each; taxable 9523.
        let t = line_tax(line(9_999, 500), Supply::IntraState, true);
        assert_eq!((t.cgst_minor, t.sgst_minor), (238, 238));
        assert_eq!(t.taxable_minor, 9_523);
        assert_eq!(t.total_minor, 9_999);
        // Inter-state: 9999 × 500 / 10500 = 476.14 → 476.
        let t = line_tax(line(9_999, 500), Supply::InterState, true);
        assert_eq!((t.igst_minor, t.taxable_minor), (476, 9_523));
    }

    #[test]
    fn exclusive_adds_rounded_components() {
        // ₹333.33 + 12 %: each half 333.33 × 6 % = 19.9998 → 20.00.
        let t = line_tax(line(33_333, 1200), Supply::IntraState, false);
        assert_eq!((t.cgst_minor, t.sgst_minor), (2_000, 2_000));
        assert_eq!(t.total_minor, 37_333);
        let t = line_tax(line(33_333, 1200), Supply::InterState, false);
        assert_eq!(t.igst_minor, 4_000);
        assert_eq!(t.taxable_minor, 33_333);
    }

    #[test]
    fn half_paisa_rounds_up() {
        // 25 paise at 2 % exclusive inter-state = 0.5 paisa → 1.
        let t = line_tax(line(25, 200), Supply::InterState, false);
        assert_eq!(t.igst_minor, 1);
    }

    #[test]
    fn zero_rate_and_full_discount() {
        let t = line_tax(line(5_000, 0), Supply::IntraState, true);
        assert_eq!(
            (t.taxable_minor, t.tax_minor(), t.total_minor),
            (5_000, 0, 5_000)
        );
        let t = line_tax(
            LineInput {
                gross_minor: 5_000,
                discount_minor: 5_000,
                rate_bp: 1800,
            },
            Supply::InterState,
            true,
        );
        assert_eq!(t, LineTax::default());
    }

    #[test]
    fn allocation_adds_up_and_follows_remainders() {
        assert_eq!(allocate(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(allocate(10, &[700, 300]), vec![7, 3]);
        assert_eq!(allocate(0, &[5, 5]), vec![0, 0]);
        let shares = allocate(999, &[12_345, 6_789, 1]);
        assert_eq!(shares.iter().sum::<i64>(), 999);
        assert!(shares[2] <= 1);
    }

    #[test]
    fn supply_follows_the_place_of_supply() {
        assert_eq!(Supply::between("29", "29"), Supply::IntraState);
        assert_eq!(Supply::between("29", "27"), Supply::InterState);
        assert_eq!(Supply::between("04", "04"), Supply::IntraTerritory);
        assert_eq!(Supply::between("07", "07"), Supply::IntraState);
    }

    /// The table of cases the browser's port of this rule (`web/src/lib/tax.ts`) is also
    /// tested against; its expected figures come from `scripts/tax-cases.py`.
    #[test]
    fn agrees_with_the_shared_table_of_cases() {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/tax_cases.json"))
                .expect("tests/data/tax_cases.json is JSON");
        let cases = table["cases"].as_array().expect("a list of cases");
        assert!(cases.len() >= 50, "at least 50 cases");
        for c in cases {
            let name = c["name"].as_str().unwrap_or("?");
            let supply = match c["supply"].as_str() {
                Some("intra_state") => Supply::IntraState,
                Some("intra_territory") => Supply::IntraTerritory,
                Some("inter_state") => Supply::InterState,
                other => panic!("{name}: supply {other:?}"),
            };
            let lines: Vec<(i64, i32)> = c["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| {
                    (
                        l["gross_minor"].as_i64().expect("gross"),
                        l["rate_bp"].as_i64().expect("rate") as i32,
                    )
                })
                .collect();
            let got = lines_tax(
                &lines,
                c["order_discount_minor"].as_i64().expect("discount"),
                supply,
                c["prices_include_tax"].as_bool().expect("convention"),
            );
            let expect = c["expect"].as_array().expect("expect");
            assert_eq!(got.len(), expect.len(), "{name}");
            for (i, ((discount, tax), want)) in got.iter().zip(expect).enumerate() {
                let field = |k: &str| want[k].as_i64().expect("a figure");
                assert_eq!(
                    (
                        *discount,
                        tax.taxable_minor,
                        tax.cgst_minor,
                        tax.sgst_minor,
                        tax.igst_minor,
                        tax.total_minor
                    ),
                    (
                        field("discount_minor"),
                        field("taxable_minor"),
                        field("cgst_minor"),
                        field("sgst_minor"),
                        field("igst_minor"),
                        field("total_minor")
                    ),
                    "{name}, line {}",
                    i + 1
                );
            }
        }
    }
}
