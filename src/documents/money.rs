//! Amounts as Indian documents print them: 12,34,567.89 and "Rupees … Only".

/// Paise as rupees with Indian digit grouping (last three digits, then pairs):
/// 123456789 -> "12,34,567.89". No currency sign; negatives get a leading "-".
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    // unsigned_abs so that i64::MIN does not overflow.
    let abs = minor.unsigned_abs();
    let (rupees, paise) = (abs / 100, abs % 100);
    format!("{sign}{}.{paise:02}", group_indian(rupees))
}

fn group_indian(n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let mut out = String::with_capacity(digits.len() + digits.len() / 2);
    // The leading group is one or two digits, every other group before the last three is two.
    let first = head.len() % 2;
    if first == 1 {
        out.push_str(&head[..1]);
    }
    for pair in head.as_bytes()[first..].chunks(2) {
        if !out.is_empty() {
            out.push(',');
        }
        out.extend(pair.iter().map(|&b| char::from(b)));
    }
    out.push(',');
    out.push_str(last3);
    out
}

const ONES: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];

const TENS: [&str; 10] = [
    "", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
];

/// The amount in words in the Indian system, as the "amount in words" line of an invoice:
/// 125050 -> "Rupees One Thousand Two Hundred Fifty and Fifty Paise Only",
/// 0 -> "Rupees Zero Only", 1 -> "Rupees Zero and One Paisa Only".
/// Beyond 99 crore the count of crores is itself spelt in the Indian system
/// ("One Lakh Crore"), as Indian accounts do, rather than switching to "arab"/"kharab".
pub fn amount_in_words(minor: i64) -> String {
    let abs = minor.unsigned_abs();
    let (rupees, paise) = (abs / 100, abs % 100);
    let mut out = String::new();
    if minor < 0 {
        out.push_str("Minus ");
    }
    out.push_str("Rupees ");
    if rupees == 0 {
        out.push_str("Zero");
    } else {
        push_words(&mut out, rupees);
    }
    if paise > 0 {
        out.push_str(" and ");
        push_words(&mut out, paise);
        out.push_str(if paise == 1 { " Paisa" } else { " Paise" });
    }
    out.push_str(" Only");
    out
}

/// Appends `n` (> 0) in words, separating words with single spaces.
fn push_words(out: &mut String, n: u64) {
    const CRORE: u64 = 10_000_000;
    const LAKH: u64 = 100_000;
    const THOUSAND: u64 = 1_000;
    let mut rest = n;
    let word = |out: &mut String, w: &str| {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(w);
    };
    if rest >= CRORE {
        let mut crores = String::new();
        push_words(&mut crores, rest / CRORE);
        word(out, &crores);
        word(out, "Crore");
        rest %= CRORE;
    }
    for (unit, name) in [(LAKH, "Lakh"), (THOUSAND, "Thousand"), (100, "Hundred")] {
        if rest >= unit {
            word(out, below_hundred(rest / unit).as_str());
            word(out, name);
            rest %= unit;
        }
    }
    if rest > 0 {
        word(out, below_hundred(rest).as_str());
    }
}

fn below_hundred(n: u64) -> String {
    let n = (n % 100) as usize;
    if n < 20 {
        ONES[n].to_string()
    } else if n.is_multiple_of(10) {
        TENS[n / 10].to_string()
    } else {
        format!("{} {}", TENS[n / 10], ONES[n % 10])
    }
}

#[cfg(test)]
// Amounts are grouped in lakhs and crores, as the expected strings are.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn money_uses_indian_grouping() {
        assert_eq!(format_money(0), "0.00");
        assert_eq!(format_money(5), "0.05");
        assert_eq!(format_money(99), "0.99");
        assert_eq!(format_money(100), "1.00");
        assert_eq!(format_money(99_999), "999.99");
        assert_eq!(format_money(123_450), "1,234.50");
        assert_eq!(format_money(1_000_000), "10,000.00");
        assert_eq!(format_money(10_000_000), "1,00,000.00");
        assert_eq!(format_money(123_456_789), "12,34,567.89");
        assert_eq!(format_money(1_234_567_890), "1,23,45,678.90");
        assert_eq!(format_money(123_456_789_05), "12,34,56,789.05");
    }

    #[test]
    fn negative_money_keeps_grouping_behind_the_sign() {
        assert_eq!(format_money(-5), "-0.05");
        assert_eq!(format_money(-123_456_789), "-12,34,567.89");
        assert_eq!(format_money(i64::MIN), "-92,23,37,20,36,85,47,758.08");
        assert_eq!(format_money(i64::MAX), "92,23,37,20,36,85,47,758.07");
    }

    #[test]
    fn words_for_small_amounts() {
        assert_eq!(amount_in_words(0), "Rupees Zero Only");
        assert_eq!(amount_in_words(1), "Rupees Zero and One Paisa Only");
        assert_eq!(
            amount_in_words(99),
            "Rupees Zero and Ninety Nine Paise Only"
        );
        assert_eq!(amount_in_words(100), "Rupees One Only");
        assert_eq!(amount_in_words(9_900), "Rupees Ninety Nine Only");
        assert_eq!(
            amount_in_words(125_050),
            "Rupees One Thousand Two Hundred Fifty and Fifty Paise Only"
        );
        assert_eq!(amount_in_words(1_100), "Rupees Eleven Only");
        assert_eq!(amount_in_words(2_000), "Rupees Twenty Only");
    }

    #[test]
    fn words_use_lakh_and_crore() {
        assert_eq!(amount_in_words(100_000 * 100), "Rupees One Lakh Only");
        assert_eq!(amount_in_words(10_000_000 * 100), "Rupees One Crore Only");
        assert_eq!(
            amount_in_words(123_456_789_05),
            "Rupees Twelve Crore Thirty Four Lakh Fifty Six Thousand Seven Hundred \
             Eighty Nine and Five Paise Only"
        );
        assert_eq!(
            amount_in_words(1_01_00_000 * 100),
            "Rupees One Crore One Lakh Only"
        );
    }

    #[test]
    fn words_beyond_ninety_nine_crore_spell_the_crores() {
        assert_eq!(
            amount_in_words(100 * 10_000_000 * 100),
            "Rupees One Hundred Crore Only"
        );
        assert_eq!(
            amount_in_words(1_00_000 * 10_000_000 * 100 + 5),
            "Rupees One Lakh Crore and Five Paise Only"
        );
        // The largest i64 must not panic and must end the usual way.
        let max = amount_in_words(i64::MAX);
        assert_eq!(
            max,
            "Rupees Nine Hundred Twenty Two Crore Thirty Three Lakh Seventy Two Thousand \
             Thirty Six Crore Eighty Five Lakh Forty Seven Thousand Seven Hundred Fifty \
             Eight and Seven Paise Only"
        );
        assert!(
            amount_in_words(i64::MIN).starts_with("Minus Rupees Nine Hundred Twenty Two Crore")
        );
    }

    #[test]
    fn negative_words_say_minus() {
        assert_eq!(
            amount_in_words(-150),
            "Minus Rupees One and Fifty Paise Only"
        );
    }
}
