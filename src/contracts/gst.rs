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

#[cfg(test)]
mod tests {
    use super::*;

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
