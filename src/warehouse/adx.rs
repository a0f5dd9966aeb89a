//! IHE ADX (Aggregate Data Exchange, `urn:ihe:qrph:adx:2015`): one `<group>` per centre,
//! period (`2024-01-01/P1M`, `2024-01-01/P1Y`) and attribute option combo, with the data set
//! when the mapping names one, holding a `<dataValue>` per mapped cell with its data element
//! and its disaggregation as the `categoryOptionCombo` attribute (DHIS2 reads UIDs with
//! `idScheme=UID`). The variant is said in an XML comment at the top; hidden figures of the
//! published variant are omitted. Every file validates against `assets/schemas/adx.xsd`.

use std::collections::BTreeMap;

use super::mapping::{Mapping, Resolved};
use super::{Dataset, Period, Written};
use crate::error::{Error, Result};

/// The ADX namespace.
pub const NAMESPACE: &str = "urn:ihe:qrph:adx:2015";

/// Text made safe inside an attribute value.
fn attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text made safe inside a comment (no `--`, no trailing `-`).
fn comment(text: &str) -> String {
    let mut out = text
        .replace("--", "- -")
        .replace(|c: char| c.is_control(), " ");
    while out.contains("--") {
        out = out.replace("--", "- -");
    }
    if out.ends_with('-') {
        out.push(' ');
    }
    out
}

/// The ADX document.
pub fn write(data: &Dataset, mapping: &Mapping, resolved: &Resolved) -> Result<Written> {
    // (period, centre, attribute option combo) → (data element, catoptcombo, value)
    type Key<'a> = (Period, &'a str, &'a str);
    let mut groups: BTreeMap<Key, Vec<(&str, &str, i64)>> = BTreeMap::new();
    let mut order: Vec<Key> = Vec::new();
    let mut skipped = 0;
    let mut values = 0;
    for o in &data.observations {
        let Some(target) = resolved.cells.get(&(o.table.clone(), o.column.clone())) else {
            continue;
        };
        let Some(target) = target else {
            skipped += 1;
            continue;
        };
        let (Some(value), Some(org_unit)) = (o.value, resolved.org_units.get(&o.centre)) else {
            continue;
        };
        let key = (
            o.period,
            org_unit.as_str(),
            target.attribute_option_combo.as_str(),
        );
        let entry = groups.entry(key).or_insert_with(|| {
            order.push(key);
            Vec::new()
        });
        entry.push((&target.data_element, &target.category_option_combo, value));
        values += 1;
    }
    if values == 0 {
        return Err(Error::invalid(
            "nothing to write: no figure of this period is mapped and shown; choose another period or variant",
        ));
    }
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<!-- {}{} Made by {}, code lists {}. -->\n",
        comment(&data.statement()),
        match data.variant {
            super::Variant::Exact => ".",
            super::Variant::Published => "; hidden figures are omitted.",
        },
        comment(&data.made_by),
        comment(&data.code_lists_version)
    ));
    out.push_str(&format!(
        "<adx xmlns=\"{NAMESPACE}\" exported=\"{}\">\n",
        attr(&data.exported_at)
    ));
    for key in &order {
        let (period, org_unit, aoc) = key;
        out.push_str(&format!(
            "  <group orgUnit=\"{}\" period=\"{}\"",
            attr(org_unit),
            period.adx()
        ));
        if !mapping.data_set.is_empty() {
            out.push_str(&format!(" dataSet=\"{}\"", attr(&mapping.data_set)));
        }
        if !aoc.is_empty() {
            out.push_str(&format!(" attributeOptionCombo=\"{}\"", attr(aoc)));
        }
        out.push_str(">\n");
        for (de, coc, value) in &groups[key] {
            out.push_str(&format!(
                "    <dataValue dataElement=\"{}\" categoryOptionCombo=\"{}\" value=\"{value}\"/>\n",
                attr(de),
                attr(coc)
            ));
        }
        out.push_str("  </group>\n");
    }
    out.push_str("</adx>\n");
    Ok(Written {
        bytes: out.into_bytes(),
        values,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_and_attributes_cannot_break_out() {
        let c = super::comment("a -- b --- c -");
        assert!(!c.contains("--") && !c.ends_with('-'), "{c}");
        assert_eq!(super::attr("a\"<&'>"), "a&quot;&lt;&amp;&apos;&gt;");
    }
}
