//! The one CSV writer behind every download (catalog export, reports): quoting, and the
//! guard against spreadsheet formula injection, with its inverse for imports.

/// Characters that make a spreadsheet run a cell as a formula.
const FORMULA_STARTS: [char; 4] = ['=', '+', '-', '@'];

/// One cell: text a spreadsheet would run as a formula gets a leading `'` (numbers such as
/// `-12.50` stay numbers), and the cell is quoted when CSV needs it.
pub fn cell(value: &str) -> String {
    let guarded;
    let value = if value.starts_with(FORMULA_STARTS) && value.parse::<f64>().is_err() {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A row of cells, ended by a newline.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// What `cell` guarded, as it was: an import of an export gets back the same text.
pub fn unguard(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) && rest.parse::<f64>().is_err() => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_guarded_numbers_are_not_and_import_undoes_it() {
        for formula in ["=HYPERLINK(\"x\")", "+91 cmd", "-2+3", "@SUM(A1)"] {
            let out = cell(formula);
            assert!(out.starts_with('\'') || out.starts_with("\"'"), "{out}");
            let back = out.trim_matches('"').replace("\"\"", "\"");
            assert_eq!(unguard(&back), formula);
        }
        assert_eq!(cell("-12.50"), "-12.50");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(unguard("'plain"), "'plain");
        assert_eq!(row(&["x", "=1+1"]), "x,'=1+1\n");
    }
}
