//! The columns of each part of T1–T10: how a part is laid out (`DEFS`) and its columns
//! derived from the code lists, their crosswalks and the instrument packs.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::super::{StatsColumn, Unit};
use crate::centre::Language;
use crate::codes::CodeLists;
use crate::error::Result;
use crate::risk::pack::{self, InstrumentPack};

/// How a part is laid out.
pub(super) struct PartDef {
    pub(super) id: &'static str,
    pub(super) number: u8,
    pub(super) title: &'static str,
    pub(super) note: &'static str,
    pub(super) unit: Unit,
    pub(super) row_totals: bool,
    /// A stock (caseload): column totals only when every row is one month.
    pub(super) stock: bool,
}

pub(super) const DEFS: &[PartDef] = &[
    PartDef {
        id: "T1",
        number: 1,
        title: "New clients by sex and age band",
        note: "Cases opened in the month, by the client's sex and age band.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T2a",
        number: 2,
        title: "Incidents by form of violence",
        note: "Incidents of the cases opened in the month; an incident counts once under each of its forms (multi-count), so there is no row total.",
        unit: Unit::Count,
        row_totals: false,
        stock: false,
    },
    PartDef {
        id: "T2b",
        number: 2,
        title: "Incidents by GBVIMS primary type",
        note: "Incidents of the cases opened in the month, each once, by the first GBVIMS type its forms reach in the GBVIMS decision tree (code-list crosswalk).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T3",
        number: 3,
        title: "Perpetrators by relationship to the client",
        note: "Each perpetrator of each incident of the cases opened in the month, by detailed relationship, with EIGE categories (IPV, family, other, unknown) as subtotals (code-list crosswalk).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T4",
        number: 4,
        title: "Children affected",
        note: "Children of the cases opened in the month who witnessed violence and who were directly harmed; a child may be both, so there is no row total.",
        unit: Unit::Count,
        row_totals: false,
        stock: false,
    },
    PartDef {
        id: "T5a",
        number: 5,
        title: "New cases by referral source",
        note: "Cases opened in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T5b",
        number: 5,
        title: "New cases by intake outcome",
        note: "Cases opened in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T5c",
        number: 5,
        title: "New cases by new or returning client",
        note: "Cases opened in the month: of a client new to the centre, or of a returning client (one who had a case there opened in an earlier month, or earlier in the same month).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T6a",
        number: 6,
        title: "Service contacts by discipline",
        note: "Service contacts in the month (current versions).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T6b",
        number: 6,
        title: "Hours of service by discipline",
        note: "Minutes of the service contacts in the month, shown as hours; suppressed wherever the number of contacts is.",
        unit: Unit::Minutes,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T7a",
        number: 7,
        title: "Outgoing referrals by agency",
        note: "Referrals made in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T7b",
        number: 7,
        title: "Outgoing referrals by status",
        note: "Referrals made in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T8",
        number: 8,
        title: "Risk assessments by instrument and band",
        note: "Assessments made in the month, by instrument and final band (after professional judgement).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T9",
        number: 9,
        title: "Protection orders by issuer and outcome",
        note: "Orders by the month of their decision (else application).",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T10a",
        number: 10,
        title: "Closures by reason",
        note: "Cases closed in the month.",
        unit: Unit::Count,
        row_totals: true,
        stock: false,
    },
    PartDef {
        id: "T10b",
        number: 10,
        title: "Caseload at the start and end of the month",
        note: "Open cases at the start of the first month and at the end of the last month of each row; no totals over months.",
        unit: Unit::Count,
        row_totals: false,
        stock: true,
    },
];

/// The definition of a part.
pub(super) fn def(id: &str) -> Option<&'static PartDef> {
    DEFS.iter().find(|d| d.id == id)
}

pub(super) fn plain(code: &str, label: String, known: bool) -> StatsColumn {
    StatsColumn {
        code: code.to_owned(),
        label,
        group: None,
        group_code: None,
        known,
        subtotal: false,
    }
}

/// The columns of a list, in list order.
pub(super) fn list_columns(codes: &CodeLists, list: &str, lang: Language) -> Vec<StatsColumn> {
    codes
        .options(list, lang, None)
        .into_iter()
        .map(|o| plain(&o.code, o.label, true))
        .collect()
}

/// Columns of two lists crossed: `a|b`, grouped by `a`.
pub(super) fn crossed(codes: &CodeLists, a: &str, b: &str, lang: Language) -> Vec<StatsColumn> {
    let mut out = Vec::new();
    for x in codes.options(a, lang, None) {
        for y in codes.options(b, lang, None) {
            out.push(StatsColumn {
                code: format!("{}|{}", x.code, y.code),
                label: y.label.clone(),
                group: Some(x.label.clone()),
                group_code: Some(x.code.clone()),
                known: true,
                subtotal: false,
            });
        }
    }
    out
}

/// The instrument packs this store knows, newest version of each id first in its bands.
pub(super) fn packs(
    conn: &Connection,
    codes: &CodeLists,
) -> Result<BTreeMap<String, Vec<InstrumentPack>>> {
    let mut by_id: BTreeMap<String, Vec<InstrumentPack>> = BTreeMap::new();
    let bodies: Vec<String> = conn
        .prepare_cached("SELECT body FROM instrument_pack")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for body in bodies {
        if let Ok(p) = InstrumentPack::parse(&body, codes) {
            by_id.entry(p.id.clone()).or_default().push(p);
        }
    }
    for p in pack::builtin_packs(codes)? {
        let list = by_id.entry(p.id.clone()).or_default();
        if !list.iter().any(|q| q.version == p.version) {
            list.push(p);
        }
    }
    for list in by_id.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.version));
    }
    Ok(by_id)
}

pub(super) fn t8_columns(
    packs: &BTreeMap<String, Vec<InstrumentPack>>,
    lang: Language,
) -> Vec<StatsColumn> {
    let mut out: Vec<StatsColumn> = Vec::new();
    for (id, versions) in packs {
        let Some(newest) = versions.first() else {
            continue;
        };
        let title = newest.text(&newest.title, lang.code()).to_owned();
        for v in versions {
            for b in &v.bands {
                let code = format!("{id}|{}", b.id);
                if out.iter().any(|c| c.code == code) {
                    continue;
                }
                out.push(StatsColumn {
                    code,
                    label: v.text(&b.label, lang.code()).to_owned(),
                    group: Some(title.clone()),
                    group_code: Some(id.clone()),
                    known: true,
                    subtotal: false,
                });
            }
        }
    }
    out
}

/// T3: detailed relationships grouped by EIGE category, each group followed by its
/// subtotal.
pub(super) fn t3_columns(codes: &CodeLists, lang: Language) -> Vec<StatsColumn> {
    let mut out = Vec::new();
    for cat in codes.options("eige_category", lang, None) {
        let members: Vec<StatsColumn> = codes
            .options("relationship", lang, None)
            .into_iter()
            .filter(|r| codes.eige_category(&r.code) == Some(cat.code.as_str()))
            .map(|r| StatsColumn {
                code: r.code,
                label: r.label,
                group: Some(cat.label.clone()),
                group_code: Some(cat.code.clone()),
                known: true,
                subtotal: false,
            })
            .collect();
        let n = members.len();
        out.extend(members);
        if n > 1 {
            out.push(StatsColumn {
                code: format!("eige:{}", cat.code),
                label: cat.label.clone(),
                group: Some(cat.label.clone()),
                group_code: Some(cat.code.clone()),
                known: true,
                subtotal: true,
            });
        }
    }
    out
}

/// A fixed column, labelled from the catalogues (`report.column.<code>`) in `lang`.
pub(super) fn fixed(code: &str, lang: Language) -> StatsColumn {
    plain(
        code,
        super::super::words::text(lang, &format!("report.column.{code}")),
        true,
    )
}

/// The columns of a part, before codes found only in the data are added.
pub(super) fn base_columns(
    id: &str,
    codes: &CodeLists,
    lang: Language,
    packs: &BTreeMap<String, Vec<InstrumentPack>>,
) -> Vec<StatsColumn> {
    match id {
        "T1" => crossed(codes, "sex", "age_band", lang),
        "T2a" => list_columns(codes, "violence_form", lang),
        "T2b" => list_columns(codes, "gbvims_type", lang),
        "T3" => t3_columns(codes, lang),
        "T4" => vec![fixed("witnessed", lang), fixed("directly_harmed", lang)],
        "T5a" => list_columns(codes, "referral_source", lang),
        "T5b" => list_columns(codes, "intake_outcome", lang),
        "T5c" => vec![fixed("new", lang), fixed("returning", lang)],
        "T6a" | "T6b" => list_columns(codes, "service_discipline", lang),
        "T7a" => list_columns(codes, "referral_agency", lang),
        "T7b" => list_columns(codes, "referral_status", lang),
        "T8" => t8_columns(packs, lang),
        "T9" => crossed(
            codes,
            "protection_order_issuer",
            "protection_order_status",
            lang,
        ),
        "T10a" => list_columns(codes, "closure_reason", lang),
        "T10b" => vec![fixed("open_at_start", lang), fixed("open_at_end", lang)],
        _ => Vec::new(),
    }
}

/// Places a code that is not in the lists: after its group's columns when it has a known
/// group (T3 by the EIGE crosswalk; `a|b` codes by `a`), else at the end; flagged unknown.
pub(super) fn add_unknown(columns: &mut Vec<StatsColumn>, id: &str, code: &str, codes: &CodeLists) {
    let (group_code, label) = match id {
        "T3" => (
            Some(codes.eige_category(code).unwrap_or("unknown").to_owned()),
            code.to_owned(),
        ),
        _ => match code.split_once('|') {
            Some((a, b)) => (Some(a.to_owned()), b.to_owned()),
            None => (None, code.to_owned()),
        },
    };
    let group = group_code.as_ref().and_then(|g| {
        columns
            .iter()
            .find(|c| c.group_code.as_deref() == Some(g))
            .and_then(|c| c.group.clone())
            .or_else(|| Some(g.clone()))
    });
    let col = StatsColumn {
        code: code.to_owned(),
        label,
        group,
        group_code: group_code.clone(),
        known: false,
        subtotal: false,
    };
    let at = group_code.as_ref().and_then(|g| {
        columns
            .iter()
            .rposition(|c| c.group_code.as_deref() == Some(g) && !c.subtotal)
            .map(|p| p + 1)
    });
    match at {
        Some(p) => columns.insert(p, col),
        None => columns.push(col),
    }
}

/// The sum of ordinary columns of each subtotal's group.
pub(crate) fn subtotal_members(columns: &[StatsColumn]) -> Vec<Option<Vec<usize>>> {
    columns
        .iter()
        .map(|c| {
            c.subtotal.then(|| {
                columns
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| !o.subtotal && o.group_code == c.group_code)
                    .map(|(j, _)| j)
                    .collect()
            })
        })
        .collect()
}
