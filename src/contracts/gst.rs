//! GST state codes: the first two digits of a GSTIN and the code of a place of supply, and
//! which pair of taxes an intra-state supply there carries. The table is the public list
//! kept in `gst_state_codes.csv` beside this file.

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntraStatePair {
    CgstSgst,
    CgstUtgst,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GstState {
    pub code: String,
    pub name: String,
    /// `state`, `ut_with_legislature`, `ut_without_legislature` or `other`.
    pub kind: String,
    /// `None` where the code is not a place of supply (99).
    pub intra_state: Option<IntraStatePair>,
    /// Codes that appear only on older registrations (25, 28).
    pub legacy: bool,
}

const CSV: &str = include_str!("gst_state_codes.csv");

fn table() -> &'static [GstState] {
    static TABLE: OnceLock<Vec<GstState>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CSV.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .filter_map(|line| {
                let mut cols = line.splitn(5, ',');
                let code = cols.next()?.trim().to_string();
                let name = cols.next()?.trim().to_string();
                let kind = cols.next()?.trim().to_string();
                let pair = match cols.next()?.trim() {
                    "CGST+SGST" => Some(IntraStatePair::CgstSgst),
                    "CGST+UTGST" => Some(IntraStatePair::CgstUtgst),
                    _ => None,
                };
                let note = cols.next().unwrap_or("").trim();
                Some(GstState {
                    code,
                    name,
                    kind,
                    intra_state: pair,
                    legacy: note.starts_with("legacy"),
                })
            })
            .collect()
    })
}

/// The state with this two-digit code, if there is one.
pub fn state(code: &str) -> Option<&'static GstState> {
    table().iter().find(|s| s.code == code)
}

/// Whether `code` may be used as the place of supply of a new address or order.
pub fn is_place_of_supply(code: &str) -> bool {
    state(code).is_some_and(|s| s.intra_state.is_some() && !s.legacy)
}

/// Every code that may be a place of supply, in the table's order.
pub fn places_of_supply() -> impl Iterator<Item = &'static str> {
    table()
        .iter()
        .filter(|s| is_place_of_supply(&s.code))
        .map(|s| s.code.as_str())
}

/// A GST identification number: state code (2 digits, a known state), the holder's PAN
/// (5 letters, 4 digits, a letter), the registration number within the state, a letter
/// (`Z` today) and a mod-36 check character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gstin(String);

const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn base36_value(c: u8) -> Option<u32> {
    BASE36.iter().position(|b| *b == c).map(|p| p as u32)
}

/// The check character of the first 14 characters of a GSTIN: each character's value
/// (0–9, A=10 … Z=35) times 1 or 2 alternately, folded to base 36 (quotient + remainder),
/// summed; the check is what brings the sum to a multiple of 36.
pub fn gstin_check_char(first14: &str) -> Option<char> {
    let bytes = first14.as_bytes();
    if bytes.len() != 14 {
        return None;
    }
    let mut sum = 0u32;
    for (i, b) in bytes.iter().enumerate() {
        let value = base36_value(*b)?;
        let product = value * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    let check = (36 - sum % 36) % 36;
    Some(BASE36[check as usize] as char)
}

/// A made-up but well-formed GSTIN for a store in `state` (the demo store's).
pub fn demo_gstin(state: &str) -> String {
    let first14 = format!("{state}AAACK1234M1Z");
    let check = gstin_check_char(&first14).unwrap_or('0');
    format!("{first14}{check}")
}

impl Gstin {
    pub fn parse(raw: &str, field: &str) -> Result<Gstin, crate::http::AppError> {
        let g = raw.trim().to_ascii_uppercase();
        let b = g.as_bytes();
        let invalid = |m: &str| Err(crate::http::AppError::invalid(field, m));
        if b.len() != 15 || !b.iter().all(|c| c.is_ascii_alphanumeric()) {
            return invalid("must be 15 letters and digits");
        }
        if !b[..2].iter().all(u8::is_ascii_digit) || state(&g[..2]).is_none() {
            return invalid("must start with a known two-digit GST state code");
        }
        let pan = &b[2..12];
        let pan_ok = pan[..5].iter().all(u8::is_ascii_uppercase)
            && pan[5..9].iter().all(u8::is_ascii_digit)
            && pan[9].is_ascii_uppercase();
        if !pan_ok {
            return invalid("characters 3 to 12 must be a PAN (5 letters, 4 digits, a letter)");
        }
        if b[12] == b'0' {
            return invalid("character 13 (registration number) must be 1-9 or A-Z");
        }
        if gstin_check_char(&g[..14]) != Some(b[14] as char) {
            return invalid("check character does not match");
        }
        Ok(Gstin(g))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_gstin_is_well_formed() {
        let gstin = demo_gstin("29");
        assert!(gstin.starts_with("29AAACK1234M1Z"), "{gstin}");
        assert!(Gstin::parse(&gstin, "gstin").is_ok());
        assert!(Gstin::parse(&demo_gstin("07"), "gstin").is_ok());
    }

    #[test]
    fn the_table_knows_states_and_union_territories() {
        assert_eq!(state("29").unwrap().name, "Karnataka");
        assert_eq!(
            state("29").unwrap().intra_state,
            Some(IntraStatePair::CgstSgst)
        );
        assert_eq!(
            state("04").unwrap().intra_state,
            Some(IntraStatePair::CgstUtgst)
        );
        assert_eq!(
            state("07").unwrap().intra_state,
            Some(IntraStatePair::CgstSgst),
            "Delhi has a legislature"
        );
        assert!(state("28").unwrap().legacy);
        assert!(!is_place_of_supply("99"));
        assert!(!is_place_of_supply("28"));
        assert!(is_place_of_supply("37"));
        assert!(state("42").is_none());
    }
}
