//! Writing CSV for spreadsheets: the one way the app writes a CSV cell and line. Quoting as
//! RFC 4180, and formula injection neutralised: a cell that a spreadsheet would read as a
//! formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return, or their
//! full-width forms) is written with a leading apostrophe, so it shows as the text it is.
//! Names and labels in reports come from other centres' enrolment files and from code lists
//! in return bundles, so no cell is trusted. A plain number (`-3`, `+2.5`) is left as it is.

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

/// Whether `text` is a plain decimal number, optionally signed (no exponent, no spaces).
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// The text of a cell as a spreadsheet should show it: `'` before anything that would start
/// a formula.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) && !plain_number(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Appends one cell: neutralised, then quoted if it holds a comma, quote or line break.
pub fn push_cell(out: &mut String, text: &str) {
    let text = neutralised(text);
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

/// Appends one line of cells, ended with CRLF.
pub fn push_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell.as_ref());
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_and_text_kept() {
        for bad in [
            "=1+1",
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "-",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "\u{ff1d}1+1",
            "-1e5",
            "+.5",
        ] {
            assert_eq!(neutralised(bad), format!("'{bad}"), "{bad:?}");
        }
        for good in [
            "",
            "12",
            "-3",
            "+2.5",
            "0.25",
            "<5",
            "KLP-01",
            "Klaipėda",
            "a=b",
        ] {
            assert_eq!(neutralised(good), good, "{good:?}");
        }
    }

    #[test]
    fn cells_are_quoted_after_neutralising() {
        let mut out = String::new();
        push_line(&mut out, &["=a,b", "say \"hi\"", "x\ny", "-7", "@"]);
        assert_eq!(out, "\"'=a,b\",\"say \"\"hi\"\"\",\"x\ny\",-7,'@\r\n");
    }
}
