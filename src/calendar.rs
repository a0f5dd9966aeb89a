//! Working days: weekends and each country's public holidays, from versioned data in
//! `assets/holidays/holidays.json` (compiled into the binary).
//!
//! The law gives help centres deadlines in working days (in Lithuania the centre contacts a
//! person notified by the police no later than the next working day), so the work queues
//! need the calendar of the centre's country.
//!
//! A holiday is one of:
//! - `{"date": "MM-DD"}` — the same day every year;
//! - `{"easter": N}` — N days after Western Easter Sunday (negative: before);
//! - `{"on": "YYYY-MM-DD"}` — one day only (lunar holidays, one-off days off).
//!
//! Any of them may set `"weekend_shift": true`: when it falls on a Saturday or Sunday, the
//! next day that is neither a weekend nor another holiday is a day off (Latvia's 4 May and
//! 18 November, Azerbaijan's holidays under its Labour Code).
//!
//! A country's entry states the years its data covers; beyond them only the fixed and
//! Easter rules apply, which is said in `ARCHITECTURE.md` and in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

use crate::centre::Country;
use crate::error::{Error, Result};

const BUILTIN: &str = include_str!("../assets/holidays/holidays.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: u32,
    countries: BTreeMap<String, CountryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryFile {
    source: String,
    holidays: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    name: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    easter: Option<i64>,
    #[serde(default)]
    on: Option<NaiveDate>,
    #[serde(default)]
    weekend_shift: bool,
}

/// When a rule falls in a year.
#[derive(Debug, Clone, Copy)]
enum When {
    Fixed { month: u32, day: u32 },
    Easter(i64),
    Once(NaiveDate),
}

#[derive(Debug, Clone)]
struct Holiday {
    name: String,
    when: When,
    weekend_shift: bool,
}

/// The public holidays of every country Atrama knows.
#[derive(Debug)]
pub struct Holidays {
    countries: BTreeMap<String, Vec<Holiday>>,
}

impl Holidays {
    /// The calendars compiled into this build (parsed once).
    pub fn builtin() -> Result<&'static Holidays> {
        static CAL: OnceLock<std::result::Result<Holidays, String>> = OnceLock::new();
        CAL.get_or_init(|| Holidays::parse(BUILTIN).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::invalid(format!("the built-in holiday calendars are broken: {e}")))
    }

    /// Reads and checks a holiday file.
    pub fn parse(text: &str) -> Result<Holidays> {
        let file: File = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("holiday file is not valid: {e}")))?;
        if file.format != 1 {
            return Err(Error::invalid(format!(
                "holiday file format {} is not known to this version; update the app",
                file.format
            )));
        }
        let mut countries = BTreeMap::new();
        for (code, c) in file.countries {
            let _ = c.source;
            let mut rules = Vec::with_capacity(c.holidays.len());
            for r in c.holidays {
                let when = match (&r.date, r.easter, r.on) {
                    (Some(md), None, None) => {
                        let (m, d) = md
                            .split_once('-')
                            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
                            .filter(|&(m, d)| NaiveDate::from_ymd_opt(2024, m, d).is_some())
                            .ok_or_else(|| {
                                Error::invalid(format!(
                                    "holiday '{}' of {code}: '{md}' is not a MM-DD date",
                                    r.name
                                ))
                            })?;
                        When::Fixed { month: m, day: d }
                    }
                    (None, Some(offset), None) => When::Easter(offset),
                    (None, None, Some(on)) => When::Once(on),
                    _ => {
                        return Err(Error::invalid(format!(
                            "holiday '{}' of {code} needs exactly one of date, easter, on",
                            r.name
                        )));
                    }
                };
                rules.push(Holiday {
                    name: r.name,
                    when,
                    weekend_shift: r.weekend_shift,
                });
            }
            countries.insert(code.to_ascii_uppercase(), rules);
        }
        Ok(Holidays { countries })
    }

    /// The days off (not counting ordinary weekends) of `country` in `year`, with names,
    /// in date order.
    pub fn in_year(&self, country: Country, year: i32) -> Vec<(NaiveDate, String)> {
        let Some(rules) = self.countries.get(&country.code().to_ascii_uppercase()) else {
            return Vec::new();
        };
        let mut days: BTreeMap<NaiveDate, String> = BTreeMap::new();
        let mut shifted = Vec::new();
        for h in rules {
            let date = match h.when {
                When::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day),
                When::Easter(offset) => easter_sunday(year).map(|e| e + Duration::days(offset)),
                When::Once(d) => (d.year() == year).then_some(d),
            };
            let Some(date) = date else { continue };
            if h.weekend_shift && is_weekend(date) {
                shifted.push((date, h.name.clone()));
            }
            days.entry(date).or_insert_with(|| h.name.clone());
        }
        // Shifted days are placed after every ordinary holiday is known, in date order, so
        // that consecutive holidays on a weekend move to consecutive working days.
        shifted.sort();
        for (date, name) in shifted {
            let mut d = date + Duration::days(1);
            while is_weekend(d) || days.contains_key(&d) {
                d += Duration::days(1);
            }
            days.insert(d, format!("{name} (day off moved from {date})"));
        }
        days.into_iter().collect()
    }

    /// The days off (not counting ordinary weekends) of `country` in `year`.
    fn days_off(&self, country: Country, year: i32) -> BTreeSet<NaiveDate> {
        self.in_year(country, year)
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    }

    /// Whether `date` is a public holiday (or a day off moved onto it) in `country`.
    pub fn is_holiday(&self, country: Country, date: NaiveDate) -> bool {
        self.days_off(country, date.year()).contains(&date)
    }

    /// Whether people work on `date` in `country`.
    pub fn is_working_day(&self, country: Country, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.is_holiday(country, date)
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The first working day after `date` in `country`: the day by which a client notified by
/// the police on `date` must be contacted.
pub fn next_working_day(holidays: &Holidays, country: Country, date: NaiveDate) -> NaiveDate {
    let mut d = date + Duration::days(1);
    // The year's days off are worked out once, not for every day looked at.
    let mut year = (d.year(), holidays.days_off(country, d.year()));
    // Bounded: no calendar has more than a few weeks of consecutive days off.
    for _ in 0..60 {
        if d.year() != year.0 {
            year = (d.year(), holidays.days_off(country, d.year()));
        }
        if !is_weekend(d) && !year.1.contains(&d) {
            return d;
        }
        d += Duration::days(1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_is_right_for_known_years() {
        assert_eq!(easter_sunday(2024), Some(day("2024-03-31")));
        assert_eq!(easter_sunday(2025), Some(day("2025-04-20")));
        assert_eq!(easter_sunday(2026), Some(day("2026-04-05")));
        assert_eq!(easter_sunday(2027), Some(day("2027-03-28")));
        assert_eq!(easter_sunday(2038), Some(day("2038-04-25")));
    }

    #[test]
    fn next_working_day_skips_weekends_and_holidays() -> Result<()> {
        let h = Holidays::builtin()?;
        // An ordinary Tuesday → Wednesday.
        assert_eq!(
            next_working_day(h, Country::Lt, day("2026-03-03")),
            day("2026-03-04")
        );
        // Friday 13 Feb 2026 → Tuesday 17 Feb: 16 Feb is Lithuania's State Day.
        assert_eq!(
            next_working_day(h, Country::Lt, day("2026-02-13")),
            day("2026-02-17")
        );
        // The same Friday in Latvia → Monday.
        assert_eq!(
            next_working_day(h, Country::Lv, day("2026-02-13")),
            day("2026-02-16")
        );
        // Thursday before Easter 2026 in Latvia: Good Friday and Easter Monday are off.
        assert_eq!(
            next_working_day(h, Country::Lv, day("2026-04-02")),
            day("2026-04-07")
        );
        // Lithuania: 23 Dec 2026 (Wednesday) → 24, 25 are holidays, 26/27 weekend → 28.
        assert_eq!(
            next_working_day(h, Country::Lt, day("2026-12-23")),
            day("2026-12-28")
        );
        // A country without a calendar only skips weekends.
        assert_eq!(
            next_working_day(h, Country::Other, day("2026-12-24")),
            day("2026-12-25")
        );
        Ok(())
    }

    #[test]
    fn weekend_holidays_move_to_the_next_working_day_where_the_law_says_so() -> Result<()> {
        let h = Holidays::builtin()?;
        // Latvia: 4 May 2025 was a Sunday, so Monday 5 May was a day off.
        assert!(h.is_holiday(Country::Lv, day("2025-05-05")));
        // Lithuania has no such rule: 1 Nov 2025 (Saturday) moves nothing.
        assert!(h.is_working_day(Country::Lt, day("2025-11-03")));
        // Azerbaijan: Novruz 20–24 March 2024 with 23/24 on the weekend → 25, 26 off.
        assert!(h.is_holiday(Country::Az, day("2024-03-25")));
        assert!(h.is_holiday(Country::Az, day("2024-03-26")));
        assert!(h.is_working_day(Country::Az, day("2024-03-27")));
        Ok(())
    }

    #[test]
    fn malformed_calendars_are_refused() {
        let bad = r#"{"format":1,"countries":{"LT":{"source":"s","holidays":[{"name":"x","date":"13-40"}]}}}"#;
        assert!(Holidays::parse(bad).is_err());
        let both = r#"{"format":1,"countries":{"LT":{"source":"s","holidays":[{"name":"x","date":"01-01","easter":1}]}}}"#;
        assert!(
            Holidays::parse(both)
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
    }
}
