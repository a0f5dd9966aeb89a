//! Comparative case analysis at a coordination centre: the completed analyses of a year,
//! centres (or countries) side by side. The quantitative parts are aggregated — key
//! figures from the facts each centre's core froze into its analyses (median days from the
//! police notification to the first contact, share of cases with a protection order, median
//! duration of support, service contacts by discipline, …), and per question of the
//! template (median of numbers and date intervals, share of "yes", count per option) — and
//! the free-text answers (lessons, barriers, …) are listed per centre. Written to XLSX
//! ("About" + "Key figures" + a sheet per section of the template), atomically.
//!
//! The comparison is a working document for the partner centres, made from pseudonymised,
//! consented analyses; it is not a published statistic, so counts are not suppressed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::params;
use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};

use super::form::{Answer, CaseAnalysis, current_analyses};
use super::template::{AnalysisTemplate, QuestionType};
use crate::centre::Language;
use crate::error::{Error, Result};
use crate::store::Store;

/// What the columns of a comparison are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One column per centre (in the pilots, a centre is a city's centre).
    #[default]
    Centre,
    /// One column per country.
    Country,
}

/// What to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CompareQuery {
    /// The year the analyses were completed in.
    pub year: i32,
    /// Columns by centre or by country.
    #[serde(default)]
    pub group_by: GroupBy,
    /// The centres (or countries) to show; empty: all that have analyses.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The template; default: the one with the most analyses that year.
    #[serde(default)]
    pub template_id: Option<String>,
    /// Language of the template's texts and the code labels (`en`, `lt`, …); default `en`.
    #[serde(default)]
    pub language: Option<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CompareGroup {
    /// Centre code or country code.
    pub key: String,
    /// Centre name or country code.
    pub label: String,
    /// The centres in it.
    pub centres: Vec<String>,
    /// Completed analyses in it.
    pub analyses: u32,
}

/// How a figure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum FigureUnit {
    /// A median number of days.
    Days,
    /// A median count.
    Median,
    /// A share, 0–1.
    Share,
    /// A count.
    Count,
}

/// One row of figures: a value per group, over `n[i]` analyses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Figure {
    /// Stable key (the UI labels it with `analysis.figure.<key>`; per-code rows are
    /// `<key>:<code>`).
    pub key: String,
    /// Label in English (or the template's text / the code's label in the asked language).
    pub label: String,
    /// How to read the values.
    pub unit: FigureUnit,
    /// A value per group (none when no analysis answers it).
    pub values: Vec<Option<f64>>,
    /// How many analyses each value is computed over.
    pub n: Vec<u32>,
}

/// The free-text answers to one question, per group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TextAnswers {
    /// The question.
    pub question_id: String,
    /// Its text.
    pub text: String,
    /// Per group: (centre code, answer), in order of completion.
    pub answers: Vec<Vec<(String, String)>>,
}

/// One section of the template, compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CompareSection {
    /// Section id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The quantitative questions aggregated.
    pub figures: Vec<Figure>,
    /// The text questions listed.
    pub texts: Vec<TextAnswers>,
}

/// A comparative analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Comparison {
    /// The year.
    pub year: i32,
    /// The template.
    pub template_id: String,
    /// The version whose questions are shown (the newest here).
    pub template_version: u32,
    /// Its title.
    pub template_title: String,
    /// The versions the analyses were made with.
    pub versions_used: Vec<u32>,
    /// Language of the texts.
    pub language: String,
    /// Columns by centre or country.
    pub group_by: GroupBy,
    /// The columns.
    pub groups: Vec<CompareGroup>,
    /// Key figures from the facts.
    pub key_figures: Vec<Figure>,
    /// The template's sections.
    pub sections: Vec<CompareSection>,
    /// When it was made (RFC 3339, UTC).
    pub generated_at: String,
}

/// The median of `v` (the mean of the two middle values when their number is even).
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        f64::midpoint(v[m - 1], v[m])
    } else {
        v[m]
    })
}

fn share(v: &[bool]) -> Option<f64> {
    if v.is_empty() {
        None
    } else {
        Some(v.iter().filter(|b| **b).count() as f64 / v.len() as f64)
    }
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Builds a figure from a per-analysis extractor.
fn figure<T>(
    key: &str,
    label: &str,
    unit: FigureUnit,
    groups: &[Vec<&CaseAnalysis>],
    get: impl Fn(&CaseAnalysis) -> Option<T>,
    agg: impl Fn(Vec<T>) -> Option<f64>,
) -> Figure {
    let mut values = Vec::with_capacity(groups.len());
    let mut n = Vec::with_capacity(groups.len());
    for g in groups {
        let xs: Vec<T> = g.iter().filter_map(|a| get(a)).collect();
        n.push(count_u32(xs.len()));
        values.push(agg(xs));
    }
    Figure {
        key: key.to_owned(),
        label: label.to_owned(),
        unit,
        values,
        n,
    }
}

fn med_i(xs: Vec<i64>) -> Option<f64> {
    let mut v: Vec<f64> = xs.into_iter().map(|x| x as f64).collect();
    median(&mut v)
}

fn share_b(xs: Vec<bool>) -> Option<f64> {
    share(&xs)
}

fn sum_i(xs: Vec<i64>) -> Option<f64> {
    Some(xs.iter().sum::<i64>() as f64)
}

fn key_figures(
    groups: &[Vec<&CaseAnalysis>],
    codes: &crate::codes::CodeLists,
    lang: Language,
) -> Vec<Figure> {
    use FigureUnit::{Count, Days, Median, Share};
    let mut out = vec![
        figure(
            "analyses",
            "Completed analyses",
            Count,
            groups,
            |_| Some(1i64),
            sum_i,
        ),
        figure(
            "police_notified_share",
            "Share notified by the police",
            Share,
            groups,
            |a| Some(a.facts.police_notified),
            share_b,
        ),
        figure(
            "median_days_police_to_first_contact",
            "Median days from police notification to first contact",
            Days,
            groups,
            |a| a.facts.days_police_to_first_contact,
            med_i,
        ),
        figure(
            "first_contact_within_one_day_share",
            "Share contacted within one day of the police notification",
            Share,
            groups,
            |a| a.facts.days_police_to_first_contact.map(|d| d <= 1),
            share_b,
        ),
        figure(
            "protection_order_share",
            "Share of cases with a protection order granted",
            Share,
            groups,
            |a| Some(a.facts.protection_order_granted),
            share_b,
        ),
        figure(
            "protection_order_applied_share",
            "Share of cases with a protection order applied for",
            Share,
            groups,
            |a| Some(a.facts.protection_order_applied),
            share_b,
        ),
        figure(
            "median_support_days",
            "Median duration of support (days)",
            Days,
            groups,
            |a| a.facts.support_days,
            med_i,
        ),
        figure(
            "median_service_contacts",
            "Median number of service contacts",
            Median,
            groups,
            |a| Some(a.facts.service_contacts),
            med_i,
        ),
        figure(
            "median_referrals",
            "Median number of referrals",
            Median,
            groups,
            |a| Some(a.facts.referrals),
            med_i,
        ),
    ];
    let disciplines: BTreeSet<&String> = groups
        .iter()
        .flatten()
        .flat_map(|a| a.facts.contacts_by_discipline.keys())
        .collect();
    for d in disciplines {
        let label = codes
            .label("service_discipline", d, lang)
            .unwrap_or(d.as_str());
        out.push(figure(
            &format!("contacts_by_discipline:{d}"),
            &format!("Service contacts: {label}"),
            Count,
            groups,
            |a| Some(a.facts.contacts_by_discipline.get(d).copied().unwrap_or(0)),
            sum_i,
        ));
    }
    out
}

fn section_figures(
    t: &AnalysisTemplate,
    lang: &str,
    groups: &[Vec<&CaseAnalysis>],
    group_keys: &[String],
) -> Vec<CompareSection> {
    let _ = group_keys;
    let mut out = Vec::new();
    for s in &t.sections {
        let mut figures = Vec::new();
        let mut texts = Vec::new();
        for q in &s.questions {
            let text = t.pick(&q.text, lang).to_owned();
            let id = q.id.clone();
            match q.kind {
                QuestionType::Number => figures.push(figure(
                    &format!("question:{id}"),
                    &text,
                    FigureUnit::Median,
                    groups,
                    |a| match a.responses.get(&id) {
                        Some(Answer::Number(n)) => Some(i64::from(*n)),
                        _ => None,
                    },
                    med_i,
                )),
                QuestionType::DateInterval => figures.push(figure(
                    &format!("question:{id}"),
                    &text,
                    FigureUnit::Days,
                    groups,
                    |a| {
                        a.responses
                            .get(&id)
                            .and_then(Answer::interval_days)
                            .map(i64::from)
                    },
                    med_i,
                )),
                QuestionType::YesNo => figures.push(figure(
                    &format!("question:{id}"),
                    &text,
                    FigureUnit::Share,
                    groups,
                    |a| match a.responses.get(&id) {
                        Some(Answer::YesNo(b)) => Some(*b),
                        _ => None,
                    },
                    share_b,
                )),
                QuestionType::Choice => {
                    for o in &q.options {
                        let label = format!("{text}: {}", t.pick(&o.label, lang));
                        let oid = o.id.clone();
                        let mut f = figure(
                            &format!("question:{id}:{oid}"),
                            &label,
                            FigureUnit::Count,
                            groups,
                            |a| match a.responses.get(&id) {
                                Some(Answer::Choice(c)) => Some(i64::from(*c == oid)),
                                _ => None,
                            },
                            sum_i,
                        );
                        // `n` is how many answered the question; the value counts the option.
                        f.key = format!("question:{id}:{oid}");
                        figures.push(f);
                    }
                }
                QuestionType::Text => texts.push(TextAnswers {
                    question_id: id.clone(),
                    text,
                    answers: groups
                        .iter()
                        .map(|g| {
                            g.iter()
                                .filter_map(|a| match a.responses.get(&id) {
                                    Some(Answer::Text(s)) => {
                                        Some((centre_of(a).to_owned(), s.clone()))
                                    }
                                    _ => None,
                                })
                                .collect()
                        })
                        .collect(),
                }),
            }
        }
        out.push(CompareSection {
            id: s.id.clone(),
            title: t.pick(&s.title, lang).to_owned(),
            figures,
            texts,
        });
    }
    out
}

/// The owner centre of an analysis (carried beside it while comparing).
fn centre_of(a: &CaseAnalysis) -> &str {
    &a.centre
}

impl Store {
    /// Compares the completed analyses of a year, centres (or countries) side by side.
    pub fn compare_analyses(&self, q: &CompareQuery) -> Result<Comparison> {
        self.require(crate::admin::Permission::CompareCaseAnalyses)?;
        if !(2000..=2200).contains(&q.year) {
            return Err(Error::invalid(format!(
                "{} is not a year to compare; give a year such as 2026",
                q.year
            )));
        }
        let lang = q.language.clone().unwrap_or_else(|| "en".into());
        let language = Language::parse(&lang).unwrap_or(Language::En);
        let year = format!("{:04}", q.year);
        let template_id = match &q.template_id {
            Some(t) => t.clone(),
            None => self
                .conn
                .query_row(
                    &format!(
                        "SELECT a.template_id {} AND substr(a.completed_on, 1, 4) = ?1
                         GROUP BY a.template_id ORDER BY count(*) DESC, a.template_id LIMIT 1",
                        super::form::CURRENT
                    ),
                    [&year],
                    |r| r.get(0),
                )
                .map_err(|_| {
                    Error::invalid(format!(
                        "no completed case analyses from {year} are here yet; they arrive in the centres' bundles"
                    ))
                })?,
        };
        let template = self.analysis_template(&template_id, None)?;
        let analyses = current_analyses(
            &self.conn,
            "a.template_id = ?1 AND substr(a.completed_on, 1, 4) = ?2",
            params![template_id, year],
        )?;
        let peers: BTreeMap<String, (String, String)> = self
            .conn
            .prepare("SELECT centre_code, name, country FROM sync_peer")?
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        let own = self.profile()?;
        let info = |centre: &str| -> (String, String) {
            peers.get(centre).cloned().unwrap_or_else(|| {
                if centre == own.code {
                    (own.name.clone(), own.country.code().to_owned())
                } else {
                    (centre.to_owned(), String::new())
                }
            })
        };
        let key_of = |centre: &str| match q.group_by {
            GroupBy::Centre => centre.to_owned(),
            GroupBy::Country => info(centre).1,
        };
        let mut keys: BTreeSet<String> = analyses.iter().map(|a| key_of(&a.centre)).collect();
        if !q.groups.is_empty() {
            let wanted: BTreeSet<String> =
                q.groups.iter().map(|g| g.trim().to_uppercase()).collect();
            keys.retain(|k| wanted.contains(&k.to_uppercase()));
            for w in &wanted {
                if !keys.iter().any(|k| k.to_uppercase() == *w) {
                    keys.insert(w.clone());
                }
            }
        }
        let keys: Vec<String> = keys.into_iter().collect();
        let by_group: Vec<Vec<&CaseAnalysis>> = keys
            .iter()
            .map(|k| {
                analyses
                    .iter()
                    .filter(|a| key_of(&a.centre) == *k)
                    .collect()
            })
            .collect();
        let groups = keys
            .iter()
            .zip(&by_group)
            .map(|(k, g)| {
                let centres: BTreeSet<String> = g.iter().map(|a| a.centre.clone()).collect();
                CompareGroup {
                    key: k.clone(),
                    label: match q.group_by {
                        GroupBy::Centre => info(k).0,
                        GroupBy::Country => k.clone(),
                    },
                    centres: centres.into_iter().collect(),
                    analyses: count_u32(g.len()),
                }
            })
            .collect();
        let versions_used: BTreeSet<u32> = analyses.iter().map(|a| a.template_version).collect();
        Ok(Comparison {
            year: q.year,
            template_id: template.id.clone(),
            template_version: template.version,
            template_title: template.pick(&template.title, &lang).to_owned(),
            versions_used: versions_used.into_iter().collect(),
            language: lang.clone(),
            group_by: q.group_by,
            groups,
            key_figures: key_figures(&by_group, self.ctx.codes, language),
            sections: section_figures(&template, &lang, &by_group, &keys),
            generated_at: chrono::Utc::now().to_rfc3339(),
        })
    }

    /// Writes the comparison to an XLSX workbook at `path` (atomically) and logs the export.
    pub fn write_analysis_comparison(&self, q: &CompareQuery, path: &Path) -> Result<Comparison> {
        let c = self.compare_analyses(q)?;
        crate::atomic_file::write(path, &xlsx(&c)?)?;
        crate::audit::append(
            &self.conn,
            &self.ctx.user,
            crate::audit::Action::Export,
            None,
            Some(&format!(
                "comparative case analysis {} ({}), {} centre(s)",
                c.year,
                c.template_id,
                c.groups.len()
            )),
        )?;
        Ok(c)
    }
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::invalid(format!("could not build the workbook: {e}"))
}

fn sheet_name(i: usize, title: &str) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .collect();
    let name = format!("{} {}", i + 1, clean.trim());
    name.chars().take(31).collect()
}

fn write_figures(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: &mut u32,
    c: &Comparison,
    figures: &[Figure],
    bold: &Format,
    pct: &Format,
    dec: &Format,
) -> Result<()> {
    ws.write_string_with_format(*row, 0, "Figure", bold)
        .map_err(xlsx_err)?;
    for (j, g) in c.groups.iter().enumerate() {
        let col = u16::try_from(1 + 2 * j).unwrap_or(u16::MAX);
        ws.write_string_with_format(*row, col, &g.label, bold)
            .map_err(xlsx_err)?;
        ws.write_string_with_format(*row, col + 1, format!("n ({})", g.key), bold)
            .map_err(xlsx_err)?;
    }
    *row += 1;
    for f in figures {
        ws.write_string(*row, 0, &f.label).map_err(xlsx_err)?;
        for (j, (v, n)) in f.values.iter().zip(&f.n).enumerate() {
            let col = u16::try_from(1 + 2 * j).unwrap_or(u16::MAX);
            match (v, f.unit) {
                (None, _) => {}
                (Some(v), FigureUnit::Share) => {
                    ws.write_number_with_format(*row, col, *v, pct)
                        .map_err(xlsx_err)?;
                }
                (Some(v), FigureUnit::Count) => {
                    ws.write_number(*row, col, *v).map_err(xlsx_err)?;
                }
                (Some(v), _) => {
                    ws.write_number_with_format(*row, col, *v, dec)
                        .map_err(xlsx_err)?;
                }
            }
            ws.write_number(*row, col + 1, f64::from(*n))
                .map_err(xlsx_err)?;
        }
        *row += 1;
    }
    Ok(())
}

/// The workbook: "About" (metadata), "Key figures", then a sheet per section of the
/// template with its aggregated questions and its free-text answers listed per centre.
pub fn xlsx(c: &Comparison) -> Result<Vec<u8>> {
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(13);
    let pct = Format::new().set_num_format("0%");
    let dec = Format::new().set_num_format("0.0");
    let wrap = Format::new().set_text_wrap();
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name("About").map_err(xlsx_err)?;
        ws.set_column_width(0, 22).map_err(xlsx_err)?;
        ws.set_column_width(1, 90).map_err(xlsx_err)?;
        let versions: Vec<String> = c.versions_used.iter().map(u32::to_string).collect();
        let groups: Vec<String> = c
            .groups
            .iter()
            .map(|g| format!("{} — {} ({} analyses)", g.key, g.label, g.analyses))
            .collect();
        let rows = [
            ("Report", "Comparative case analysis (joint template)".to_owned()),
            ("Year", c.year.to_string()),
            (
                "Template",
                format!("{} — {} (questions of version {})", c.template_id, c.template_title, c.template_version),
            ),
            ("Versions used", versions.join(", ")),
            (
                "Columns",
                match c.group_by {
                    GroupBy::Centre => "centres",
                    GroupBy::Country => "countries",
                }
                .to_owned(),
            ),
            ("Groups", groups.join("; ")),
            ("Language", c.language.clone()),
            ("Generated", c.generated_at.clone()),
            (
                "Source",
                "completed analyses of closed cases whose clients consented to non-identifiable use; facts computed by each centre's Atrama when the analysis was completed; day counts arrive month-level (days from the first day of one month to the first day of another), so that no day can be recovered, and free-text answers stay at the centres".to_owned(),
            ),
            (
                "Note",
                "a working document for the partner centres, not a published statistic: counts are not suppressed; free-text answers are the counsellors' own analysis, screened for direct identifiers".to_owned(),
            ),
        ];
        for (i, (k, v)) in rows.iter().enumerate() {
            let r = u32::try_from(i).unwrap_or(u32::MAX);
            ws.write_string_with_format(r, 0, *k, &bold)
                .map_err(xlsx_err)?;
            ws.write_string(r, 1, v).map_err(xlsx_err)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Key figures").map_err(xlsx_err)?;
        ws.set_column_width(0, 60).map_err(xlsx_err)?;
        ws.write_string_with_format(0, 0, "Key figures (from the facts of each case)", &title)
            .map_err(xlsx_err)?;
        let mut row = 2;
        write_figures(ws, &mut row, c, &c.key_figures, &bold, &pct, &dec)?;
    }
    for (i, s) in c.sections.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(i, &s.title)).map_err(xlsx_err)?;
        ws.set_column_width(0, 60).map_err(xlsx_err)?;
        ws.write_string_with_format(0, 0, &s.title, &title)
            .map_err(xlsx_err)?;
        let mut row = 2;
        if !s.figures.is_empty() {
            write_figures(ws, &mut row, c, &s.figures, &bold, &pct, &dec)?;
            row += 1;
        }
        for t in &s.texts {
            ws.write_string_with_format(row, 0, &t.text, &bold)
                .map_err(xlsx_err)?;
            row += 1;
            ws.set_column_width(2, 90).map_err(xlsx_err)?;
            for (g, answers) in c.groups.iter().zip(&t.answers) {
                for (centre, text) in answers {
                    ws.write_string(row, 0, &g.label).map_err(xlsx_err)?;
                    ws.write_string(row, 1, centre).map_err(xlsx_err)?;
                    ws.write_string_with_format(row, 2, text, &wrap)
                        .map_err(xlsx_err)?;
                    row += 1;
                }
            }
            row += 1;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0]), Some(5.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0]), Some(4.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0, 2.0]), Some(3.0));
    }

    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(sheet_name(0, "What happened?"), "1 What happened");
        assert!(sheet_name(9, &"x".repeat(80)).chars().count() <= 31);
    }
}
