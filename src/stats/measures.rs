//! Measures: single figures read from the T1–T10 tables (cases opened, women, children,
//! contacts, referrals …), used by the comparison and trends view and by yearly targets.
//!
//! A measure is never counted on its own: it is read from the same engine's tables
//! (`tables::compute`, by centre × month), so a trend line, a target's progress and the
//! published tables always agree. Which table and which columns each measure reads is
//! [`Measure::source`] (and `docs/statistics.md`, "Measures").
//!
//! Trends are per centre, or per city (the city recorded in the coordinator's centres
//! registry; centres with none stand for themselves), month by month over a period, with a
//! total per series over the period.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{StatsQuery, StatsReport, StatsTable};
use crate::error::{Error, Result};
use crate::store::Store;

/// A measure's value in one row: (centre, month, value); `None`: all centres / the period.
pub type RowValue = (Option<String>, Option<String>, i64);

/// A figure read from the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// T1 row total: cases opened.
    CasesOpened,
    /// T1, female clients aged 18 or more (or of unknown age): women supported.
    Women,
    /// T4 "witnessed": children of the cases opened who witnessed violence.
    ChildrenWitnessed,
    /// T4 "directly harmed": children of the cases opened who were harmed.
    ChildrenHarmed,
    /// T2b row total: incidents of the cases opened, each once.
    Incidents,
    /// T6a row total: service contacts.
    ServiceContacts,
    /// T7a row total: outgoing referrals.
    Referrals,
    /// T8 row total: risk assessments.
    RiskAssessments,
    /// T9 row total: protection orders.
    ProtectionOrders,
    /// T10a row total: closures.
    Closures,
}

impl Measure {
    /// Every measure, in the order shown.
    pub const ALL: [Measure; 10] = [
        Measure::CasesOpened,
        Measure::Women,
        Measure::ChildrenWitnessed,
        Measure::ChildrenHarmed,
        Measure::Incidents,
        Measure::ServiceContacts,
        Measure::Referrals,
        Measure::RiskAssessments,
        Measure::ProtectionOrders,
        Measure::Closures,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Measure::CasesOpened => "cases_opened",
            Measure::Women => "women",
            Measure::ChildrenWitnessed => "children_witnessed",
            Measure::ChildrenHarmed => "children_harmed",
            Measure::Incidents => "incidents",
            Measure::ServiceContacts => "service_contacts",
            Measure::Referrals => "referrals",
            Measure::RiskAssessments => "risk_assessments",
            Measure::ProtectionOrders => "protection_orders",
            Measure::Closures => "closures",
        }
    }

    /// Reads a code.
    pub fn parse(text: &str) -> Result<Measure> {
        let t = text.trim();
        Measure::ALL
            .into_iter()
            .find(|m| m.code() == t)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "'{t}' is not a measure; use one of {}",
                    Measure::ALL.map(Measure::code).join(", ")
                ))
            })
    }

    /// The table part it is read from.
    pub fn table(self) -> &'static str {
        match self {
            Measure::CasesOpened | Measure::Women => "T1",
            Measure::ChildrenWitnessed | Measure::ChildrenHarmed => "T4",
            Measure::Incidents => "T2b",
            Measure::ServiceContacts => "T6a",
            Measure::Referrals => "T7a",
            Measure::RiskAssessments => "T8",
            Measure::ProtectionOrders => "T9",
            Measure::Closures => "T10a",
        }
    }

    /// What it counts, in English (the UI uses `coord.measure.<code>`).
    pub fn label(self) -> &'static str {
        match self {
            Measure::CasesOpened => "Cases opened",
            Measure::Women => "Women supported (new female clients aged 18+)",
            Measure::ChildrenWitnessed => "Children who witnessed violence",
            Measure::ChildrenHarmed => "Children directly harmed",
            Measure::Incidents => "Incidents",
            Measure::ServiceContacts => "Service contacts",
            Measure::Referrals => "Outgoing referrals",
            Measure::RiskAssessments => "Risk assessments",
            Measure::ProtectionOrders => "Protection orders",
            Measure::Closures => "Closures",
        }
    }

    /// Which table and columns it reads, in words.
    pub fn source(self) -> &'static str {
        match self {
            Measure::CasesOpened => "T1, row total (cases opened in the month)",
            Measure::Women => {
                "T1, the columns of female clients in every age band except 0–17 (unknown age included)"
            }
            Measure::ChildrenWitnessed => "T4, column 'witnessed'",
            Measure::ChildrenHarmed => "T4, column 'directly harmed'",
            Measure::Incidents => "T2b, row total (each incident once)",
            Measure::ServiceContacts => "T6a, row total",
            Measure::Referrals => "T7a, row total",
            Measure::RiskAssessments => "T8, row total",
            Measure::ProtectionOrders => "T9, row total",
            Measure::Closures => "T10a, row total",
        }
    }

    /// Its value in row `row` of its table.
    pub fn value(self, table: &StatsTable, row: usize) -> i64 {
        let cells = &table.cells[row];
        let sum_where = |keep: &dyn Fn(&str) -> bool| -> i64 {
            table
                .columns
                .iter()
                .zip(cells)
                .filter(|(c, _)| !c.subtotal && keep(&c.code))
                .map(|(_, v)| v.value.unwrap_or(0))
                .sum()
        };
        match self {
            Measure::Women => {
                sum_where(&|code| code.starts_with("female|") && code != "female|0_17")
            }
            Measure::ChildrenWitnessed => sum_where(&|code| code == "witnessed"),
            Measure::ChildrenHarmed => sum_where(&|code| code == "directly_harmed"),
            _ => match &table.row_totals {
                Some(t) => t[row].value.unwrap_or(0),
                None => sum_where(&|_| true),
            },
        }
    }

    /// Its values in `report` by (centre, month): `None` keys stand for "all" / "period".
    pub fn values(self, report: &StatsReport) -> Result<Vec<RowValue>> {
        let table = report
            .tables
            .iter()
            .find(|t| t.id == self.table())
            .ok_or_else(|| Error::invalid(format!("table {} is missing", self.table())))?;
        Ok(table
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.centre.clone(), r.month.clone(), self.value(table, i)))
            .collect())
    }
}

/// A measure with its words, for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MeasureInfo {
    /// The measure.
    pub measure: Measure,
    /// The table part it is read from.
    pub table: String,
    /// What it counts, in English.
    pub label: String,
    /// Which table and columns, in words.
    pub source: String,
}

impl MeasureInfo {
    /// The measure's code.
    pub fn measure_code(&self) -> &'static str {
        self.measure.code()
    }
}

impl From<Measure> for MeasureInfo {
    fn from(m: Measure) -> MeasureInfo {
        MeasureInfo {
            measure: m,
            table: m.table().to_owned(),
            label: m.label().to_owned(),
            source: m.source().to_owned(),
        }
    }
}

/// Every measure with its words.
pub fn measures() -> Vec<MeasureInfo> {
    Measure::ALL.into_iter().map(MeasureInfo::from).collect()
}

/// How trend series are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One series per centre.
    Centre,
    /// One series per city (centres of a city added up).
    City,
}

/// What to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TrendQuery {
    /// First month, `YYYY-MM`.
    pub from: String,
    /// Last month, `YYYY-MM` (default: the first).
    pub to: Option<String>,
    /// The measures (at least one).
    pub measures: Vec<Measure>,
    /// Centre codes (with `cities` empty too: every centre).
    #[serde(default)]
    pub centres: Vec<String>,
    /// Cities from the centres registry: their centres are added to `centres`.
    #[serde(default)]
    pub cities: Vec<String>,
    /// One series per centre or per city.
    pub by: Grouping,
}

/// One line of a trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TrendSeries {
    /// The centre code or the city.
    pub key: String,
    /// The centres it adds up.
    pub centres: Vec<String>,
    /// The measure.
    pub measure: Measure,
    /// One value per month of the trend.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub values: Vec<i64>,
    /// The sum over the period.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: i64,
}

/// Month-by-month series, exact counts (for the coordinator's screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TrendReport {
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// The months, in order.
    pub months: Vec<String>,
    /// Per centre or per city.
    pub by: Grouping,
    /// The measures, with their words.
    pub measures: Vec<MeasureInfo>,
    /// Series, by measure then key.
    pub series: Vec<TrendSeries>,
    /// When (RFC 3339).
    pub generated_at: String,
}

impl Store {
    /// Month-by-month trends of `query.measures` per centre or city, read from T1–T10.
    pub fn trends(&self, query: &TrendQuery) -> Result<TrendReport> {
        if query.measures.is_empty() {
            return Err(Error::invalid("choose at least one measure"));
        }
        let mut centres: Vec<String> = query.centres.iter().map(|c| c.trim().to_owned()).collect();
        if !query.cities.is_empty() {
            let registry = self.centres()?;
            for city in &query.cities {
                let found: Vec<String> = registry
                    .iter()
                    .filter(|c| c.city.trim().eq_ignore_ascii_case(city.trim()))
                    .map(|c| c.code.clone())
                    .collect();
                if found.is_empty() {
                    return Err(Error::invalid(format!(
                        "no centre is recorded in the city '{}'; set centres' cities in the centres registry",
                        city.trim()
                    )));
                }
                centres.extend(found);
            }
        }
        centres.sort();
        centres.dedup();
        let stats = StatsQuery {
            centres,
            ..StatsQuery::months(&query.from, query.to.as_deref())
        };
        let report = self.monthly_tables(&stats)?;
        let months: Vec<String> = {
            let (a, b) = stats.period()?;
            a.through(b).into_iter().map(|m| m.code()).collect()
        };
        let key_of = |code: &str| -> Result<String> {
            Ok(match query.by {
                Grouping::Centre => code.to_owned(),
                Grouping::City => {
                    let city = self.centre_city(code)?;
                    if city.trim().is_empty() {
                        code.to_owned()
                    } else {
                        city.trim().to_owned()
                    }
                }
            })
        };
        let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in &report.centres {
            keys.entry(key_of(&c.code)?)
                .or_default()
                .push(c.code.clone());
        }
        let mut series = Vec::new();
        for &m in &query.measures {
            let values = m.values(&report)?;
            for (key, members) in &keys {
                let mut line = vec![0i64; months.len()];
                for (centre, month, v) in &values {
                    let (Some(centre), Some(month)) = (centre, month) else {
                        continue;
                    };
                    if members.contains(centre)
                        && let Some(i) = months.iter().position(|x| x == month)
                    {
                        line[i] += v;
                    }
                }
                series.push(TrendSeries {
                    key: key.clone(),
                    centres: members.clone(),
                    measure: m,
                    total: line.iter().sum(),
                    values: line,
                });
            }
        }
        Ok(TrendReport {
            from: report.from,
            to: report.to,
            months,
            by: query.by,
            measures: query.measures.iter().map(|&m| m.into()).collect(),
            series,
            generated_at: report.generated_at,
        })
    }
}
