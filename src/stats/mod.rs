//! Monthly statistics: tables T1–T10 (DOMAIN.md, "monthly tables") by centre × month and
//! consolidated, computed by one engine on a centre's own store and on a coordinator's store
//! of replicas alike; disclosure control for what is published; CSV and XLSX output.
//!
//! - `tables.rs` — the engine: aggregates in SQLite at month granularity (the grain both
//!   kinds of store have: a coordinator's replicas carry months, not dates), adds the
//!   archived counts of purged cases (`stat_archive`), and lays the counts out as tables
//!   whose categories come from the code-list crosswalks.
//! - `suppress.rs` — the earlier one-line-at-a-time suppression, kept to measure against.
//! - `views.rs` — every view a store may publish for a period (centres, groups, months,
//!   whole period) as one system of figures and relations, suppressed together.
//! - `audit.rs` — suppression of that system and the reader's linear-programming audit
//!   that every publication passes.
//! - `memo.rs` — the audited protections an unlocked store remembers, so that a period's
//!   views and files share one audit.
//! - `words.rs` — the report's fixed words (headers, notes, About sheet) in its language.
//! - `output.rs` — CSV (UTF-8 with BOM) and XLSX workbooks, written atomically.
//! - `measures.rs` — single figures read from the tables; comparison and trends.
//! - `targets.rs` — yearly targets per centre and their progress.
//! - `quality.rs` — data quality per centre (unknown fields, contradictory dates).
//!
//! See `docs/statistics.md` for the definition of every table.

pub mod audit;
pub mod measures;
pub mod memo;
pub mod output;
pub mod quality;
pub mod suppress;
pub mod tables;
pub mod targets;
pub mod views;
pub mod words;

use serde::{Deserialize, Serialize};

use crate::centre::{Country, Language};
use crate::error::{Error, Result};
pub use suppress::Suppressed;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Month> {
        let bad = || Error::invalid(format!("'{text}' is not a month; write it as YYYY-MM"));
        let t = text.trim();
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1900..=9998).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// `YYYY-MM`.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `YYYY-MM-01`, for comparing with stored dates.
    pub fn first_day(self) -> String {
        format!("{:04}-{:02}-01", self.year, self.month)
    }

    /// The month after.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before.
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// Every month from `self` to `to`, both included.
    pub fn through(self, to: Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= to {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// What to tabulate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsQuery {
    /// First month, `YYYY-MM`.
    pub from: String,
    /// Last month, `YYYY-MM` (default: the first).
    pub to: Option<String>,
    /// Centre codes (empty: every centre this store knows).
    #[serde(default)]
    pub centres: Vec<String>,
    /// Only centres of this country.
    #[serde(default)]
    pub country: Option<Country>,
    /// One row per centre (false: all centres consolidated).
    pub by_centre: bool,
    /// One row per month (false: the whole period in one row).
    pub by_month: bool,
    /// Only cases whose client currently consents to non-identifiable statistics (what a
    /// centre's bundle would carry). A coordinator holds nothing else.
    #[serde(default)]
    pub consented_only: bool,
    /// Language of the category labels (default: the centre's).
    #[serde(default)]
    pub language: Option<Language>,
}

impl StatsQuery {
    /// Centre × month for one month or a range, every centre.
    pub fn months(from: &str, to: Option<&str>) -> StatsQuery {
        StatsQuery {
            from: from.to_owned(),
            to: to.map(str::to_owned),
            centres: Vec::new(),
            country: None,
            by_centre: true,
            by_month: true,
            consented_only: false,
            language: None,
        }
    }

    /// The period, checked.
    pub fn period(&self) -> Result<(Month, Month)> {
        let from = Month::parse(&self.from)?;
        let to = match &self.to {
            Some(t) if !t.trim().is_empty() => Month::parse(t)?,
            _ => from,
        };
        if to < from {
            return Err(Error::invalid(format!(
                "the period ends ({to}) before it starts ({from}); swap the months"
            )));
        }
        if from.through(to).len() > 240 {
            return Err(Error::invalid("a period is at most 240 months"));
        }
        Ok((from, to))
    }
}

/// A centre a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsCentre {
    /// Its code.
    pub code: String,
    /// Its name (empty when published with codes only).
    pub name: String,
    /// Its country code (`LT`, `LV`, `AZ`, `other`), or empty when not known here.
    pub country: String,
}

/// What a count measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of people, cases, events.
    Count,
    /// Minutes (shown as hours).
    Minutes,
}

/// A column: one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsColumn {
    /// The category code (`female|25_34`, `physical`, `ipv`, …).
    pub code: String,
    /// Its label in the report's language (the code itself when unknown here).
    pub label: String,
    /// The group it belongs to (e.g. the sex in T1, the EIGE category in T3), with its label.
    pub group: Option<String>,
    /// The group's code.
    pub group_code: Option<String>,
    /// Whether the code is in this build's lists (false: from a newer list; kept, flagged).
    pub known: bool,
    /// A subtotal: the sum of the ordinary columns of its group.
    pub subtotal: bool,
}

/// A row: one centre (or all) × one month (or the whole period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsRow {
    /// The centre's code; `None`: all centres.
    pub centre: Option<String>,
    /// The month `YYYY-MM`; `None`: the whole period.
    pub month: Option<String>,
}

/// One count as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsCell {
    /// The exact count; `None` when suppressed (the value is not in a published table).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub value: Option<i64>,
    /// Why it is not shown.
    pub suppressed: Option<Suppressed>,
}

impl StatsCell {
    /// An exact count.
    pub fn exact(value: i64) -> StatsCell {
        StatsCell {
            value: Some(value),
            suppressed: None,
        }
    }
}

/// One table (or one part of a table: T2a, T2b, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsTable {
    /// `T1`, `T2a`, …
    pub id: String,
    /// 1–10.
    pub number: u8,
    /// Title in the report's language (the catalogues' `stats.table.<id>`, as the UI).
    pub title: String,
    /// How to read it (multi-counting, month of what), in English.
    pub note: String,
    /// What the counts measure.
    pub unit: Unit,
    /// The category columns (totals apart).
    pub columns: Vec<StatsColumn>,
    /// The rows (totals apart).
    pub rows: Vec<StatsRow>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<StatsCell>>,
    /// A total per row (sum of the ordinary columns), when it means something.
    pub row_totals: Option<Vec<StatsCell>>,
    /// A total per column over the rows, when it means something.
    pub column_totals: Option<Vec<StatsCell>>,
    /// The grand total (with both row and column totals).
    pub total: Option<StatsCell>,
}

/// How a report was made safe to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Disclosure {
    /// Counts from 1 to `threshold - 1` are suppressed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub threshold: i64,
    /// Centres shown by their codes only.
    pub codes_only: bool,
    /// The rule, in words, for the metadata sheet.
    pub rule: String,
    /// The audit's result, in words, for the metadata sheet.
    #[serde(default)]
    pub audit: String,
}

/// T1–T10 for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatsReport {
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// The centres covered.
    pub centres: Vec<StatsCentre>,
    /// One row per centre.
    pub by_centre: bool,
    /// One row per month.
    pub by_month: bool,
    /// Only consenting clients' cases.
    pub consented_only: bool,
    /// Language of the labels.
    pub language: Language,
    /// Version of the code lists (crosswalks) used.
    pub code_lists_version: String,
    /// The store that made it (centre code) and its mode.
    pub made_by: String,
    /// When (RFC 3339, UTC).
    pub generated_at: String,
    /// `None`: exact counts, for the screen only. `Some`: safe to publish.
    pub disclosure: Option<Disclosure>,
    /// T1 … T10.
    pub tables: Vec<StatsTable>,
}

/// Counts from 1 to 4 are suppressed in published tables.
pub const THRESHOLD: i64 = 5;

/// The symbol of a small count suppressed (1 to `threshold - 1`): `<5`.
pub fn primary_symbol(threshold: i64) -> String {
    format!("<{threshold}")
}

/// The symbol of a figure hidden so that no small count can be worked out from it
/// (secondary suppression), as statistics offices mark confidential figures.
pub const SECONDARY_SYMBOL: &str = "x";

/// The suppression rule in words, in the report's language, for the About sheet, the CSV
/// header and the print.
pub fn rule_text(lang: Language, threshold: i64) -> String {
    words::fill(
        &words::text(lang, "report.rule"),
        &[
            ("n", (threshold - 1).to_string()),
            ("t", primary_symbol(threshold)),
            ("x", SECONDARY_SYMBOL.to_owned()),
        ],
    )
}

/// The audit's result in words, in the report's language.
pub fn audit_text(lang: Language, threshold: i64, s: &audit::AuditSummary) -> String {
    let mut text = words::fill(
        &words::text(lang, "report.audit"),
        &[
            ("count", s.suppressed.to_string()),
            ("primary", s.primary.to_string()),
            ("secondary", (s.suppressed - s.primary).to_string()),
            ("w", threshold.to_string()),
            ("n", (threshold - 1).to_string()),
        ],
    );
    if s.small_shown_as_x > 0 {
        text.push(' ');
        text.push_str(&words::fill(
            &words::text(lang, "report.smallAsX"),
            &[("count", s.small_shown_as_x.to_string())],
        ));
    }
    if s.withheld_parts > 0 {
        text.push(' ');
        text.push_str(&words::fill(
            &words::text(lang, "report.withheld"),
            &[("count", s.withheld_parts.to_string())],
        ));
    }
    text
}

/// Makes an exact view safe to publish. `finest` holds the same period's exact counts by
/// centre × month for every centre the store knows: suppression is decided on every view
/// this store may publish for the period at once ([`views::Cube`]), audited by linear
/// programming ([`audit::protect`]), and applied to `view` (the exact values of hidden
/// figures are removed, not hidden). Centre names are dropped when `codes_only`.
pub fn publish_view(
    view: &StatsReport,
    finest: &StatsReport,
    threshold: i64,
    codes_only: bool,
) -> Result<StatsReport> {
    publish_with(view, finest, threshold, codes_only, |sys| {
        audit::protect(sys, threshold).map(std::sync::Arc::new)
    })
}

/// [`publish_view`] with the audit remembered in `memo` (see [`memo`]).
pub fn publish_view_memo(
    view: &StatsReport,
    finest: &StatsReport,
    threshold: i64,
    codes_only: bool,
    memo: &memo::ProtectionMemo,
) -> Result<StatsReport> {
    publish_with(view, finest, threshold, codes_only, |sys| {
        memo.protect(sys, threshold)
    })
}

/// Audits the system of `finest` into `memo` ahead of [`publish_view_memo`], so that the
/// print view or file that follows finds it done.
pub fn prepare_publication(
    finest: &StatsReport,
    threshold: i64,
    memo: &memo::ProtectionMemo,
) -> Result<()> {
    let cube = views::Cube::new(finest)?;
    memo.protect(&cube.system, threshold).map(|_| ())
}

fn publish_with(
    view: &StatsReport,
    finest: &StatsReport,
    threshold: i64,
    codes_only: bool,
    protect: impl FnOnce(&audit::System) -> Result<std::sync::Arc<audit::Protection>>,
) -> Result<StatsReport> {
    let cube = views::Cube::new(finest)?;
    let protection = protect(&cube.system)?;
    let mut out = view.clone();
    cube.apply(&mut out, &protection.marks)?;
    if codes_only {
        for c in &mut out.centres {
            c.name.clear();
        }
    }
    out.disclosure = Some(Disclosure {
        threshold,
        codes_only,
        rule: rule_text(view.language, threshold),
        audit: audit_text(view.language, threshold, &protection.summary),
    });
    Ok(out)
}

/// The query of the finest exact counts [`publish_view`] needs for `query`: the same
/// period, cases and language, every centre, by centre and month.
pub fn finest_query(query: &StatsQuery) -> StatsQuery {
    StatsQuery {
        centres: Vec::new(),
        country: None,
        by_centre: true,
        by_month: true,
        ..query.clone()
    }
}

/// The earlier method, kept to measure against ([`publish_view`] replaces it): each table
/// on its own with the one-line rule of [`suppress::suppress`] (linked tables share their
/// row totals), no audit.
pub fn publish_by_lines(report: &StatsReport, threshold: i64) -> StatsReport {
    use suppress::{Grid, Pattern};
    let mut out = report.clone();
    let find = |id: &str| out.tables.iter().position(|t| t.id == id);
    let grids: Vec<Grid> = out.tables.iter().map(tables::grid_of).collect();
    let mut patterns: Vec<Option<Pattern>> = vec![None; out.tables.len()];
    // Linked groups first: they share row totals.
    for group in [&["T1", "T5a", "T5b", "T5c"][..], &["T7a", "T7b"][..]] {
        let idx: Vec<usize> = group.iter().filter_map(|id| find(id)).collect();
        let linked: Vec<&Grid> = idx.iter().map(|&i| &grids[i]).collect();
        for (i, p) in idx
            .iter()
            .zip(suppress::suppress_linked(&linked, threshold))
        {
            patterns[*i] = Some(p);
        }
    }
    for (i, g) in grids.iter().enumerate() {
        if patterns[i].is_none() && out.tables[i].id != "T6b" {
            patterns[i] = Some(suppress::suppress(g, threshold));
        }
    }
    if let (Some(a), Some(b)) = (find("T6a"), find("T6b")) {
        patterns[b] = patterns[a].clone();
    }
    let hide = |cell: &mut StatsCell, mark: Option<Suppressed>| {
        if let Some(m) = mark {
            *cell = StatsCell {
                value: None,
                suppressed: Some(m),
            };
        }
    };
    for (t, p) in out.tables.iter_mut().zip(patterns) {
        let Some(p) = p else { continue };
        for (row, marks) in t.cells.iter_mut().zip(&p.cells) {
            for (cell, m) in row.iter_mut().zip(marks) {
                hide(cell, *m);
            }
        }
        if let Some(rt) = &mut t.row_totals {
            for (cell, m) in rt.iter_mut().zip(&p.row_totals) {
                hide(cell, *m);
            }
        }
        if let Some(ct) = &mut t.column_totals {
            for (cell, m) in ct.iter_mut().zip(&p.column_totals) {
                hide(cell, *m);
            }
        }
        if let Some(total) = &mut t.total {
            hide(total, p.total);
        }
    }
    out.disclosure = Some(Disclosure {
        threshold,
        codes_only: false,
        rule: String::new(),
        audit: String::new(),
    });
    out
}

impl crate::store::Store {
    /// T1–T10 with exact counts, for the screen of a coordinator or centre administrator.
    pub fn monthly_tables(&self, query: &StatsQuery) -> Result<StatsReport> {
        self.require(crate::admin::Permission::Statistics)?;
        let profile = self.profile()?;
        tables::compute(&self.conn, self.ctx.codes, &profile, query)
    }

    /// [`Store::monthly_tables`] computed from the rows whatever the store: the reference
    /// the coordinator's kept counts (`stats::tables::counts`) are tested against.
    #[doc(hidden)]
    pub fn monthly_tables_from_rows(&self, query: &StatsQuery) -> Result<StatsReport> {
        self.require(crate::admin::Permission::Statistics)?;
        let profile = self.profile()?;
        tables::compute_from_rows(&self.conn, self.ctx.codes, &profile, query)
    }

    /// T1–T10 as they may be published: with disclosure control decided over every view
    /// of the same period and audited by linear programming ([`publish_view`]); refused
    /// for a view this store does not publish.
    pub fn published_tables(&self, query: &StatsQuery, codes_only: bool) -> Result<StatsReport> {
        let view = self.monthly_tables(query)?;
        let finest = self.monthly_tables(&finest_query(query))?;
        let memo = self.extensions.get_or_default::<memo::ProtectionMemo>();
        publish_view_memo(&view, &finest, THRESHOLD, codes_only, &memo)
    }

    /// The finest counts `query` is published from, and the memo its audit goes to: for
    /// auditing ahead ([`prepare_publication`]) without holding the store.
    pub fn publication_inputs(
        &self,
        query: &StatsQuery,
    ) -> Result<(StatsReport, std::sync::Arc<memo::ProtectionMemo>)> {
        let finest = self.monthly_tables(&finest_query(query))?;
        Ok((finest, self.extensions.get_or_default()))
    }

    /// Writes the published tables to `path` (atomically) as CSV or XLSX, and records the
    /// export in the access log.
    pub fn write_monthly_report(
        &mut self,
        query: &StatsQuery,
        format: output::ReportFormat,
        path: &std::path::Path,
        codes_only: bool,
    ) -> Result<StatsReport> {
        let report = self.published_tables(query, codes_only)?;
        output::write(&report, format, path)?;
        let tx = self.conn.transaction()?;
        crate::audit::append(
            &tx,
            &self.ctx.user,
            crate::audit::Action::Export,
            None,
            Some(&format!(
                "monthly report {}..{} ({}, {} centre(s), suppressed)",
                report.from,
                report.to,
                format.code(),
                report.centres.len()
            )),
        )?;
        tx.commit()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The printed rule names both symbols and the audit, in every language.
    #[test]
    fn the_printed_rule_and_audit_name_both_symbols_in_every_language() {
        use crate::centre::Language;
        let s = audit::AuditSummary {
            suppressed: 7,
            primary: 3,
            withheld_parts: 1,
            ..Default::default()
        };
        for lang in [
            Language::En,
            Language::Lt,
            Language::Lv,
            Language::Ru,
            Language::Az,
        ] {
            let rule = rule_text(lang, 5);
            assert!(
                rule.contains("<5") && rule.contains("x“")
                    || rule.contains("“x”")
                    || rule.contains("«x»"),
                "{rule}"
            );
            assert!(rule.contains('4'), "{rule}");
            let audit = audit_text(lang, 5, &s);
            for n in ["7", "3", "4", "1"] {
                assert!(audit.contains(n), "{lang:?} {audit}");
            }
            assert!(!audit.contains('{'), "{audit}");
        }
        assert!(rule_text(Language::En, 5).contains("Counts from 1 to 4"));
    }

    #[test]
    fn every_table_has_a_title_in_every_language() {
        use crate::centre::Language;
        for id in tables::PARTS {
            let en = tables::table_title(Language::En, id).unwrap();
            for lang in [Language::Lt, Language::Lv, Language::Az, Language::Ru] {
                let title = tables::table_title(lang, id).unwrap();
                assert!(!title.is_empty(), "{id} {lang:?}");
                assert_ne!(title, en, "{id} {lang:?} is not translated");
            }
        }
        assert_eq!(
            tables::table_title(Language::En, "T1").as_deref(),
            Some("New clients by sex and age band")
        );
        assert!(tables::table_title(Language::En, "T99").is_none());
    }

    #[test]
    fn months_parse_and_step() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.next().code(), "2027-01");
        assert_eq!(m.prev().code(), "2026-11");
        assert_eq!(Month::parse("2026-01").unwrap().prev().code(), "2025-12");
        assert_eq!(m.first_day(), "2026-12-01");
        assert_eq!(Month::parse("2026-01").unwrap().through(m).len(), 12);
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", ""] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        let q = StatsQuery::months("2026-05", Some("2026-04"));
        assert!(
            q.period()
                .unwrap_err()
                .to_string()
                .contains("before it starts")
        );
    }
}
