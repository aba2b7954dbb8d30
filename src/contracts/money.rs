//! Money arithmetic on integer minor units (paise). Amounts a client sends are summed and
//! multiplied only through these, so an overflow is a 400 naming the field instead of a
//! wrapped total or a panic.

use crate::http::AppError;

/// The largest amount one field may carry: ₹1,000 crore, far beyond any counter or order,
/// and small enough that a thousand of them still add up inside an `i64`.
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;

/// `a + b`, or a 400 naming `field`.
pub fn add(a: i64, b: i64, field: &str) -> Result<i64, AppError> {
    a.checked_add(b)
        .filter(|sum| sum.abs() <= i64::MAX / 2)
        .ok_or_else(|| too_large(field))
}

/// `amount × count`, or a 400 naming `field`.
pub fn times(amount: i64, count: i64, field: &str) -> Result<i64, AppError> {
    amount
        .checked_mul(count)
        .filter(|product| product.abs() <= MAX_AMOUNT_MINOR)
        .ok_or_else(|| too_large(field))
}

/// The amount itself, when it is between 0 and [`MAX_AMOUNT_MINOR`].
pub fn check(amount: i64, field: &str) -> Result<i64, AppError> {
    if (0..=MAX_AMOUNT_MINOR).contains(&amount) {
        Ok(amount)
    } else {
        Err(AppError::invalid(
            field,
            format!("must be between 0 and {MAX_AMOUNT_MINOR} minor units"),
        ))
    }
}

fn too_large(field: &str) -> AppError {
    AppError::invalid(field, "adds up to more than any amount this store can hold")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_names_the_field() {
        assert_eq!(add(2, 3, "x").ok(), Some(5));
        assert_eq!(times(50_000, 4, "x").ok(), Some(200_000));
        match times(i64::MAX, 2, "counted[1]") {
            Err(AppError::Validation(e)) => assert_eq!(e[0].field, "counted[1]"),
            other => panic!("{other:?}"),
        }
        assert!(add(i64::MAX, 1, "total").is_err());
        assert!(times(MAX_AMOUNT_MINOR, 2, "x").is_err());
        assert!(check(-1, "x").is_err());
        assert!(check(MAX_AMOUNT_MINOR + 1, "x").is_err());
    }
}
