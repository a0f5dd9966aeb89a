//! Instrument packs: the versioned file format of a risk-assessment instrument
//! (`docs/instrument-pack.md`), read and validated here.
//!
//! A pack is JSON. It is read twice over: first into a loose shape where every enumerated
//! field is still text, then checked field by field into [`InstrumentPack`], so that each
//! problem names the item (or band, or action) it is about — "item 'weapons': unknown answer
//! type 'slider'" rather than a parser's line and column. Every problem found is reported at
//! once, so a coordinator fixes a pack in one pass.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::codes::CodeLists;
use crate::error::{Error, Result};

/// The pack format this build reads and writes.
pub const PACK_FORMAT: u32 = 1;

/// The longest free-text answer, in characters.
pub const MAX_TEXT_ANSWER: usize = 4000;

/// Text in each of the pack's languages (language code → text).
pub type Texts = BTreeMap<String, String>;

/// Whether a centre may pass the pack on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Licence {
    /// Free to ship and share (e.g. Atrama's own checklist, an official act).
    Shippable,
    /// Copyrighted: used under a permission the centre holds; not to be passed on.
    NeedsPermission,
    /// Written by or for this centre only.
    LocalOnly,
}

impl Licence {
    /// The code used in pack files.
    pub fn code(self) -> &'static str {
        match self {
            Licence::Shippable => "shippable",
            Licence::NeedsPermission => "needs_permission",
            Licence::LocalOnly => "local_only",
        }
    }
}

/// How answers add up to a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// One point per yes/no item answered "yes"; weights are not used.
    CountYes,
    /// The sum of the weights of what was answered (see each answer type).
    WeightedSum,
}

/// What the practitioner's judgement may do with the computed band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Raise the band, never lower it (e.g. DASH).
    Raise,
    /// Set any band: the practitioner decides, the score only informs.
    RaiseOrLower,
    /// The computed band stands.
    None,
}

/// The kind of answer an item takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    /// `yes`, `no` or `dont_know`.
    YesNo,
    /// One of the item's choices (by choice id).
    SingleChoice,
    /// A whole number.
    Number,
    /// Text in the client's or practitioner's words; never scored.
    FreeText,
}

impl AnswerType {
    fn parse(text: &str) -> Option<AnswerType> {
        Some(match text {
            "yes_no" => AnswerType::YesNo,
            "single_choice" => AnswerType::SingleChoice,
            "number" => AnswerType::Number,
            "free_text" => AnswerType::FreeText,
            _ => return None,
        })
    }
}

/// The answers a yes/no item takes.
pub const YES_NO: [&str; 3] = ["yes", "no", "dont_know"];

/// One choice of a single-choice item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Choice {
    /// Id, unique within the item.
    pub id: String,
    /// Label per language.
    pub text: Texts,
    /// Points when chosen (weighted sum).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub weight: i64,
}

/// Skip logic: the item is asked only when an earlier item was answered with one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ShowIf {
    /// The earlier item (yes/no or single choice).
    pub item: String,
    /// Answers of that item that make this one apply.
    pub any_of: Vec<String>,
}

/// One question of an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Item {
    /// Id, unique within the pack; answers are stored under it.
    pub id: String,
    /// The question per language.
    pub text: Texts,
    /// Guidance for the practitioner per language, if any.
    pub help: Option<Texts>,
    /// The kind of answer.
    pub answer: AnswerType,
    /// Points for "yes" (yes/no), or per unit (number); unused for the other types.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub weight: i64,
    /// The choices of a single-choice item.
    pub choices: Vec<Choice>,
    /// Smallest number accepted (number items).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub min: Option<i64>,
    /// Largest number accepted (number items).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub max: Option<i64>,
    /// Skip logic.
    pub show_if: Option<ShowIf>,
}

/// What a recommended action lets the practitioner do in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Open the referral form for `agency_type`.
    Referral,
    /// Open the protection-order form.
    ProtectionOrder,
    /// Set the safety plan's review date `within_days` from the assessment.
    SafetyPlanReview,
    /// Advice only (e.g. "consider a multi-agency risk meeting").
    Other,
}

/// A recommended action of a band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecommendedAction {
    /// What it links to.
    pub kind: ActionKind,
    /// The recommendation per language.
    pub text: Texts,
    /// `referral_agency` code (referrals).
    pub agency_type: Option<String>,
    /// Days from the assessment to the review (safety-plan reviews; 0 = the same day).
    pub within_days: Option<u32>,
}

/// A band of scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Band {
    /// Id, unique within the pack (e.g. `standard`, `medium`, `high`).
    pub id: String,
    /// Name per language.
    pub label: Texts,
    /// Lowest score in the band.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub min: i64,
    /// Highest score in the band; only the last band may leave it open.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub max: Option<i64>,
    /// What to consider at this band.
    pub actions: Vec<RecommendedAction>,
}

/// A risk-assessment instrument, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InstrumentPack {
    /// [`PACK_FORMAT`].
    pub format: u32,
    /// Id, e.g. `atrama-spj`.
    pub id: String,
    /// Version: a whole number, higher is newer. Packs are kept side by side by (id, version).
    pub version: u32,
    /// Name per language.
    pub title: Texts,
    /// Shown above the items per language (e.g. "not a validated actuarial tool").
    pub notice: Option<Texts>,
    /// `any`, or the country it is for (`LT`, `LV`, `AZ`, …).
    pub jurisdiction: String,
    /// Language codes every text is given in; the first is the fallback.
    pub languages: Vec<String>,
    /// Whether it may be passed on.
    pub licence: Licence,
    /// Who holds the permission, where the text comes from, etc.
    pub licence_note: Option<String>,
    /// How answers add up.
    pub scoring: Scoring,
    /// What judgement may do with the band.
    pub judgement: Judgement,
    /// The questions, in order.
    pub items: Vec<Item>,
    /// The bands, lowest first, covering every score from 0 up.
    pub bands: Vec<Band>,
}

impl InstrumentPack {
    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The position of a band (0 = lowest).
    pub fn band_index(&self, id: &str) -> Option<usize> {
        self.bands.iter().position(|b| b.id == id)
    }

    /// The band holding `score`.
    pub fn band_for(&self, score: i64) -> &Band {
        self.bands
            .iter()
            .rev()
            .find(|b| score >= b.min)
            .unwrap_or(&self.bands[0])
    }

    /// A text in `lang`, or in the pack's first language.
    pub fn text<'a>(&self, texts: &'a Texts, lang: &str) -> &'a str {
        texts
            .get(lang)
            .or_else(|| self.languages.first().and_then(|l| texts.get(l)))
            .map_or("", String::as_str)
    }

    /// The highest score the items allow (skip logic aside).
    pub fn max_score(&self) -> i64 {
        self.items
            .iter()
            .map(|i| match (self.scoring, i.answer) {
                (Scoring::CountYes, AnswerType::YesNo) => 1,
                (Scoring::CountYes, _) => 0,
                (Scoring::WeightedSum, AnswerType::YesNo) => i.weight,
                (Scoring::WeightedSum, AnswerType::SingleChoice) => {
                    i.choices.iter().map(|c| c.weight).max().unwrap_or(0)
                }
                (Scoring::WeightedSum, AnswerType::Number) => {
                    i.max.unwrap_or(0).saturating_mul(i.weight)
                }
                (Scoring::WeightedSum, AnswerType::FreeText) => 0,
            })
            .fold(0i64, i64::saturating_add)
    }

    /// Reads and validates a pack file. Every problem is reported, each naming the item,
    /// band or field it is about.
    pub fn parse(text: &str, codes: &CodeLists) -> Result<InstrumentPack> {
        let raw: RawPack = serde_json::from_str(text).map_err(|e| {
            Error::invalid(format!(
                "the instrument pack is not valid: {e}; see docs/instrument-pack.md for the format"
            ))
        })?;
        let mut problems = Problems::default();
        let pack = raw.check(codes, &mut problems);
        match pack {
            Some(pack) if problems.0.is_empty() => Ok(pack),
            _ => Err(Error::invalid(format!(
                "the instrument pack is not valid: {}; fix the pack (see docs/instrument-pack.md) and import it again",
                problems.0.join("; ")
            ))),
        }
    }
}

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }
}

// ---- the loose shape, as written in the file -------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    format: u32,
    id: String,
    version: u32,
    title: Texts,
    #[serde(default)]
    notice: Option<Texts>,
    jurisdiction: String,
    languages: Vec<String>,
    licence: String,
    #[serde(default)]
    licence_note: Option<String>,
    scoring: String,
    judgement: String,
    items: Vec<RawItem>,
    bands: Vec<RawBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    text: Texts,
    #[serde(default)]
    help: Option<Texts>,
    answer: String,
    #[serde(default)]
    weight: Option<i64>,
    #[serde(default)]
    choices: Vec<RawChoice>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    show_if: Option<ShowIf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    id: String,
    text: Texts,
    #[serde(default)]
    weight: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    id: String,
    label: Texts,
    min: i64,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    kind: String,
    text: Texts,
    #[serde(default)]
    agency_type: Option<String>,
    #[serde(default)]
    within_days: Option<u32>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
}

/// Checks that `texts` has a non-empty text in exactly the declared languages.
fn check_texts(texts: &Texts, languages: &[String], what: &str, problems: &mut Problems) {
    for lang in languages {
        match texts.get(lang) {
            Some(t) if !t.trim().is_empty() => {}
            Some(_) => problems.add(format!("{what}: the '{lang}' text is empty")),
            None => problems.add(format!(
                "{what}: missing translation for declared language '{lang}'"
            )),
        }
    }
    for lang in texts.keys() {
        if !languages.contains(lang) {
            problems.add(format!(
                "{what}: has a '{lang}' text but the pack does not declare '{lang}' in `languages`"
            ));
        }
    }
}

impl RawPack {
    fn check(self, codes: &CodeLists, p: &mut Problems) -> Option<InstrumentPack> {
        if self.format != PACK_FORMAT {
            p.add(format!(
                "format {} is not known; this version of Atrama reads pack format {PACK_FORMAT}",
                self.format
            ));
        }
        if !valid_id(&self.id) {
            p.add(format!(
                "pack id '{}' must be 1 to 64 lower-case letters, digits, '-', '_' or '.'",
                self.id
            ));
        }
        if self.version == 0 {
            p.add("version must be 1 or more");
        }
        let jurisdiction = self.jurisdiction.trim().to_owned();
        let jurisdiction_ok = jurisdiction == "any"
            || (jurisdiction.len() == 2 && jurisdiction.chars().all(|c| c.is_ascii_uppercase()));
        if !jurisdiction_ok {
            p.add(format!(
                "jurisdiction '{jurisdiction}' must be 'any' or a two-letter country code such as 'LT'"
            ));
        }
        let mut languages = Vec::new();
        if self.languages.is_empty() {
            p.add("languages: declare at least one language, e.g. [\"en\"]");
        }
        for lang in &self.languages {
            let ok = lang.len() == 2 && lang.chars().all(|c| c.is_ascii_lowercase());
            if !ok {
                p.add(format!(
                    "languages: '{lang}' is not a two-letter language code such as 'lt'"
                ));
            } else if languages.contains(lang) {
                p.add(format!("languages: '{lang}' is declared twice"));
            } else {
                languages.push(lang.clone());
            }
        }
        check_texts(&self.title, &languages, "title", p);
        if let Some(notice) = &self.notice {
            check_texts(notice, &languages, "notice", p);
        }
        let licence = match self.licence.as_str() {
            "shippable" => Some(Licence::Shippable),
            "needs_permission" => Some(Licence::NeedsPermission),
            "local_only" => Some(Licence::LocalOnly),
            other => {
                p.add(format!(
                    "licence '{other}' is not known; use shippable, needs_permission or local_only"
                ));
                None
            }
        };
        let scoring = match self.scoring.as_str() {
            "count_yes" => Some(Scoring::CountYes),
            "weighted_sum" => Some(Scoring::WeightedSum),
            other => {
                p.add(format!(
                    "scoring '{other}' is not known; use count_yes or weighted_sum"
                ));
                None
            }
        };
        let judgement = match self.judgement.as_str() {
            "raise" => Some(Judgement::Raise),
            "raise_or_lower" => Some(Judgement::RaiseOrLower),
            "none" => Some(Judgement::None),
            other => {
                p.add(format!(
                    "judgement '{other}' is not known; use raise, raise_or_lower or none"
                ));
                None
            }
        };

        let items = check_items(self.items, &languages, p);
        let mut pack = InstrumentPack {
            format: self.format,
            id: self.id,
            version: self.version,
            title: self.title,
            notice: self.notice,
            jurisdiction,
            languages,
            licence: licence?,
            licence_note: self.licence_note.filter(|n| !n.trim().is_empty()),
            scoring: scoring?,
            judgement: judgement?,
            items: items?,
            bands: Vec::new(),
        };
        pack.bands = check_bands(self.bands, &pack, codes, p)?;
        Some(pack)
    }
}

fn check_items(raw: Vec<RawItem>, languages: &[String], p: &mut Problems) -> Option<Vec<Item>> {
    if raw.is_empty() {
        p.add("items: a pack needs at least one item");
    }
    let mut items: Vec<Item> = Vec::with_capacity(raw.len());
    let mut seen = BTreeSet::new();
    let mut ok = true;
    for (n, r) in raw.into_iter().enumerate() {
        let what = format!("item '{}'", r.id);
        if !valid_id(&r.id) {
            p.add(format!(
                "item {} has id '{}': ids are 1 to 64 lower-case letters, digits, '-', '_' or '.'",
                n + 1,
                r.id
            ));
        }
        if !seen.insert(r.id.clone()) {
            p.add(format!(
                "{what}: duplicate item id (item {} repeats it)",
                n + 1
            ));
        }
        check_texts(&r.text, languages, &what, p);
        if let Some(help) = &r.help {
            check_texts(help, languages, &format!("{what} help"), p);
        }
        let Some(answer) = AnswerType::parse(&r.answer) else {
            p.add(format!(
                "{what}: unknown answer type '{}'; use yes_no, single_choice, number or free_text",
                r.answer
            ));
            ok = false;
            continue;
        };
        let weight = r.weight.unwrap_or(match answer {
            AnswerType::YesNo => 1,
            _ => 0,
        });
        if weight < 0 {
            p.add(format!(
                "{what}: weight {weight} is negative; weights are 0 or more"
            ));
        }
        let mut choices = Vec::new();
        match answer {
            AnswerType::SingleChoice => {
                if r.choices.len() < 2 {
                    p.add(format!(
                        "{what}: a single-choice item needs at least two choices"
                    ));
                }
                let mut ids = BTreeSet::new();
                for c in r.choices {
                    let cwhat = format!("{what} choice '{}'", c.id);
                    if !valid_id(&c.id) {
                        p.add(format!("{cwhat}: not a valid id"));
                    }
                    if !ids.insert(c.id.clone()) {
                        p.add(format!("{cwhat}: duplicate choice id"));
                    }
                    if c.weight < 0 {
                        p.add(format!("{cwhat}: weight {} is negative", c.weight));
                    }
                    check_texts(&c.text, languages, &cwhat, p);
                    choices.push(Choice {
                        id: c.id,
                        text: c.text,
                        weight: c.weight,
                    });
                }
            }
            _ if !r.choices.is_empty() => p.add(format!(
                "{what}: only single-choice items have choices (this one is {})",
                r.answer
            )),
            _ => {}
        }
        if answer == AnswerType::Number {
            if let (Some(min), Some(max)) = (r.min, r.max)
                && min > max
            {
                p.add(format!("{what}: min {min} is above max {max}"));
            }
            if weight > 0 && r.max.is_none() {
                p.add(format!(
                    "{what}: a scored number item needs a max, so that the bands can cover every score"
                ));
            }
            if r.min.is_some_and(|m| m < 0) && weight > 0 {
                p.add(format!("{what}: a scored number item cannot go below 0"));
            }
        } else if r.min.is_some() || r.max.is_some() {
            p.add(format!("{what}: only number items have min and max"));
        }
        if let Some(show) = &r.show_if {
            match items.iter().find(|i| i.id == show.item) {
                None => p.add(format!(
                    "{what}: show_if names item '{}', which is not an earlier item",
                    show.item
                )),
                Some(earlier) => {
                    let allowed: Vec<&str> = match earlier.answer {
                        AnswerType::YesNo => YES_NO.to_vec(),
                        AnswerType::SingleChoice => {
                            earlier.choices.iter().map(|c| c.id.as_str()).collect()
                        }
                        _ => {
                            p.add(format!(
                                "{what}: show_if can only depend on a yes_no or single_choice item, not on '{}'",
                                show.item
                            ));
                            Vec::new()
                        }
                    };
                    if show.any_of.is_empty() {
                        p.add(format!("{what}: show_if.any_of lists no answers"));
                    }
                    for a in &show.any_of {
                        if !allowed.is_empty() && !allowed.contains(&a.as_str()) {
                            p.add(format!(
                                "{what}: show_if answer '{a}' is not an answer of item '{}' ({})",
                                show.item,
                                allowed.join(", ")
                            ));
                        }
                    }
                }
            }
        }
        items.push(Item {
            id: r.id,
            text: r.text,
            help: r.help,
            answer,
            weight,
            choices,
            min: r.min,
            max: r.max,
            show_if: r.show_if,
        });
    }
    ok.then_some(items)
}

fn check_bands(
    raw: Vec<RawBand>,
    pack: &InstrumentPack,
    codes: &CodeLists,
    p: &mut Problems,
) -> Option<Vec<Band>> {
    if raw.is_empty() {
        p.add("bands: a pack needs at least one band");
        return None;
    }
    let mut bands: Vec<Band> = Vec::with_capacity(raw.len());
    let mut ids = BTreeSet::new();
    let last = raw.len() - 1;
    for (n, r) in raw.into_iter().enumerate() {
        let what = format!("band '{}'", r.id);
        if !valid_id(&r.id) {
            p.add(format!("{what}: not a valid id"));
        }
        if !ids.insert(r.id.clone()) {
            p.add(format!("{what}: duplicate band id"));
        }
        check_texts(&r.label, &pack.languages, &what, p);
        match bands.last() {
            None if r.min != 0 => p.add(format!(
                "{what}: the first band must start at 0 (it starts at {}): scores 0 to {} have no band",
                r.min,
                r.min.saturating_sub(1)
            )),
            None => {}
            Some(prev) => match prev.max {
                None => p.add(format!(
                    "band '{}' has no max, but only the last band may be open-ended",
                    prev.id
                )),
                Some(pmax) if r.min > pmax.saturating_add(1) => p.add(format!(
                    "band gap: band '{}' ends at {pmax} and band '{}' starts at {}, so scores {} to {} have no band",
                    prev.id,
                    r.id,
                    r.min,
                    pmax.saturating_add(1),
                    r.min.saturating_sub(1)
                )),
                Some(pmax) if r.min <= pmax => p.add(format!(
                    "band overlap: band '{}' ends at {pmax} and band '{}' starts at {}; a score must fall in one band only",
                    prev.id, r.id, r.min
                )),
                Some(_) => {}
            },
        }
        if let Some(max) = r.max {
            if max < r.min {
                p.add(format!("{what}: max {max} is below min {}", r.min));
            }
            if n == last && max < pack.max_score() {
                p.add(format!(
                    "{what}: the last band ends at {max} but a score of {} is possible; leave its max out or raise it",
                    pack.max_score()
                ));
            }
        }
        let mut actions = Vec::with_capacity(r.actions.len());
        for (k, a) in r.actions.into_iter().enumerate() {
            let awhat = format!("{what} action {}", k + 1);
            check_texts(&a.text, &pack.languages, &awhat, p);
            let kind = match a.kind.as_str() {
                "referral" => ActionKind::Referral,
                "protection_order" => ActionKind::ProtectionOrder,
                "safety_plan_review" => ActionKind::SafetyPlanReview,
                "other" => ActionKind::Other,
                other => {
                    p.add(format!(
                        "{awhat}: unknown kind '{other}'; use referral, protection_order, safety_plan_review or other"
                    ));
                    continue;
                }
            };
            match (kind, a.agency_type.as_deref()) {
                (ActionKind::Referral, None) => p.add(format!(
                    "{awhat}: a referral names its agency_type (a referral_agency code such as 'police')"
                )),
                (ActionKind::Referral, Some(code)) if !codes.contains("referral_agency", code) => {
                    p.add(format!(
                        "{awhat}: agency_type '{code}' is not a referral_agency code"
                    ));
                }
                (ActionKind::Referral, Some(_)) => {}
                (_, Some(_)) => p.add(format!("{awhat}: only a referral has an agency_type")),
                (_, None) => {}
            }
            match (kind, a.within_days) {
                (ActionKind::SafetyPlanReview, None) => p.add(format!(
                    "{awhat}: a safety_plan_review says within_days (0 = the same day)"
                )),
                (ActionKind::SafetyPlanReview, Some(_)) | (_, None) => {}
                (_, Some(_)) => p.add(format!(
                    "{awhat}: only a safety_plan_review has within_days"
                )),
            }
            actions.push(RecommendedAction {
                kind,
                text: a.text,
                agency_type: a.agency_type,
                within_days: a.within_days,
            });
        }
        bands.push(Band {
            id: r.id,
            label: r.label,
            min: r.min,
            max: r.max,
            actions,
        });
    }
    Some(bands)
}

/// The built-in structured-professional-judgement checklist, written for Atrama (version 2:
/// the wording of version 1 after the terminology pass of `assets/i18n/glossary.json`; items,
/// scoring and bands unchanged).
pub const BUILTIN_SPJ: &str = include_str!("../../assets/instruments/atrama-spj.json");

/// Version 1 of the checklist exactly as it shipped: assessments recorded with it keep it, and
/// a version is never edited (`assets/instruments/atrama-spj-v1.json`).
pub const BUILTIN_SPJ_V1: &str = include_str!("../../assets/instruments/atrama-spj-v1.json");

/// The files of every pack compiled into this build, newest first.
pub const BUILTIN: &[&str] = &[BUILTIN_SPJ, BUILTIN_SPJ_V1];

/// Every pack compiled into this build.
pub fn builtin_packs(codes: &CodeLists) -> Result<Vec<InstrumentPack>> {
    BUILTIN
        .iter()
        .map(|text| InstrumentPack::parse(text, codes))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> &'static CodeLists {
        CodeLists::builtin().unwrap()
    }

    #[test]
    fn the_builtin_checklist_is_valid_in_all_five_languages() {
        let pack = &builtin_packs(codes()).unwrap()[0];
        assert_eq!(pack.id, "atrama-spj");
        assert_eq!(pack.languages, ["en", "lt", "lv", "az", "ru"]);
        assert_eq!(pack.licence, Licence::Shippable);
        assert_eq!(pack.judgement, Judgement::RaiseOrLower);
        let notice = pack.notice.as_ref().unwrap();
        assert!(notice["en"].contains("not a validated actuarial tool"));
        // No DASH or Danger Assessment text.
        for needle in ["DASH", "Danger Assessment", "SafeLives", "Campbell"] {
            assert!(!BUILTIN_SPJ.contains(needle), "{needle}");
        }
        assert!(pack.max_score() > 0);
    }

    #[test]
    fn version_2_of_the_checklist_changes_wording_only() {
        let packs = builtin_packs(codes()).unwrap();
        let (v2, v1) = (&packs[0], &packs[1]);
        assert_eq!((v2.id.as_str(), v2.version), ("atrama-spj", 2));
        assert_eq!((v1.id.as_str(), v1.version), ("atrama-spj", 1));
        // Same items (ids, answers, weights, skip logic), same scoring, same bands and cut-offs:
        // an assessment with either version scores the same answers the same way.
        let shape = |text: &str| {
            let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
            fn strip(v: &mut serde_json::Value) {
                match v {
                    serde_json::Value::Object(map) => {
                        for lang in ["en", "lt", "lv", "az", "ru"] {
                            map.remove(lang);
                        }
                        map.remove("version");
                        map.values_mut().for_each(strip);
                    }
                    serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
                    _ => {}
                }
            }
            strip(&mut v);
            v
        };
        assert_eq!(shape(BUILTIN_SPJ), shape(BUILTIN_SPJ_V1));
        assert_ne!(BUILTIN_SPJ, BUILTIN_SPJ_V1);
    }

    #[test]
    fn ids_are_plain() {
        assert!(valid_id("atrama-spj"));
        assert!(valid_id("dash.2009"));
        assert!(!valid_id("Has Space"));
        assert!(!valid_id(""));
    }
}
