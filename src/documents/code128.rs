//! Code 128 barcodes (ISO/IEC 15417) for shipping labels: symbol values, bar/space modules
//! and a self-contained SVG.
//!
//! Text is encoded in code set B, switching to code set C (two digits per symbol) for runs
//! of four or more digits; a run of odd length keeps its first digit in set B. Code set A
//! is never needed because only printable ASCII (space to `~`) is accepted.

use std::fmt::Write as _;

use super::html::escape;

/// Widths in modules of every symbol value 0..=105, in drawing order: bar, space, bar,
/// space, bar, space. Each adds up to 11 modules with an even number of bar modules.
/// The comments give the meaning in code set B and in code set C.
const PATTERNS: [[u8; 6]; 106] = [
    [2, 1, 2, 2, 2, 2], // 0: space / 00
    [2, 2, 2, 1, 2, 2], // 1: ! / 01
    [2, 2, 2, 2, 2, 1], // 2: " / 02
    [1, 2, 1, 2, 2, 3], // 3: # / 03
    [1, 2, 1, 3, 2, 2], // 4: $ / 04
    [1, 3, 1, 2, 2, 2], // 5: % / 05
    [1, 2, 2, 2, 1, 3], // 6: & / 06
    [1, 2, 2, 3, 1, 2], // 7: ' / 07
    [1, 3, 2, 2, 1, 2], // 8: ( / 08
    [2, 2, 1, 2, 1, 3], // 9: ) / 09
    [2, 2, 1, 3, 1, 2], // 10: * / 10
    [2, 3, 1, 2, 1, 2], // 11: + / 11
    [1, 1, 2, 2, 3, 2], // 12: , / 12
    [1, 2, 2, 1, 3, 2], // 13: - / 13
    [1, 2, 2, 2, 3, 1], // 14: . / 14
    [1, 1, 3, 2, 2, 2], // 15: / / 15
    [1, 2, 3, 1, 2, 2], // 16: 0 / 16
    [1, 2, 3, 2, 2, 1], // 17: 1 / 17
    [2, 2, 3, 2, 1, 1], // 18: 2 / 18
    [2, 2, 1, 1, 3, 2], // 19: 3 / 19
    [2, 2, 1, 2, 3, 1], // 20: 4 / 20
    [2, 1, 3, 2, 1, 2], // 21: 5 / 21
    [2, 2, 3, 1, 1, 2], // 22: 6 / 22
    [3, 1, 2, 1, 3, 1], // 23: 7 / 23
    [3, 1, 1, 2, 2, 2], // 24: 8 / 24
    [3, 2, 1, 1, 2, 2], // 25: 9 / 25
    [3, 2, 1, 2, 2, 1], // 26: : / 26
    [3, 1, 2, 2, 1, 2], // 27: ; / 27
    [3, 2, 2, 1, 1, 2], // 28: < / 28
    [3, 2, 2, 2, 1, 1], // 29: = / 29
    [2, 1, 2, 1, 2, 3], // 30: > / 30
    [2, 1, 2, 3, 2, 1], // 31: ? / 31
    [2, 3, 2, 1, 2, 1], // 32: @ / 32
    [1, 1, 1, 3, 2, 3], // 33: A / 33
    [1, 3, 1, 1, 2, 3], // 34: B / 34
    [1, 3, 1, 3, 2, 1], // 35: C / 35
    [1, 1, 2, 3, 1, 3], // 36: D / 36
    [1, 3, 2, 1, 1, 3], // 37: E / 37
    [1, 3, 2, 3, 1, 1], // 38: F / 38
    [2, 1, 1, 3, 1, 3], // 39: G / 39
    [2, 3, 1, 1, 1, 3], // 40: H / 40
    [2, 3, 1, 3, 1, 1], // 41: I / 41
    [1, 1, 2, 1, 3, 3], // 42: J / 42
    [1, 1, 2, 3, 3, 1], // 43: K / 43
    [1, 3, 2, 1, 3, 1], // 44: L / 44
    [1, 1, 3, 1, 2, 3], // 45: M / 45
    [1, 1, 3, 3, 2, 1], // 46: N / 46
    [1, 3, 3, 1, 2, 1], // 47: O / 47
    [3, 1, 3, 1, 2, 1], // 48: P / 48
    [2, 1, 1, 3, 3, 1], // 49: Q / 49
    [2, 3, 1, 1, 3, 1], // 50: R / 50
    [2, 1, 3, 1, 1, 3], // 51: S / 51
    [2, 1, 3, 3, 1, 1], // 52: T / 52
    [2, 1, 3, 1, 3, 1], // 53: U / 53
    [3, 1, 1, 1, 2, 3], // 54: V / 54
    [3, 1, 1, 3, 2, 1], // 55: W / 55
    [3, 3, 1, 1, 2, 1], // 56: X / 56
    [3, 1, 2, 1, 1, 3], // 57: Y / 57
    [3, 1, 2, 3, 1, 1], // 58: Z / 58
    [3, 3, 2, 1, 1, 1], // 59: [ / 59
    [3, 1, 4, 1, 1, 1], // 60: \ / 60
    [2, 2, 1, 4, 1, 1], // 61: ] / 61
    [4, 3, 1, 1, 1, 1], // 62: ^ / 62
    [1, 1, 1, 2, 2, 4], // 63: _ / 63
    [1, 1, 1, 4, 2, 2], // 64: ` / 64
    [1, 2, 1, 1, 2, 4], // 65: a / 65
    [1, 2, 1, 4, 2, 1], // 66: b / 66
    [1, 4, 1, 1, 2, 2], // 67: c / 67
    [1, 4, 1, 2, 2, 1], // 68: d / 68
    [1, 1, 2, 2, 1, 4], // 69: e / 69
    [1, 1, 2, 4, 1, 2], // 70: f / 70
    [1, 2, 2, 1, 1, 4], // 71: g / 71
    [1, 2, 2, 4, 1, 1], // 72: h / 72
    [1, 4, 2, 1, 1, 2], // 73: i / 73
    [1, 4, 2, 2, 1, 1], // 74: j / 74
    [2, 4, 1, 2, 1, 1], // 75: k / 75
    [2, 2, 1, 1, 1, 4], // 76: l / 76
    [4, 1, 3, 1, 1, 1], // 77: m / 77
    [2, 4, 1, 1, 1, 2], // 78: n / 78
    [1, 3, 4, 1, 1, 1], // 79: o / 79
    [1, 1, 1, 2, 4, 2], // 80: p / 80
    [1, 2, 1, 1, 4, 2], // 81: q / 81
    [1, 2, 1, 2, 4, 1], // 82: r / 82
    [1, 1, 4, 2, 1, 2], // 83: s / 83
    [1, 2, 4, 1, 1, 2], // 84: t / 84
    [1, 2, 4, 2, 1, 1], // 85: u / 85
    [4, 1, 1, 2, 1, 2], // 86: v / 86
    [4, 2, 1, 1, 1, 2], // 87: w / 87
    [4, 2, 1, 2, 1, 1], // 88: x / 88
    [2, 1, 2, 1, 4, 1], // 89: y / 89
    [2, 1, 4, 1, 2, 1], // 90: z / 90
    [4, 1, 2, 1, 2, 1], // 91: { / 91
    [1, 1, 1, 1, 4, 3], // 92: | / 92
    [1, 1, 1, 3, 4, 1], // 93: } / 93
    [1, 3, 1, 1, 4, 1], // 94: ~ / 94
    [1, 1, 4, 1, 1, 3], // 95: DEL / 95
    [1, 1, 4, 3, 1, 1], // 96: FNC3 / 96
    [4, 1, 1, 1, 1, 3], // 97: FNC2 / 97
    [4, 1, 1, 3, 1, 1], // 98: SHIFT / 98
    [1, 1, 3, 1, 4, 1], // 99: CODE C / 99
    [1, 1, 4, 1, 3, 1], // 100: FNC4 / CODE B
    [3, 1, 1, 1, 4, 1], // 101: CODE A / CODE A
    [4, 1, 1, 1, 3, 1], // 102: FNC1 / FNC1
    [2, 1, 1, 4, 1, 2], // 103: START A
    [2, 1, 1, 2, 1, 4], // 104: START B
    [2, 1, 1, 2, 3, 2], // 105: START C
];

/// The stop pattern: the stop symbol and its terminating two-module bar, 13 modules.
const STOP_PATTERN: [u8; 7] = [2, 3, 3, 1, 1, 1, 2];

const START_B: u8 = 104;
const START_C: u8 = 105;
/// The symbol value of the stop pattern in [`encode`]'s output.
const STOP: u8 = 106;
/// In code set A or B: continue in code set C.
const CODE_C: u8 = 99;
/// In code set A or C: continue in code set B.
const CODE_B: u8 = 100;
/// Light margin on each side of the symbol, in modules (the standard's minimum).
const QUIET_ZONE: usize = 10;

/// The symbol values of `text`: start code, data (with code set switches), the modulo-103
/// check symbol and the stop (106). Only printable ASCII (32..=126) can be encoded.
pub fn encode(text: &str) -> Result<Vec<u8>, String> {
    if text.is_empty() {
        return Err("a Code 128 barcode needs at least one character".to_string());
    }
    if let Some((position, c)) = text.char_indices().find(|(_, c)| !(' '..='~').contains(c)) {
        return Err(format!(
            "Code 128 cannot encode {c:?} at byte {position}: only printable ASCII \
             (space to '~') is allowed"
        ));
    }
    // Printable ASCII only from here on, so bytes are characters.
    let bytes = text.as_bytes();
    let digits_from = |i: usize| {
        bytes
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let set_b = |b: u8| b - b' ';

    let mut values = Vec::with_capacity(bytes.len() + 4);
    let leading = digits_from(0);
    // Start in C for an even run of four or more digits, or for data of exactly two digits
    // (one symbol instead of two); an odd leading run starts in B with its first digit.
    let mut in_c =
        (leading == bytes.len() && leading == 2) || (leading >= 4 && leading.is_multiple_of(2));
    values.push(if in_c { START_C } else { START_B });

    let mut i = 0;
    while i < bytes.len() {
        if in_c {
            if let [tens, ones, ..] = bytes[i..]
                && tens.is_ascii_digit()
                && ones.is_ascii_digit()
            {
                values.push((tens - b'0') * 10 + (ones - b'0'));
                i += 2;
                continue;
            }
            values.push(CODE_B);
            in_c = false;
        }
        // In code set B. A run found here of four or more digits starts here: a longer one
        // would have been found at an earlier position.
        let run = digits_from(i);
        if run >= 4 {
            if !run.is_multiple_of(2) {
                values.push(set_b(bytes[i]));
                i += 1;
            }
            values.push(CODE_C);
            in_c = true;
            continue;
        }
        values.push(set_b(bytes[i]));
        i += 1;
    }

    values.push(checksum(&values));
    values.push(STOP);
    Ok(values)
}

/// The check symbol: the start value plus each following value times its position
/// (1, 2, 3 ...), modulo 103.
fn checksum(values: &[u8]) -> u8 {
    let sum: u64 = values
        .iter()
        .enumerate()
        .map(|(position, &value)| position.max(1) as u64 * u64::from(value))
        .sum();
    // Less than 103, so it fits.
    (sum % 103) as u8
}

fn widths(value: u8) -> &'static [u8] {
    match PATTERNS.get(usize::from(value)) {
        Some(pattern) => pattern,
        None => &STOP_PATTERN,
    }
}

/// The modules of the whole symbol, left to right (true = bar), with the 10-module quiet
/// zone on each side: 11 per symbol value, 13 for the stop pattern.
pub fn modules(text: &str) -> Result<Vec<bool>, String> {
    let values = encode(text)?;
    let mut out = Vec::with_capacity(values.len() * 11 + 2 + 2 * QUIET_ZONE);
    out.resize(QUIET_ZONE, false);
    for value in values {
        for (k, &width) in widths(value).iter().enumerate() {
            let bar = k % 2 == 0;
            out.extend(std::iter::repeat_n(bar, usize::from(width)));
        }
    }
    out.extend(std::iter::repeat_n(false, QUIET_ZONE));
    Ok(out)
}

/// A standalone SVG image of the barcode: `module_px` pixels per module, bars
/// `height_px` tall, the text printed below them. Scales cleanly through its viewBox.
pub fn svg(text: &str, module_px: u32, height_px: u32) -> Result<String, String> {
    if module_px == 0 || height_px == 0 {
        return Err("a barcode needs a module width and a height of at least one pixel".into());
    }
    let modules = modules(text)?;
    let module = u64::from(module_px);
    let bar_height = u64::from(height_px);
    let width = modules.len() as u64 * module;
    let font = 8 + 4 * module;
    let height = bar_height + font + font / 2;
    let baseline = bar_height + font + font / 8;
    let label = escape(text);

    let mut out = String::with_capacity(512 + modules.len() * 24);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" shape-rendering=\"crispEdges\" role=\"img\" \
         aria-label=\"Code 128 barcode: {label}\">\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/><g fill=\"#000\">"
    );
    // One rectangle per bar: adjacent bar modules merged.
    let mut start = 0;
    while start < modules.len() {
        if !modules[start] {
            start += 1;
            continue;
        }
        let run = modules[start..].iter().take_while(|&&bar| bar).count();
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"0\" width=\"{}\" height=\"{bar_height}\"/>",
            start as u64 * module,
            run as u64 * module
        );
        start += run;
    }
    let _ = write!(
        out,
        "</g><text x=\"{}\" y=\"{baseline}\" text-anchor=\"middle\" \
         font-family=\"'DejaVu Sans Mono','Noto Sans Mono',monospace\" font-size=\"{font}\" \
         fill=\"#000\">{label}</text></svg>",
        width as f64 / 2.0
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const START_A: u8 = 103;
    const CODE_A: u8 = 101;

    /// Reads modules back into symbol values by looking each pattern up in the table,
    /// checking the quiet zones and the stop pattern on the way.
    fn decode_values(modules: &[bool]) -> Vec<u8> {
        assert!(modules.len() >= 2 * QUIET_ZONE + 13);
        let (quiet, rest) = modules.split_at(QUIET_ZONE);
        assert!(quiet.iter().all(|m| !m), "leading quiet zone");
        let (body, quiet) = rest.split_at(rest.len() - QUIET_ZONE);
        assert!(quiet.iter().all(|m| !m), "trailing quiet zone");
        let (symbols, stop) = body.split_at(body.len() - 13);
        assert_eq!(run_lengths(stop), STOP_PATTERN.to_vec(), "stop pattern");
        assert_eq!(symbols.len() % 11, 0);
        let mut values: Vec<u8> = symbols
            .chunks(11)
            .map(|chunk| {
                let widths = run_lengths(chunk);
                let found = PATTERNS.iter().position(|p| p[..] == widths[..]);
                let value = found.unwrap_or_else(|| panic!("no symbol has widths {widths:?}"));
                u8::try_from(value).unwrap()
            })
            .collect();
        values.push(STOP);
        values
    }

    /// Widths of alternating bar/space runs, starting with a bar.
    fn run_lengths(modules: &[bool]) -> Vec<u8> {
        assert_eq!(modules.first(), Some(&true), "a symbol starts with a bar");
        let mut out: Vec<u8> = Vec::new();
        let mut previous = None;
        for &m in modules {
            if previous == Some(m) {
                *out.last_mut().unwrap() += 1;
            } else {
                out.push(1);
            }
            previous = Some(m);
        }
        out
    }

    /// Symbol values back to text, following the start code and the code set switches,
    /// after checking the check symbol and the stop.
    fn decode_text(values: &[u8]) -> String {
        let (&stop, rest) = values.split_last().unwrap();
        assert_eq!(stop, STOP);
        let (&check, data) = rest.split_last().unwrap();
        assert_eq!(check, checksum(data), "check symbol");
        let (&start, data) = data.split_first().unwrap();
        let mut set = match start {
            START_A => 'A',
            START_B => 'B',
            START_C => 'C',
            other => panic!("{other} is not a start code"),
        };
        let mut text = String::new();
        for &v in data {
            match (set, v) {
                ('A' | 'B', CODE_C) => set = 'C',
                ('A' | 'C', CODE_B) => set = 'B',
                ('B' | 'C', CODE_A) => set = 'A',
                ('C', 0..=99) => text.push_str(&format!("{v:02}")),
                ('B', 0..=95) => text.push(char::from(v + b' ')),
                ('A', 0..=63) => text.push(char::from(v + b' ')),
                ('A', 64..=95) => text.push(char::from(v - 64)),
                _ => panic!("value {v} is not data in code set {set}"),
            }
        }
        text
    }

    #[test]
    fn pjj123c_stays_in_code_set_b() {
        // "123" is only three digits: not worth a switch to C.
        // Start B 104; P=80-32=48, J=42, J=42, 1=17, 2=18, 3=19, C=35.
        // 104 + 48*1 + 42*2 + 42*3 + 17*4 + 18*5 + 19*6 + 35*7
        //   = 104 + 48 + 84 + 126 + 68 + 90 + 114 + 245 = 879; 879 mod 103 = 879 - 824 = 55.
        assert_eq!(
            encode("PJJ123C").unwrap(),
            vec![104, 48, 42, 42, 17, 18, 19, 35, 55, 106]
        );
    }

    #[test]
    fn all_digits_use_code_set_c() {
        // Start C 105; pairs 12, 34, 56, 78, 90.
        // 105 + 12*1 + 34*2 + 56*3 + 78*4 + 90*5 = 105 + 12 + 68 + 168 + 312 + 450 = 1115;
        // 1115 mod 103 = 1115 - 1030 = 85.
        assert_eq!(
            encode("1234567890").unwrap(),
            vec![105, 12, 34, 56, 78, 90, 85, 106]
        );
        // Exactly two digits: one symbol in C. 105 + 42 = 147; 147 - 103 = 44.
        assert_eq!(encode("42").unwrap(), vec![105, 42, 44, 106]);
        // Three digits are shorter in B (3 symbols) than as B + CODE C + pair.
        assert_eq!(encode("123").unwrap()[..4], [104, 17, 18, 19]);
    }

    #[test]
    fn an_awb_number_switches_from_b_to_c() {
        // Start B 104; A=33, W=55, B=34, CODE C 99, then 12, 34, 56, 78.
        // 104 + 33*1 + 55*2 + 34*3 + 99*4 + 12*5 + 34*6 + 56*7 + 78*8
        //   = 104 + 33 + 110 + 102 + 396 + 60 + 204 + 392 + 624 = 2025;
        // 2025 mod 103 = 2025 - 1957 = 68.
        assert_eq!(
            encode("AWB12345678").unwrap(),
            vec![104, 33, 55, 34, 99, 12, 34, 56, 78, 68, 106]
        );
        // An order number: K=43, R=50, -=13, CODE C, 00, 01, 23.
        // 104 + 43 + 50*2 + 13*3 + 99*4 + 0*5 + 1*6 + 23*7
        //   = 104 + 43 + 100 + 39 + 396 + 0 + 6 + 161 = 849; 849 - 824 = 25.
        assert_eq!(
            encode("KR-000123").unwrap(),
            vec![104, 43, 50, 13, 99, 0, 1, 23, 25, 106]
        );
    }

    #[test]
    fn an_odd_run_keeps_its_first_digit_in_b() {
        // Start B, 1=17, CODE C, 23, 45.
        // 104 + 17*1 + 99*2 + 23*3 + 45*4 = 104 + 17 + 198 + 69 + 180 = 568; 568 - 515 = 53.
        assert_eq!(encode("12345").unwrap(), vec![104, 17, 99, 23, 45, 53, 106]);
        // In the middle, and back to B afterwards: A=33, B=34, 1=17, CODE C, 23, 45,
        // CODE B 100, C=35, D=36.
        // 104 + 33*1 + 34*2 + 17*3 + 99*4 + 23*5 + 45*6 + 100*7 + 35*8 + 36*9
        //   = 104 + 33 + 68 + 51 + 396 + 115 + 270 + 700 + 280 + 324 = 2341;
        // 2341 mod 103 = 2341 - 2266 = 75.
        assert_eq!(
            encode("AB12345CD").unwrap(),
            vec![104, 33, 34, 17, 99, 23, 45, 100, 35, 36, 75, 106]
        );
    }

    #[test]
    fn module_count_is_eleven_per_symbol_plus_stop_bar_and_quiet_zones() {
        for text in [
            "PJJ123C",
            "1234567890",
            "AWB12345678",
            "x",
            "KR-000123-S1",
            " ~ ",
        ] {
            let symbols = encode(text).unwrap().len();
            let modules = modules(text).unwrap();
            // The stop is 13 modules: 11 like every symbol, plus its 2-module final bar.
            assert_eq!(modules.len(), 11 * symbols + 2 + 20, "{text}");
            assert!(modules[..10].iter().all(|m| !m));
            assert!(modules[10], "the start code begins with a bar");
            assert!(modules[modules.len() - 11], "the stop ends with a bar");
            assert!(modules[modules.len() - 10..].iter().all(|m| !m));
        }
    }

    #[test]
    fn every_pattern_is_eleven_modules_of_three_bars_and_three_spaces() {
        let mut seen = std::collections::HashSet::new();
        for (value, pattern) in PATTERNS.iter().enumerate() {
            assert!(pattern.iter().all(|w| (1..=4).contains(w)), "{value}");
            assert_eq!(
                pattern.iter().map(|&w| u32::from(w)).sum::<u32>(),
                11,
                "{value}"
            );
            let bars: u8 = pattern.iter().step_by(2).sum();
            assert_eq!(bars % 2, 0, "{value}: bar modules are even");
            assert!(seen.insert(*pattern), "{value} repeats a pattern");
        }
        assert_eq!(STOP_PATTERN.iter().sum::<u8>(), 13);
        assert_eq!(STOP_PATTERN.iter().step_by(2).count(), 4, "four bars");

        // The table is every 11-module pattern with even bars, less the stop symbol
        // (the stop pattern's first six) and the reverse stop (its last six, reversed).
        let mut all = std::collections::HashSet::new();
        for n in 0..4096u32 {
            let p: [u8; 6] = std::array::from_fn(|k| ((n >> (2 * k)) & 3) as u8 + 1);
            let total: u8 = p.iter().sum();
            let bars: u8 = p.iter().step_by(2).sum();
            if total == 11 && bars.is_multiple_of(2) {
                all.insert(p);
            }
        }
        assert_eq!(all.len(), 108);
        let stop: [u8; 6] = std::array::from_fn(|k| STOP_PATTERN[k]);
        let reverse_stop: [u8; 6] = std::array::from_fn(|k| STOP_PATTERN[6 - k]);
        assert!(all.remove(&stop) && all.remove(&reverse_stop));
        assert_eq!(all, seen);
    }

    #[test]
    fn a_decoder_reads_back_values_and_text() {
        for text in [
            "PJJ123C",
            "1234567890",
            "AWB12345678",
            "12345",
            "AB12345CD",
            "42",
            "7",
            "KR-000123-S1",
            "a1b22c333d4444e55555",
            "Hello, World! ~{|}` \\ \"quoted\"",
            "99999999999999999999",
        ] {
            let values = encode(text).unwrap();
            assert_eq!(decode_values(&modules(text).unwrap()), values, "{text}");
            assert_eq!(decode_text(&values), text);
        }
    }

    #[test]
    fn characters_outside_printable_ascii_are_refused() {
        assert!(encode("₹100").unwrap_err().contains("'₹'"));
        assert!(encode("Zoë").is_err());
        assert!(encode("line\nbreak").is_err());
        assert!(encode("tab\t").is_err());
        assert!(encode("\u{7f}").is_err());
        assert!(encode("").is_err());
        assert!(modules("é").is_err());
        assert!(svg("é", 2, 50).is_err());
    }

    #[test]
    fn svg_has_one_rect_per_bar_and_readable_text() {
        let text = "A&B<1234>";
        let image = svg(text, 2, 60).unwrap();
        let modules = modules(text).unwrap();
        let bars = modules
            .iter()
            .enumerate()
            .filter(|&(i, &m)| m && (i == 0 || !modules[i - 1]))
            .count();
        assert_eq!(image.matches("<rect x=").count(), bars);
        // Plus the white background.
        assert_eq!(image.matches("<rect ").count(), bars + 1);
        let width = modules.len() * 2;
        assert!(image.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(image.contains(&format!("viewBox=\"0 0 {width} ")));
        assert!(image.contains(&format!("width=\"{width}\"")));
        assert!(image.contains("shape-rendering=\"crispEdges\""));
        assert!(image.contains("role=\"img\""));
        assert!(image.contains("aria-label=\"Code 128 barcode: A&amp;B&lt;1234&gt;\""));
        assert!(image.contains(">A&amp;B&lt;1234&gt;</text></svg>"));
        assert!(image.contains("fill=\"#fff\""));
        // The first bar is the start code's: 2 modules wide right after the quiet zone.
        assert!(image.contains("<rect x=\"20\" y=\"0\" width=\"4\" height=\"60\"/>"));
        assert!(svg(text, 0, 60).is_err());
        assert!(svg(text, 2, 0).is_err());
    }
}
