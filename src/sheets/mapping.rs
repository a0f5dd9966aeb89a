//! Column and value mapping: which column holds which Atrama field, which sheet word means
//! which code, with suggestions from header names and code labels in the five languages;
//! dates in the formats centres type; and one sheet row turned into the records it makes.
//!
//! Every comparison of a header or a value goes through [`crate::cases::fold::plain`]
//! (lower case, no diacritics, Cyrillic in Latin letters) with punctuation as spaces, so
//! "Smurto forma ", "SMURTO FORMA" and "smurto_forma" are one header, "Физическое" and
//! "fizicheskoe" one value.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Language;
use crate::cases::fold;
use crate::cases::{CaseFields, ChildFields, ClientFields, IncidentFields, PerpetratorLink, Tri};
use crate::codes::CodeLists;
use crate::error::{Error, Result};

/// An Atrama field a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The sheet's own client number: rows with the same one are one client.
    ClientKey,
    /// The sheet's own case number: rows with the same one are one case.
    CaseKey,
    /// Given and family name in one cell (the last word is taken as the family name).
    FullName,
    /// Given name.
    GivenName,
    /// Family name.
    FamilyName,
    /// Phone number.
    Phone,
    /// Year of birth.
    BirthYear,
    /// Date of birth (only its year is kept).
    BirthDate,
    /// Client's sex (code list `sex`).
    Sex,
    /// Municipality.
    Municipality,
    /// The date the case was opened.
    OpenedOn,
    /// Referral source (code list `referral_source`).
    ReferralSource,
    /// The incident's date.
    IncidentDate,
    /// Forms of violence, several in a cell separated by `,` `;` `/` `+` (`violence_form`).
    ViolenceForms,
    /// Where the incident took place (`place_type`).
    PlaceType,
    /// The perpetrator's relationship to the client (`relationship`).
    PerpetratorRelationship,
    /// The perpetrator's sex (`sex`).
    PerpetratorSex,
    /// How many children are affected (each recorded with sex and age unknown beyond
    /// "under 18").
    ChildrenCount,
}

impl Field {
    /// Every field, in the order the mapping screen lists them.
    pub const ALL: [Field; 18] = [
        Field::ClientKey,
        Field::CaseKey,
        Field::FullName,
        Field::GivenName,
        Field::FamilyName,
        Field::Phone,
        Field::BirthYear,
        Field::BirthDate,
        Field::Sex,
        Field::Municipality,
        Field::OpenedOn,
        Field::ReferralSource,
        Field::IncidentDate,
        Field::ViolenceForms,
        Field::PlaceType,
        Field::PerpetratorRelationship,
        Field::PerpetratorSex,
        Field::ChildrenCount,
    ];

    /// The code list a field's values come from, if any.
    pub fn code_list(self) -> Option<&'static str> {
        Some(match self {
            Field::Sex | Field::PerpetratorSex => "sex",
            Field::ReferralSource => "referral_source",
            Field::ViolenceForms => "violence_form",
            Field::PlaceType => "place_type",
            Field::PerpetratorRelationship => "relationship",
            _ => return None,
        })
    }

    /// The field's name in mappings (`snake_case`).
    pub fn name(self) -> &'static str {
        match self {
            Field::ClientKey => "client_key",
            Field::CaseKey => "case_key",
            Field::FullName => "full_name",
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::Phone => "phone",
            Field::BirthYear => "birth_year",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::Municipality => "municipality",
            Field::OpenedOn => "opened_on",
            Field::ReferralSource => "referral_source",
            Field::IncidentDate => "incident_date",
            Field::ViolenceForms => "violence_forms",
            Field::PlaceType => "place_type",
            Field::PerpetratorRelationship => "perpetrator_relationship",
            Field::PerpetratorSex => "perpetrator_sex",
            Field::ChildrenCount => "children_count",
        }
    }

    /// Header names centres use for the field, in en, lt, lv, ru and az (compared folded).
    fn header_names(self) -> &'static [&'static str] {
        match self {
            Field::ClientKey => &[
                "client id",
                "client no",
                "client number",
                "kliento nr",
                "kliento id",
                "kliento numeris",
                "klienta nr",
                "klienta id",
                "номер клиента",
                "код клиента",
                "müştəri nömrəsi",
                "müştəri no",
                "müştəri id",
            ],
            Field::CaseKey => &[
                "case id",
                "case no",
                "case number",
                "bylos nr",
                "bylos numeris",
                "lietas nr",
                "lietas numurs",
                "номер дела",
                "дело",
                "işin nömrəsi",
                "iş no",
                "iş nömrəsi",
            ],
            Field::FullName => &[
                "name",
                "full name",
                "client name",
                "client",
                "vardas pavardė",
                "klientas",
                "vārds uzvārds",
                "klients",
                "фио",
                "имя фамилия",
                "клиент",
                "ad soyad",
                "adı soyadı",
                "müştəri",
            ],
            Field::GivenName => &[
                "given name",
                "first name",
                "vardas",
                "vārds",
                "имя",
                "ad",
                "adı",
            ],
            Field::FamilyName => &[
                "family name",
                "surname",
                "last name",
                "pavardė",
                "uzvārds",
                "фамилия",
                "soyad",
                "soyadı",
            ],
            Field::Phone => &[
                "phone",
                "telephone",
                "tel",
                "mobile",
                "telefonas",
                "tel nr",
                "tālrunis",
                "telefons",
                "телефон",
                "телефон клиента",
                "telefon",
                "telefon nömrəsi",
            ],
            Field::BirthYear => &[
                "birth year",
                "year of birth",
                "gimimo metai",
                "dzimšanas gads",
                "год рождения",
                "doğum ili",
            ],
            Field::BirthDate => &[
                "date of birth",
                "birth date",
                "dob",
                "gimimo data",
                "dzimšanas datums",
                "дата рождения",
                "doğum tarixi",
            ],
            Field::Sex => &["sex", "gender", "lytis", "dzimums", "пол", "cins", "cinsi"],
            Field::Municipality => &[
                "municipality",
                "district",
                "savivaldybė",
                "pašvaldība",
                "novads",
                "район",
                "муниципалитет",
                "rayon",
                "bələdiyyə",
            ],
            Field::OpenedOn => &[
                "opened",
                "opened on",
                "date opened",
                "intake date",
                "registration date",
                "date of contact",
                "kreipimosi data",
                "registravimo data",
                "bylos pradžia",
                "reģistrācijas datums",
                "vēršanās datums",
                "дата обращения",
                "дата регистрации",
                "müraciət tarixi",
                "qeydiyyat tarixi",
            ],
            Field::ReferralSource => &[
                "referral source",
                "referred by",
                "source",
                "kreipimosi šaltinis",
                "šaltinis",
                "kas nukreipė",
                "nosūtītājs",
                "avots",
                "vēršanās avots",
                "источник",
                "кто направил",
                "источник обращения",
                "müraciət mənbəyi",
                "mənbə",
            ],
            Field::IncidentDate => &[
                "incident date",
                "date of incident",
                "įvykio data",
                "smurto data",
                "incidenta datums",
                "notikuma datums",
                "дата инцидента",
                "дата происшествия",
                "hadisə tarixi",
                "insident tarixi",
            ],
            Field::ViolenceForms => &[
                "violence form",
                "violence forms",
                "form of violence",
                "type of violence",
                "violence type",
                "smurto forma",
                "smurto formos",
                "smurto rūšis",
                "vardarbības veids",
                "vardarbības forma",
                "форма насилия",
                "вид насилия",
                "формы насилия",
                "zorakılıq forması",
                "zorakılığın növü",
            ],
            Field::PlaceType => &[
                "place",
                "location",
                "place of incident",
                "įvykio vieta",
                "vieta",
                "notikuma vieta",
                "место",
                "место происшествия",
                "hadisə yeri",
                "yer",
            ],
            Field::PerpetratorRelationship => &[
                "relationship",
                "relationship to perpetrator",
                "perpetrator relationship",
                "ryšys su smurtautoju",
                "smurtautojas",
                "santykis",
                "saistība ar varmāku",
                "varmāka",
                "attiecības",
                "кем приходится",
                "связь с агрессором",
                "агрессор",
                "отношение",
                "zorakı ilə münasibət",
                "münasibət",
                "zorakılıq törədən",
            ],
            Field::PerpetratorSex => &[
                "perpetrator sex",
                "perpetrator gender",
                "smurtautojo lytis",
                "varmākas dzimums",
                "пол агрессора",
                "пол обидчика",
                "zorakının cinsi",
            ],
            Field::ChildrenCount => &[
                "children",
                "number of children",
                "vaikai",
                "vaikų skaičius",
                "bērni",
                "bērnu skaits",
                "дети",
                "количество детей",
                "uşaqlar",
                "uşaq sayı",
            ],
        }
    }
}

/// What a sheet value stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "action", content = "code", rename_all = "snake_case")]
pub enum ValueChoice {
    /// This code of the field's list.
    Code(String),
    /// The list's "unknown" (or, for lists without one, "other").
    Unknown,
}

/// One column's field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ColumnMapping {
    /// The column's header as the sheet has it.
    pub column: String,
    /// The field it holds.
    pub field: Field,
}

/// Codes used when a row leaves a required field empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Defaults {
    /// Client's sex when the sheet does not say.
    pub sex: String,
    /// Referral source when the sheet does not say.
    pub referral_source: String,
    /// Intake outcome of every imported case.
    pub intake_outcome: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            sex: "unknown".into(),
            referral_source: "other".into(),
            intake_outcome: "accepted".into(),
        }
    }
}

/// A mapping: which column is which field and which value is which code. It holds header
/// names and code-list words, never case data, so it can be saved and shared as a file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Mapping {
    /// A name to find it again ("Monthly register, Vilnius").
    pub name: String,
    /// Mapped columns; columns not listed are not imported.
    pub columns: Vec<ColumnMapping>,
    /// Per code list, per sheet value (folded), its code.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, ValueChoice>>,
    /// Codes for required fields the sheet leaves empty.
    #[serde(default)]
    pub defaults: Defaults,
}

/// A header or value folded for comparison: [`fold::plain`], punctuation as single spaces.
pub fn fold_key(text: &str) -> String {
    let plain = fold::plain(text.trim());
    let mut out = String::with_capacity(plain.len());
    for word in plain.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The suggested field of each header (`None`: no suggestion). A field is suggested for
/// one column only: the exact name first, else the longest known name found in the header.
pub fn suggest_columns(headers: &[String]) -> Vec<Option<Field>> {
    let folded: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
    let mut out: Vec<Option<Field>> = vec![None; headers.len()];
    let mut taken: Vec<Field> = Vec::new();
    // Exact names first, then containment scored by the length of the name found.
    for exact in [true, false] {
        let mut candidates: Vec<(usize, usize, Field)> = Vec::new();
        for (i, h) in folded.iter().enumerate() {
            if h.is_empty() || out[i].is_some() {
                continue;
            }
            for field in Field::ALL {
                for name in field.header_names() {
                    let name = fold_key(name);
                    let hit = if exact {
                        *h == name
                    } else {
                        format!(" {h} ").contains(&format!(" {name} "))
                    };
                    if hit {
                        candidates.push((name.len(), i, field));
                    }
                }
            }
        }
        // An exact name: the first column wins; a name found inside a header: the longest.
        if exact {
            candidates.sort_by_key(|c| c.1);
        } else {
            candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        for (_, i, field) in candidates {
            if out[i].is_none() && !taken.contains(&field) {
                out[i] = Some(field);
                taken.push(field);
            }
        }
    }
    out
}

/// Extra words centres use for codes, beyond the codes' labels.
fn extra_words(list: &str) -> &'static [(&'static str, &'static str)] {
    match list {
        "violence_form" => &[
            ("physical", "physical violence"),
            ("physical", "fizinis smurtas"),
            ("physical", "физическое насилие"),
            ("physical", "fiziskā"),
            ("psychological", "emotional"),
            ("psychological", "psichologinis smurtas"),
            ("psychological", "emocinis"),
            ("psychological", "психологическое насилие"),
            ("psychological", "emocionālā"),
            ("psychological", "psixoloji zorakılıq"),
            ("economic", "financial"),
            ("economic", "ekonominis smurtas"),
            ("economic", "экономическое насилие"),
            ("sexual_other", "sexual"),
            ("sexual_other", "seksualinis"),
            ("sexual_other", "seksuāla"),
            ("sexual_other", "сексуальное"),
            ("sexual_other", "cinsi"),
            ("threats", "threat"),
            ("stalking", "persekiojimas"),
            ("stalking", "vajāšana"),
            ("stalking", "преследование"),
        ],
        "sex" => &[
            ("female", "f"),
            ("female", "woman"),
            ("female", "женщина"),
            ("female", "ж"),
            ("female", "moteriška"),
            ("male", "man"),
            ("male", "мужчина"),
            ("male", "vyriška"),
            ("male", "kişi"),
        ],
        "referral_source" => &[
            ("police", "policija"),
            ("police", "policija"),
            ("police", "полиция"),
            ("police", "polis"),
            ("self", "pati"),
            ("self", "pats"),
            ("self", "сама"),
            ("self", "özü"),
        ],
        _ => &[],
    }
}

/// The code a sheet value most likely means in `list`: a code itself, any label in any
/// language, a label's first part (before "—", "/", "(", ","), or a known synonym.
pub fn suggest_value(codes: &CodeLists, list: &str, value: &str) -> Option<String> {
    let key = fold_key(value);
    if key.is_empty() {
        return None;
    }
    for (code, word) in extra_words(list) {
        if fold_key(word) == key {
            return Some((*code).to_owned());
        }
    }
    let langs = [
        Language::En,
        Language::Lt,
        Language::Lv,
        Language::Ru,
        Language::Az,
    ];
    let options = codes.options(list, Language::En, None);
    // Whole code or label first, then a label's first part.
    for whole in [true, false] {
        for option in &options {
            let code = option.code.as_str();
            if whole && (fold_key(code) == key || fold_key(&code.replace('_', " ")) == key) {
                return Some(code.to_owned());
            }
            for lang in langs {
                let Some(label) = codes.label(list, code, lang) else {
                    continue;
                };
                let hit = if whole {
                    fold_key(label) == key
                } else {
                    let first = label
                        .split(['—', '/', '(', ',', '–'])
                        .next()
                        .unwrap_or(label);
                    fold_key(first) == key
                };
                if hit {
                    return Some(code.to_owned());
                }
            }
        }
    }
    None
}

/// A date as centres type it: `2024-03-05`, `05.03.2024`, `5.3.2024`, `5/3/2024`
/// (day first), `2024.03.05`, `2024/03/05`, a date-time (its date), or an Excel serial day
/// number (10000–99999: 1927–2173).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim().trim_end_matches('.');
    if t.is_empty() {
        return None;
    }
    if let Ok(serial) = t.parse::<f64>() {
        return if (10_000.0..100_000.0).contains(&serial) {
            super::read::excel_serial_date(serial)
        } else {
            None
        };
    }
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    for format in [
        "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y.%m.%d", "%Y/%m/%d", "%d-%m-%Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(t, format) {
            return Some(d);
        }
    }
    None
}

/// The error values spreadsheet programs show in a cell whose formula failed (Excel and
/// LibreOffice; a CSV saved from them carries them as text).
const SPREADSHEET_ERRORS: &[&str] = &[
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#DATA!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "Err:502",
    "Err:504",
    "Err:508",
    "Err:522",
];

/// The spreadsheet error value `cell` holds, if it is one.
pub fn spreadsheet_error(cell: &str) -> Option<&'static str> {
    let cell = cell.trim();
    SPREADSHEET_ERRORS
        .iter()
        .find(|e| e.eq_ignore_ascii_case(cell))
        .copied()
}

/// A column's letters as a spreadsheet shows them (0 → `A`, 26 → `AA`).
fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// What is wrong with one cell (or one row) of the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RowProblem {
    /// The sheet row.
    pub row: usize,
    /// The column's header, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong and what to do (it never repeats a name or a phone number).
    pub message: String,
}

/// The records one row makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRecords {
    /// The sheet row.
    pub row: usize,
    /// The sheet's client number, if mapped and filled.
    pub client_key: Option<String>,
    /// The sheet's case number, if mapped and filled.
    pub case_key: Option<String>,
    /// The client (used when the row starts a new client).
    pub client: ClientFields,
    /// The case's opening date.
    pub opened_on: NaiveDate,
    /// The case's fields (used when the row starts a new case).
    pub case: CaseFields,
    /// The incident, when the row has any incident field.
    pub incident: Option<IncidentFields>,
    /// Children affected.
    pub children: Vec<ChildFields>,
}

/// A sheet value with no code in the mapping and no suggestion: listed with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UnknownValue {
    /// The code list.
    pub list: String,
    /// The column it was found in.
    pub column: String,
    /// The value, trimmed.
    pub value: String,
    /// How many rows hold it.
    pub count: usize,
}

/// Words a "total" row starts with.
const TOTAL_WORDS: &[&str] = &[
    "total",
    "totals",
    "sum",
    "is viso",
    "viso",
    "kopa",
    "kopā",
    "итого",
    "всего",
    "cemi",
    "cəmi",
    "yekun",
];

/// A mapping checked against a sheet's header: each field's column index.
#[derive(Debug)]
pub struct Plan<'a> {
    mapping: &'a Mapping,
    codes: &'static CodeLists,
    columns: BTreeMap<Field, (usize, String)>,
    values: BTreeMap<String, BTreeMap<String, ValueChoice>>,
    /// Each distinct (list, value) resolved once: a sheet repeats a handful of words in
    /// every row.
    resolved: std::cell::RefCell<std::collections::HashMap<(String, String), Option<String>>>,
}

/// Either a row's records, a row skipped (blank or a total) or its problems.
#[derive(Debug)]
pub enum RowOutcome {
    /// The records the row makes.
    Records(Box<RowRecords>),
    /// A row with nothing in it.
    Blank,
    /// A total row at the bottom of the sheet.
    Total,
    /// What is wrong with the row; nothing of it is imported.
    Problems(Vec<RowProblem>),
}

impl<'a> Plan<'a> {
    /// Checks `mapping` against `headers`: every mapped column must be in the sheet, no
    /// field twice, and every mapped code must be in its list.
    pub fn new(
        mapping: &'a Mapping,
        headers: &[String],
        codes: &'static CodeLists,
    ) -> Result<Plan<'a>> {
        let folded: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
        let mut columns = BTreeMap::new();
        for c in &mapping.columns {
            let key = fold_key(&c.column);
            let Some(i) = folded.iter().position(|h| *h == key) else {
                return Err(Error::invalid(format!(
                    "the mapping names column '{}', which this sheet does not have; map the \
                     columns again",
                    c.column
                )));
            };
            // A mapping names columns by header: with two columns of one (folded) header it
            // cannot say which it meant, and reading the first would fill a field from the
            // wrong column on every row.
            let same: Vec<usize> = (0..folded.len()).filter(|&j| folded[j] == key).collect();
            if same.len() > 1 {
                let letters: Vec<String> = same.iter().map(|&j| column_letters(j)).collect();
                return Err(Error::invalid(format!(
                    "the sheet has {} columns named '{}' (columns {}); rename them in the sheet \
                     so that each header is different, then map the columns again",
                    same.len(),
                    c.column,
                    letters.join(", ")
                )));
            }
            if columns.insert(c.field, (i, headers[i].clone())).is_some() {
                return Err(Error::invalid(format!(
                    "field '{}' is mapped to two columns; keep one",
                    c.field.name()
                )));
            }
        }
        if columns.contains_key(&Field::FullName)
            && (columns.contains_key(&Field::GivenName) || columns.contains_key(&Field::FamilyName))
        {
            return Err(Error::invalid(
                "both a full-name column and given/family-name columns are mapped; keep one",
            ));
        }
        if !columns.contains_key(&Field::OpenedOn) {
            return Err(Error::invalid(
                "no column is mapped to the case's opening date; map one (e.g. the intake date)",
            ));
        }
        let mut values = BTreeMap::new();
        for (list, map) in &mapping.values {
            if codes.options(list, Language::En, None).is_empty() {
                return Err(Error::invalid(format!(
                    "the mapping has values for list '{list}', which does not exist"
                )));
            }
            let mut folded = BTreeMap::new();
            for (value, choice) in map {
                if let ValueChoice::Code(code) = choice {
                    codes.check(list, code)?;
                }
                folded.insert(fold_key(value), choice.clone());
            }
            values.insert(list.clone(), folded);
        }
        for (code, list) in [
            (&mapping.defaults.sex, "sex"),
            (&mapping.defaults.referral_source, "referral_source"),
            (&mapping.defaults.intake_outcome, "intake_outcome"),
        ] {
            codes.check(list, code)?;
        }
        Ok(Plan {
            mapping,
            codes,
            columns,
            values,
            resolved: std::cell::RefCell::default(),
        })
    }

    /// The cell of `field` in `cells`, trimmed, `None` when empty, not mapped or a
    /// spreadsheet error (which [`Plan::row`] reports as the row's problem).
    fn cell<'c>(&self, cells: &'c [String], field: Field) -> Option<&'c str> {
        self.raw_cell(cells, field)
            .filter(|s| spreadsheet_error(s).is_none())
    }

    /// The cell of `field` in `cells`, trimmed, `None` when empty or not mapped.
    fn raw_cell<'c>(&self, cells: &'c [String], field: Field) -> Option<&'c str> {
        let (i, _) = self.columns.get(&field)?;
        cells.get(*i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// The header of the column mapped to `field` (empty when not mapped).
    pub(crate) fn header(&self, field: Field) -> String {
        self.columns
            .get(&field)
            .map(|(_, h)| h.clone())
            .unwrap_or_default()
    }

    /// The code of a value of `list`: mapped, else suggested; `Err(())` when neither.
    fn code(&self, list: &str, value: &str) -> std::result::Result<String, ()> {
        let key = (list.to_owned(), value.to_owned());
        if let Some(found) = self.resolved.borrow().get(&key) {
            return found.clone().ok_or(());
        }
        let found = match self.values.get(list).and_then(|m| m.get(&fold_key(value))) {
            Some(ValueChoice::Code(c)) => Some(c.clone()),
            Some(ValueChoice::Unknown) => Some(if self.codes.contains(list, "unknown") {
                "unknown".into()
            } else {
                "other".into()
            }),
            None => suggest_value(self.codes, list, value),
        };
        let mut resolved = self.resolved.borrow_mut();
        // A column of free text mapped by mistake must not grow the memory with the rows.
        if resolved.len() >= 10_000 {
            resolved.clear();
        }
        resolved.insert(key, found.clone());
        found.ok_or(())
    }

    /// The row's records, or why it cannot be imported. Values in no code list are added
    /// to `unknown` (list, column, value → count).
    pub fn row(
        &self,
        number: usize,
        cells: &[String],
        unknown: &mut BTreeMap<(String, String, String), usize>,
    ) -> RowOutcome {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return RowOutcome::Blank;
        }
        if let Some(first) = cells.iter().find(|c| !c.trim().is_empty()) {
            let f = fold_key(first);
            if TOTAL_WORDS
                .iter()
                .any(|w| f == fold_key(w) || f.starts_with(&format!("{} ", fold_key(w))))
            {
                return RowOutcome::Total;
            }
        }
        let mut problems = Vec::new();
        let mut problem = |field: Field, message: String| {
            problems.push(RowProblem {
                row: number,
                column: Some(self.header(field)),
                message,
            });
        };
        let mut code_of = |field: Field, value: &str, problem: &mut dyn FnMut(Field, String)| {
            let list = field.code_list().unwrap_or_default();
            match self.code(list, value) {
                Ok(c) => Some(c),
                Err(()) => {
                    *unknown
                        .entry((list.to_owned(), self.header(field), value.to_owned()))
                        .or_default() += 1;
                    problem(
                        field,
                        format!(
                            "'{value}' is in no code list of '{list}'; map it to a code or to \
                             'unknown'"
                        ),
                    );
                    None
                }
            }
        };
        let date_of = |field: Field, problem: &mut dyn FnMut(Field, String)| {
            let text = self.cell(cells, field)?;
            match parse_date(text) {
                Some(d) if d.year() >= 1900 && d <= Utc::now().date_naive() => Some(d),
                Some(_) => {
                    problem(
                        field,
                        format!("the date '{text}' is in the future or before 1900; correct it"),
                    );
                    None
                }
                None => {
                    problem(
                        field,
                        format!(
                            "'{text}' is not a date this app reads; write it as 2024-03-05 or \
                             05.03.2024"
                        ),
                    );
                    None
                }
            }
        };

        // A spreadsheet's error value (a formula that could not be computed) stands for a
        // value the sheet does not have: never data, never an empty cell.
        for (field, (i, _)) in &self.columns {
            if let Some(error) = cells.get(*i).and_then(|c| spreadsheet_error(c)) {
                problem(
                    *field,
                    format!(
                        "the cell holds the spreadsheet error '{error}' (a formula that could not \
                         be computed); correct the formula or type the value in the sheet"
                    ),
                );
            }
        }

        // The client.
        let (given, family) = match self.cell(cells, Field::FullName) {
            Some(full) => {
                let words: Vec<&str> = full.split_whitespace().collect();
                match words.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        (Some(rest.join(" ")), Some((*last).to_owned()))
                    }
                    Some((only, _)) => (None, Some((*only).to_owned())),
                    None => (None, None),
                }
            }
            None => (
                self.cell(cells, Field::GivenName).map(str::to_owned),
                self.cell(cells, Field::FamilyName).map(str::to_owned),
            ),
        };
        let this_year = Utc::now().year();
        let mut birth_year = None;
        if let Some(text) = self.cell(cells, Field::BirthYear) {
            match text.parse::<f64>().ok().filter(|y| y.fract() == 0.0) {
                #[allow(clippy::cast_possible_truncation)]
                Some(y) if (1900.0..=f64::from(this_year)).contains(&y) => {
                    birth_year = Some(y as i32);
                }
                _ => problem(
                    Field::BirthYear,
                    format!(
                        "'{text}' is not a birth year between 1900 and {this_year}; correct it or leave it empty"
                    ),
                ),
            }
        }
        if birth_year.is_none()
            && let Some(d) = date_of(Field::BirthDate, &mut problem)
        {
            birth_year = Some(d.year());
        }
        let sex = match self.cell(cells, Field::Sex) {
            Some(v) => code_of(Field::Sex, v, &mut problem),
            None => Some(self.mapping.defaults.sex.clone()),
        };
        let client = ClientFields {
            given_name: given,
            family_name: family,
            phone: self.cell(cells, Field::Phone).map(str::to_owned),
            sex: sex.unwrap_or_default(),
            birth_year,
            municipality: self.cell(cells, Field::Municipality).map(str::to_owned),
            ..ClientFields::default()
        };

        // The case.
        let opened_on = date_of(Field::OpenedOn, &mut problem);
        if opened_on.is_none() && self.raw_cell(cells, Field::OpenedOn).is_none() {
            problem(
                Field::OpenedOn,
                "the case's opening date is empty; fill it in or leave the row out".into(),
            );
        }
        let referral_source = match self.cell(cells, Field::ReferralSource) {
            Some(v) => code_of(Field::ReferralSource, v, &mut problem),
            None => Some(self.mapping.defaults.referral_source.clone()),
        };
        let case = CaseFields {
            referral_source: referral_source.unwrap_or_default(),
            police_notified_on: None,
            intake_outcome: self.mapping.defaults.intake_outcome.clone(),
            lead_worker: None,
            team: Vec::new(),
            follow_up_on: None,
        };

        // The incident.
        let has_incident = [
            Field::IncidentDate,
            Field::ViolenceForms,
            Field::PlaceType,
            Field::PerpetratorRelationship,
            Field::PerpetratorSex,
        ]
        .iter()
        .any(|f| self.cell(cells, *f).is_some());
        let incident = if has_incident {
            let occurred_on = date_of(Field::IncidentDate, &mut problem);
            let mut forms: Vec<String> = Vec::new();
            if let Some(text) = self.cell(cells, Field::ViolenceForms) {
                for part in text.split([',', ';', '/', '+', '\n']) {
                    let part = part.trim();
                    if part.is_empty() {
                        continue;
                    }
                    if let Some(c) = code_of(Field::ViolenceForms, part, &mut problem)
                        && !forms.contains(&c)
                    {
                        forms.push(c);
                    }
                }
            }
            if forms.is_empty() && self.raw_cell(cells, Field::ViolenceForms).is_none() {
                problem(
                    Field::ViolenceForms,
                    "the row records an incident but no form of violence; fill it in (or map \
                     the column)"
                        .into(),
                );
            }
            let place_type = match self.cell(cells, Field::PlaceType) {
                Some(v) => code_of(Field::PlaceType, v, &mut problem),
                None => Some("unknown".into()),
            };
            let relationship = self
                .cell(cells, Field::PerpetratorRelationship)
                .map(|v| code_of(Field::PerpetratorRelationship, v, &mut problem));
            let perp_sex = self
                .cell(cells, Field::PerpetratorSex)
                .map(|v| code_of(Field::PerpetratorSex, v, &mut problem));
            let perpetrators = if relationship.is_some() || perp_sex.is_some() {
                vec![PerpetratorLink {
                    sex: perp_sex.flatten().unwrap_or_else(|| "unknown".into()),
                    age_band: "unknown".into(),
                    relationship: relationship.flatten().unwrap_or_else(|| "unknown".into()),
                    cohabiting_now: Tri::Unknown,
                    cohabited_before: Tri::Unknown,
                    substance_use: Tri::Unknown,
                    weapon_access: Tri::Unknown,
                }]
            } else {
                Vec::new()
            };
            Some(IncidentFields {
                occurred_on,
                description: None,
                police: Default::default(),
                ongoing_since: None,
                violence_forms: forms,
                place_type: place_type.unwrap_or_default(),
                reported_to_police: Tri::Unknown,
                perpetrators,
            })
        } else {
            None
        };

        // Children.
        let mut children = Vec::new();
        if let Some(text) = self.cell(cells, Field::ChildrenCount) {
            match text.parse::<u8>() {
                Ok(n) if n <= 20 => {
                    children = (0..n)
                        .map(|_| ChildFields {
                            sex: "unknown".into(),
                            age_band: "0_17".into(),
                            lives_with_client: Tri::Unknown,
                            witnessed: Tri::Unknown,
                            directly_harmed: Tri::Unknown,
                            child_protection_referral: Tri::Unknown,
                        })
                        .collect();
                }
                _ => problem(
                    Field::ChildrenCount,
                    format!("'{text}' is not a number of children (0–20); correct it"),
                ),
            }
        }

        match opened_on {
            Some(opened_on) if problems.is_empty() => RowOutcome::Records(Box::new(RowRecords {
                row: number,
                client_key: self.cell(cells, Field::ClientKey).map(str::to_owned),
                case_key: self.cell(cells, Field::CaseKey).map(str::to_owned),
                client,
                opened_on,
                case,
                incident,
                children,
            })),
            _ => RowOutcome::Problems(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_five_languages_are_suggested() {
        let headers: Vec<String> = [
            "Kliento Nr.",
            "Vardas",
            "Pavardė ",
            "Kreipimosi data",
            "Smurto forma",
            "Smurtautojo lytis",
            "Пол",
            "Дата инцидента",
            "Zorakılıq forması",
            "Piezīmes",
        ]
        .map(String::from)
        .to_vec();
        let s = suggest_columns(&headers);
        assert_eq!(s[0], Some(Field::ClientKey));
        assert_eq!(s[1], Some(Field::GivenName));
        assert_eq!(s[2], Some(Field::FamilyName));
        assert_eq!(s[3], Some(Field::OpenedOn));
        assert_eq!(s[4], Some(Field::ViolenceForms));
        assert_eq!(s[5], Some(Field::PerpetratorSex));
        assert_eq!(s[6], Some(Field::Sex));
        assert_eq!(s[7], Some(Field::IncidentDate));
        // A field is suggested once: the second violence-form column is left to the user.
        assert_eq!(s[8], None);
        assert_eq!(s[9], None);
    }

    #[test]
    fn violence_words_in_any_language_find_their_code() -> Result<()> {
        let codes = CodeLists::builtin()?;
        for word in [
            "fizinis",
            "Физическое",
            "physical",
            " PHYSICAL ",
            "Fiziki",
            "fiziska",
        ] {
            assert_eq!(
                suggest_value(codes, "violence_form", word).as_deref(),
                Some("physical"),
                "{word}"
            );
        }
        assert_eq!(
            suggest_value(codes, "violence_form", "seksualinis").as_deref(),
            Some("sexual_other")
        );
        assert_eq!(suggest_value(codes, "violence_form", "raganavimas"), None);
        Ok(())
    }

    #[test]
    fn dates_in_the_formats_centres_type() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5);
        for text in [
            "2024-03-05",
            "05.03.2024",
            "5.3.2024",
            "5/3/2024",
            "2024.03.05",
            "45356",
            "2024-03-05 00:00:00",
            "05.03.2024.",
        ] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(parse_date("2024"), None);
        assert_eq!(parse_date("31.02.2024"), None);
        assert_eq!(parse_date("vakar"), None);
    }

    #[test]
    fn columns_are_named_by_their_letters() {
        let names: Vec<String> = [0, 3, 25, 26, 701, 702].map(column_letters).to_vec();
        assert_eq!(names, ["A", "D", "Z", "AA", "ZZ", "AAA"]);
    }
}
