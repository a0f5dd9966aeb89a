//! The joint case analysis (issue 11): partner centres analyse selected closed cases with a
//! template their coordination centre defines, and the coordination centre compares the
//! completed analyses of centres or cities once a year.
//!
//! - `template` — the template format, its checks, and the versioned template store;
//! - `facts` — what the core computes from a case to pre-fill its analysis (day counts and
//!   codes, no dates or names);
//! - `form` — the centre's form, the identifier screen, completing (append-only);
//! - `exchange` — templates in return bundles (analyses travel as `case_analysis` records);
//! - `compare` — the coordinator's comparative analysis and its XLSX workbook.

pub mod compare;
pub mod exchange;
pub mod facts;
pub mod form;
pub mod template;

pub use compare::{CompareQuery, Comparison, GroupBy};
pub use facts::{CaseFacts, TimelineEntry};
pub use form::{
    AnalysisCandidate, AnalysisForm, Answer, AnswerInput, CaseAnalysis, CompleteAnalysis,
    IdentifierKind, IdentifierWarning,
};
pub use template::{AnalysisTemplate, QuestionType, TemplateInfo, TemplateSaved};
