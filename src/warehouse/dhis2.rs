//! DHIS2 `dataValueSets` files, as DHIS2's Web API imports them (`POST
//! /api/dataValueSets`, JSON or CSV): one data value per mapped cell, centre and period,
//! with the period in DHIS2's ISO form (`202401`, `2024`). The variant is said in every data
//! value's `comment`; the published variant omits hidden figures (a value without a figure
//! could delete one already in DHIS2), and the comment says so.

use serde::Serialize;

use super::mapping::{Mapping, Resolved, Target};
use super::{Dataset, Observation, Written};
use crate::error::{Error, Result};

/// The CSV columns, in DHIS2's order.
pub const CSV_HEADER: [&str; 10] = [
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
];

/// One value to send.
struct Value<'a> {
    target: &'a Target,
    period: String,
    org_unit: &'a str,
    value: i64,
    comment: String,
}

/// The values to send, in the dataset's order, and how many cells were skipped.
fn values<'a>(data: &Dataset, resolved: &'a Resolved) -> (Vec<Value<'a>>, usize) {
    let statement = match data.variant {
        super::Variant::Exact => format!("{}.", data.statement()),
        super::Variant::Published => format!("{}; hidden figures are omitted.", data.statement()),
    };
    let mut out = Vec::new();
    let mut skipped = 0;
    for o in &data.observations {
        let Observation {
            table,
            column,
            centre,
            ..
        } = o;
        let Some(target) = resolved.cells.get(&(table.clone(), column.clone())) else {
            continue;
        };
        let Some(target) = target else {
            skipped += 1;
            continue;
        };
        let (Some(value), Some(org_unit)) = (o.value, resolved.org_units.get(centre)) else {
            continue;
        };
        out.push(Value {
            target,
            period: o.period.dhis2(),
            org_unit,
            value,
            comment: format!("{table} {column}. {statement}"),
        });
    }
    (out, skipped)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSet<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    data_set: &'a str,
    data_values: Vec<JsonValue<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonValue<'a> {
    data_element: &'a str,
    period: String,
    org_unit: &'a str,
    category_option_combo: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    attribute_option_combo: &'a str,
    value: String,
    comment: String,
}

/// `dataValueSets` JSON: `{"dataSet", "dataValues": [{dataElement, period, orgUnit,
/// categoryOptionCombo, attributeOptionCombo, value, comment}]}`.
pub fn write_json(data: &Dataset, mapping: &Mapping, resolved: &Resolved) -> Result<Written> {
    let (values, skipped) = values(data, resolved);
    let set = JsonSet {
        data_set: &mapping.data_set,
        data_values: values
            .iter()
            .map(|v| JsonValue {
                data_element: &v.target.data_element,
                period: v.period.clone(),
                org_unit: v.org_unit,
                category_option_combo: &v.target.category_option_combo,
                attribute_option_combo: &v.target.attribute_option_combo,
                value: v.value.to_string(),
                comment: v.comment.clone(),
            })
            .collect(),
    };
    let mut bytes =
        serde_json::to_vec_pretty(&set).map_err(|e| Error::invalid(format!("internal: {e}")))?;
    bytes.push(b'\n');
    Ok(Written {
        bytes,
        values: values.len(),
        skipped,
    })
}

/// `dataValueSets` CSV: a header line, then one line per value in DHIS2's column order.
pub fn write_csv(data: &Dataset, resolved: &Resolved) -> Written {
    let (values, skipped) = values(data, resolved);
    let mut out = String::new();
    crate::csv::push_line(&mut out, &CSV_HEADER);
    for v in &values {
        crate::csv::push_line(
            &mut out,
            &[
                v.target.data_element.as_str(),
                &v.period,
                v.org_unit,
                &v.target.category_option_combo,
                &v.target.attribute_option_combo,
                &v.value.to_string(),
                "atrama",
                &data.exported_at,
                &v.comment,
                "false",
            ],
        );
    }
    Written {
        bytes: out.into_bytes(),
        values: values.len(),
        skipped,
    }
}
