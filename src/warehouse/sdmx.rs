//! SDMX-CSV 1.0: the first column `DATAFLOW` (`ATRAMA:GBV_T1_T10(1.0)`), then the
//! dimensions `FREQ` (`M`, `A`), `CENTRE`, `TABLE`, `CATEGORY` and `TIME_PERIOD`, then
//! `OBS_VALUE`, then the attributes `UNIT_MEASURE` (`COUNT`, `MINUTES`) and `CONF_STATUS`,
//! which says the variant on every line: `N` (not for publication) on every exact figure;
//! `F` (free) on a published figure shown, `C` on a small count hidden and `D` on a figure
//! hidden by secondary suppression — hidden figures have an empty `OBS_VALUE`. Atrama's own
//! codes are the code lists; no mapping is needed.

use super::mapping::TOTAL;
use super::{Dataset, Period, Variant, Written};
use crate::stats::{Suppressed, Unit};

/// The dataflow: agency, id, version.
pub const DATAFLOW: &str = "ATRAMA:GBV_T1_T10(1.0)";

/// The header line.
pub const HEADER: [&str; 10] = [
    "DATAFLOW",
    "FREQ",
    "CENTRE",
    "TABLE",
    "CATEGORY",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "CONF_STATUS",
    "COMMENT",
];

/// The SDMX-CSV file (every observation; hidden ones flagged, without a value).
pub fn write(data: &Dataset) -> Written {
    let mut out = String::new();
    crate::csv::push_line(&mut out, &HEADER);
    let statement = match data.variant {
        Variant::Exact => format!("{} (CONF_STATUS N).", data.statement()),
        Variant::Published => format!(
            "{}; a hidden figure has no OBS_VALUE and CONF_STATUS C (small count) or D (secondary suppression).",
            data.statement()
        ),
    };
    let mut values = 0;
    for (i, o) in data.observations.iter().enumerate() {
        let freq = match o.period {
            Period::Month(_) => "M",
            Period::Year(_) => "A",
        };
        let unit = match o.unit {
            Unit::Count => "COUNT",
            Unit::Minutes => "MINUTES",
        };
        let conf = match (data.variant, o.suppressed) {
            (Variant::Exact, _) => "N",
            (Variant::Published, None) => "F",
            (Variant::Published, Some(Suppressed::Primary)) => "C",
            (Variant::Published, Some(Suppressed::Secondary)) => "D",
        };
        let value = o.value.map(|v| v.to_string()).unwrap_or_default();
        if o.value.is_some() {
            values += 1;
        }
        let category = if o.column == TOTAL { "_T" } else { &o.column };
        // The variant in words once, on the first line (an observation-level comment).
        let comment = if i == 0 { statement.as_str() } else { "" };
        crate::csv::push_line(
            &mut out,
            &[
                DATAFLOW,
                freq,
                &o.centre,
                &o.table,
                category,
                &o.period.sdmx(),
                &value,
                unit,
                conf,
                comment,
            ],
        );
    }
    Written {
        bytes: out.into_bytes(),
        values,
        skipped: 0,
    }
}
