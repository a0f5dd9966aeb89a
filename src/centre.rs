//! The centre profile: who this store belongs to and in which mode the app runs. It lives
//! inside the encrypted database, never beside it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The country a centre works in; it selects national code lists and holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Country {
    /// Lithuania.
    #[serde(rename = "LT")]
    Lt,
    /// Latvia.
    #[serde(rename = "LV")]
    Lv,
    /// Azerbaijan.
    #[serde(rename = "AZ")]
    Az,
    /// Any other country.
    #[serde(rename = "other")]
    Other,
}

impl Country {
    /// The stored code: `LT`, `LV`, `AZ` or `other`.
    pub fn code(self) -> &'static str {
        match self {
            Country::Lt => "LT",
            Country::Lv => "LV",
            Country::Az => "AZ",
            Country::Other => "other",
        }
    }

    /// Reads a country code, case-insensitively.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "LT" => Ok(Country::Lt),
            "LV" => Ok(Country::Lv),
            "AZ" => Ok(Country::Az),
            "OTHER" => Ok(Country::Other),
            _ => Err(Error::invalid(format!(
                "unknown country '{text}'; use LT, LV, AZ or other"
            ))),
        }
    }
}

/// Whether this installation is a help centre or a regional coordination centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A help centre that keeps case records.
    Centre,
    /// A coordination centre that imports the bundles of its centres.
    Coordinator,
}

impl Mode {
    /// The stored name: `centre` or `coordinator`.
    pub fn code(self) -> &'static str {
        match self {
            Mode::Centre => "centre",
            Mode::Coordinator => "coordinator",
        }
    }

    /// Reads a mode name.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "centre" | "center" => Ok(Mode::Centre),
            "coordinator" => Ok(Mode::Coordinator),
            _ => Err(Error::invalid(format!(
                "unknown mode '{text}'; use centre or coordinator"
            ))),
        }
    }
}

/// A user-interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// Lithuanian.
    Lt,
    /// Latvian.
    Lv,
    /// Azerbaijani.
    Az,
    /// Russian.
    Ru,
}

impl Language {
    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Lt => "lt",
            Language::Lv => "lv",
            Language::Az => "az",
            Language::Ru => "ru",
        }
    }

    /// Reads an ISO 639-1 code.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Language::En),
            "lt" => Ok(Language::Lt),
            "lv" => Ok(Language::Lv),
            "az" => Ok(Language::Az),
            "ru" => Ok(Language::Ru),
            _ => Err(Error::invalid(format!(
                "unknown language '{text}'; use en, lt, lv, az or ru"
            ))),
        }
    }

    /// The usual language of a country, as the default for a new centre.
    pub fn default_for(country: Country) -> Self {
        match country {
            Country::Lt => Language::Lt,
            Country::Lv => Language::Lv,
            Country::Az => Language::Az,
            Country::Other => Language::En,
        }
    }
}

/// What a new store is created with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewCentre {
    /// Short code, e.g. `KLP-01`.
    pub code: String,
    /// Name, e.g. "Klaipėda specialized help centre".
    pub name: String,
    /// Country.
    pub country: Country,
    /// Default UI language.
    pub language: Language,
    /// Centre or coordinator.
    pub mode: Mode,
    /// User name of the first administrator.
    pub admin_user: String,
}

impl NewCentre {
    /// Checks and normalises every field (code upper-cased, names trimmed).
    pub fn normalised(&self) -> Result<NewCentre> {
        Ok(NewCentre {
            code: normalise_centre_code(&self.code)?,
            name: normalise_centre_name(&self.name)?,
            country: self.country,
            language: self.language,
            mode: self.mode,
            admin_user: normalise_user_name(&self.admin_user)?,
        })
    }
}

/// The centre profile as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CentreProfile {
    /// Short code, e.g. `KLP-01`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Country.
    pub country: Country,
    /// Default UI language.
    pub language: Language,
    /// Centre or coordinator.
    pub mode: Mode,
}

/// Upper-cases a centre code and checks it: 2 to 16 letters A-Z, digits or dashes.
pub fn normalise_centre_code(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    let ok = (2..=16).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !code.starts_with('-')
        && !code.ends_with('-');
    if ok {
        Ok(code)
    } else {
        Err(Error::invalid(format!(
            "centre code '{code}' is not valid; use 2 to 16 letters A-Z, digits or dashes, e.g. KLP-01"
        )))
    }
}

/// The longest centre name, in characters.
pub const MAX_CENTRE_NAME: usize = 120;

/// Whether `c` may not appear in a name shown to people: control characters (line breaks,
/// tabs, the escape that starts terminal control sequences) and the invisible characters
/// that reorder or hide text (bidirectional overrides and isolates, zero-width characters,
/// the byte-order mark).
pub fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Trims a centre name and checks it: 1 to [`MAX_CENTRE_NAME`] characters on one line, no
/// control or invisible characters ([`is_hidden_or_control`]). The rule for a centre's own
/// name and for every name read from another side's enrolment file.
pub fn normalise_centre_name(name: &str) -> Result<String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_CENTRE_NAME || name.chars().any(is_hidden_or_control) {
        return Err(Error::invalid(format!(
            "the centre name must be 1 to {MAX_CENTRE_NAME} characters on one line, without control or invisible characters"
        )));
    }
    Ok(name.to_owned())
}

/// Lower-cases a user name and checks it: 2 to 32 letters, digits, dots, dashes or
/// underscores, starting with a letter.
pub fn normalise_user_name(user: &str) -> Result<String> {
    let user = user.trim().to_lowercase();
    let chars = user.chars().count();
    let ok = (2..=32).contains(&chars)
        && user.chars().next().is_some_and(char::is_alphabetic)
        && user
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(user)
    } else {
        Err(Error::invalid(format!(
            "user name '{user}' is not valid; use 2 to 32 letters, digits, dots, dashes or underscores, starting with a letter"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_normalised() -> Result<()> {
        assert_eq!(normalise_centre_code(" klp-01 ")?, "KLP-01");
        assert!(normalise_centre_code("K").is_err());
        assert!(normalise_centre_code("KLP 01").is_err());
        assert!(normalise_centre_code("-KLP").is_err());
        assert_eq!(normalise_user_name(" Ona ")?, "ona");
        assert_eq!(normalise_user_name("jūratė.k")?, "jūratė.k");
        assert!(normalise_user_name("1ona").is_err());
        assert!(normalise_user_name("o na").is_err());
        assert!(normalise_centre_name("line\nbreak").is_err());
        assert!(normalise_centre_name("esc\u{1b}[31m").is_err());
        assert!(normalise_centre_name("right\u{202e}left").is_err());
        assert!(normalise_centre_name("zero\u{200b}width").is_err());
        assert!(normalise_centre_name(&"x".repeat(121)).is_err());
        assert_eq!(normalise_centre_name(&"ė".repeat(120))?, "ė".repeat(120));
        assert_eq!(
            normalise_centre_name(" =Centras – Nr. 1 ")?,
            "=Centras – Nr. 1"
        );
        Ok(())
    }

    #[test]
    fn enums_parse_their_codes() -> Result<()> {
        for c in [Country::Lt, Country::Lv, Country::Az, Country::Other] {
            assert_eq!(Country::parse(c.code())?, c);
        }
        for m in [Mode::Centre, Mode::Coordinator] {
            assert_eq!(Mode::parse(m.code())?, m);
        }
        for l in [
            Language::En,
            Language::Lt,
            Language::Lv,
            Language::Az,
            Language::Ru,
        ] {
            assert_eq!(Language::parse(l.code())?, l);
        }
        assert!(Country::parse("EE").is_err());
        Ok(())
    }
}
