//! Scoring an assessment against its pack: which items apply (skip logic), whether each
//! answer fits its item, the score (count of "yes" or weighted sum) and the band.
//!
//! The same function serves the live score the UI shows while the practitioner steps
//! through the items and the score stored with the assessment, so the two never differ.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pack::{AnswerType, InstrumentPack, MAX_TEXT_ANSWER, Scoring, YES_NO};
use crate::error::{Error, Result};

/// Answers by item id: `yes` / `no` / `dont_know`, a choice id, a whole number as text, or
/// free text. An empty answer is no answer.
pub type Answers = BTreeMap<String, String>;

/// What a set of answers comes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ScoreResult {
    /// The score.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub score: i64,
    /// The band the score falls in.
    pub band: String,
    /// The items that apply, in order (skip logic applied).
    pub visible: Vec<String>,
    /// How many of those are answered.
    pub answered: u32,
    /// How many yes/no items are answered "don't know" (they add nothing to the score).
    pub dont_know: u32,
    /// The answers that count: those of items that apply, without empty ones.
    pub answers: Answers,
}

/// Scores `answers` against `pack`. An answer to an item that does not exist, or that does
/// not fit its item, is refused with a message naming the item; answers to items that skip
/// logic leaves out are dropped.
pub fn score(pack: &InstrumentPack, answers: &Answers) -> Result<ScoreResult> {
    for id in answers.keys() {
        if pack.item(id).is_none() {
            return Err(Error::invalid(format!(
                "item '{id}' is not in {} version {}; reload the instrument",
                pack.id, pack.version
            )));
        }
    }
    let mut visible = Vec::with_capacity(pack.items.len());
    let mut counted = Answers::new();
    let mut total: i64 = 0;
    let mut dont_know = 0;
    for item in &pack.items {
        let shown = match &item.show_if {
            None => true,
            Some(cond) => {
                counted
                    .get(&cond.item)
                    .is_some_and(|a| cond.any_of.iter().any(|x| x == a))
                    // The item it depends on must itself apply.
                    && visible.contains(&cond.item)
            }
        };
        if !shown {
            continue;
        }
        visible.push(item.id.clone());
        let Some(answer) = answers.get(&item.id).map(|a| a.trim()) else {
            continue;
        };
        if answer.is_empty() {
            continue;
        }
        let what = || format!("item '{}'", item.id);
        let points = match item.answer {
            AnswerType::YesNo => {
                if !YES_NO.contains(&answer) {
                    return Err(Error::invalid(format!(
                        "{}: '{answer}' is not an answer; use yes, no or dont_know",
                        what()
                    )));
                }
                if answer == "dont_know" {
                    dont_know += 1;
                }
                match (answer, pack.scoring) {
                    ("yes", Scoring::CountYes) => 1,
                    ("yes", Scoring::WeightedSum) => item.weight,
                    _ => 0,
                }
            }
            AnswerType::SingleChoice => {
                let Some(choice) = item.choices.iter().find(|c| c.id == answer) else {
                    return Err(Error::invalid(format!(
                        "{}: '{answer}' is not one of its choices",
                        what()
                    )));
                };
                match pack.scoring {
                    Scoring::CountYes => 0,
                    Scoring::WeightedSum => choice.weight,
                }
            }
            AnswerType::Number => {
                let n: i64 = answer.parse().map_err(|_| {
                    Error::invalid(format!("{}: '{answer}' is not a whole number", what()))
                })?;
                if item.min.is_some_and(|m| n < m) || item.max.is_some_and(|m| n > m) {
                    return Err(Error::invalid(format!(
                        "{}: {n} is outside {} to {}",
                        what(),
                        item.min.map_or("…".to_owned(), |m| m.to_string()),
                        item.max.map_or("…".to_owned(), |m| m.to_string())
                    )));
                }
                match pack.scoring {
                    Scoring::CountYes => 0,
                    Scoring::WeightedSum => n.saturating_mul(item.weight),
                }
            }
            AnswerType::FreeText => {
                if answer.chars().count() > MAX_TEXT_ANSWER {
                    return Err(Error::invalid(format!(
                        "{}: the answer is longer than {MAX_TEXT_ANSWER} characters",
                        what()
                    )));
                }
                0
            }
        };
        total = total.saturating_add(points);
        counted.insert(item.id.clone(), answer.to_owned());
    }
    Ok(ScoreResult {
        score: total,
        band: pack.band_for(total).id.clone(),
        answered: u32::try_from(counted.len()).unwrap_or(u32::MAX),
        visible,
        dont_know,
        answers: counted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::CodeLists;

    fn pack(json: &str) -> InstrumentPack {
        InstrumentPack::parse(json, CodeLists::builtin().unwrap()).unwrap()
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const SMALL: &str = r#"{
      "format": 1, "id": "t", "version": 1, "title": {"en": "T"}, "jurisdiction": "any",
      "languages": ["en"], "licence": "local_only", "scoring": "weighted_sum",
      "judgement": "raise",
      "items": [
        {"id": "a", "text": {"en": "A"}, "answer": "yes_no", "weight": 3},
        {"id": "kids", "text": {"en": "Kids"}, "answer": "yes_no", "weight": 0},
        {"id": "b", "text": {"en": "B"}, "answer": "yes_no", "weight": 2,
         "show_if": {"item": "kids", "any_of": ["yes"]}},
        {"id": "c", "text": {"en": "C"}, "answer": "single_choice",
         "choices": [{"id": "lo", "text": {"en": "lo"}, "weight": 0},
                     {"id": "hi", "text": {"en": "hi"}, "weight": 4}]},
        {"id": "n", "text": {"en": "N"}, "answer": "number", "weight": 1, "min": 0, "max": 5},
        {"id": "t", "text": {"en": "T"}, "answer": "free_text"}
      ],
      "bands": [
        {"id": "low", "label": {"en": "Low"}, "min": 0, "max": 4},
        {"id": "high", "label": {"en": "High"}, "min": 5}
      ]
    }"#;

    #[test]
    fn weighted_sum_adds_each_answer_type() {
        let p = pack(SMALL);
        let r = score(
            &p,
            &answers(&[("a", "yes"), ("c", "hi"), ("n", "2"), ("t", "words")]),
        )
        .unwrap();
        assert_eq!(r.score, 3 + 4 + 2);
        assert_eq!(r.band, "high");
        assert_eq!(r.answered, 4);
    }

    #[test]
    fn skipped_items_neither_show_nor_count() {
        let p = pack(SMALL);
        let r = score(&p, &answers(&[("kids", "no"), ("b", "yes")])).unwrap();
        assert_eq!(r.score, 0);
        assert!(!r.visible.contains(&"b".to_owned()));
        assert!(!r.answers.contains_key("b"), "a hidden answer is dropped");
        let r = score(&p, &answers(&[("kids", "yes"), ("b", "yes")])).unwrap();
        assert_eq!(r.score, 2);
        assert!(r.visible.contains(&"b".to_owned()));
    }

    #[test]
    fn answers_that_do_not_fit_name_the_item() {
        let p = pack(SMALL);
        for (item, bad, needle) in [
            ("a", "maybe", "item 'a'"),
            ("c", "mid", "item 'c'"),
            ("n", "6", "item 'n'"),
            ("n", "two", "item 'n'"),
            ("zz", "yes", "item 'zz'"),
        ] {
            let err = score(&p, &answers(&[(item, bad)])).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn dont_know_scores_nothing_and_is_counted() {
        let p = pack(SMALL);
        let r = score(&p, &answers(&[("a", "dont_know"), ("kids", "")])).unwrap();
        assert_eq!((r.score, r.dont_know, r.answered), (0, 1, 1));
    }
}
