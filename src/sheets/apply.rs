//! The dry run, the import and its undo.
//!
//! The dry run reads every row through the mapping and reports, per row and per field,
//! what is wrong; which values are in no code list (with counts); what will be created; and
//! which rows may be clients already recorded (the intake duplicate check: folded names,
//! transliteration, phone, birth year) or the same person as an earlier row.
//!
//! The import reads the file again inside one [`Batch`] — the one write path: versions,
//! change log, search index, access log — and refuses (writing nothing) when a row has a
//! problem (unless told to leave such rows out), when a possible duplicate has no decision,
//! or when the file is not the one the dry run read. Both read one sheet of a workbook
//! ([`ReadOptions::sheet`]) and say which, and name the other sheets holding rows, which
//! were not read. Every record it creates is listed in
//! `import_record` with its batch, sheet row and version.
//!
//! The undo tombstones every record of a batch in one transaction, and is refused while
//! anything else has touched them: a record changed or deleted since, or a record of
//! someone else's added to one of the batch's cases or clients.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::mapping::{Field, Mapping, Plan, RowOutcome, RowProblem, RowRecords, UnknownValue};
use super::read::{ReadOptions, Sheet, SheetSummary};
use crate::audit::Action;
use crate::cases::duplicates::possible_duplicates;
use crate::cases::{Batch, NewCase, PossibleDuplicate, fold};
use crate::crypto::hex;
use crate::error::{Error, Result};
use crate::ids::{CaseId, ChildId, ClientId, IncidentId};
use crate::staff::Role;
use crate::store::Store;

/// The prepared-statement cache of the import's connection (see `sheet_import`).
const IMPORT_STATEMENT_CACHE: usize = 64;

/// How many problems a dry run lists (all are counted).
pub const MAX_LISTED_PROBLEMS: usize = 10_000;

/// Records created (or to be created).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Counts {
    /// New clients.
    pub clients: usize,
    /// New cases.
    pub cases: usize,
    /// Incidents.
    pub incidents: usize,
    /// Children.
    pub children: usize,
}

/// A row whose client may already be recorded, or be the client of an earlier row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RowDuplicate {
    /// The sheet row.
    pub row: usize,
    /// The name on the row (shown to decide; never logged).
    pub name: Option<String>,
    /// An earlier row of the sheet with the same folded name and birth year, or phone.
    pub earlier_row: Option<usize>,
    /// Clients already in the store who may be her.
    pub existing: Vec<PossibleDuplicate>,
}

/// What to do with a row's client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// A new client, even though she looks like someone recorded.
    New,
    /// A client already in the store: the row's case is opened for her.
    Existing {
        /// The client.
        client_id: ClientId,
    },
    /// The client of an earlier row of the sheet.
    SameAsRow {
        /// The earlier row.
        row: usize,
    },
}

/// A decision for one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RowDecision {
    /// The sheet row.
    pub row: usize,
    /// What to do with its client.
    pub decision: Decision,
}

/// How to import.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportOptions {
    /// How the file is read.
    #[serde(default)]
    pub read: ReadOptions,
    /// Decisions on possible duplicates, by row.
    #[serde(default)]
    pub decisions: Vec<RowDecision>,
    /// Leave out rows with problems (they are listed in the report) instead of refusing.
    #[serde(default)]
    pub skip_rows_with_problems: bool,
    /// The SHA-256 of the file the dry run read: the import refuses another file.
    #[serde(default)]
    pub expected_sha256: Option<String>,
}

/// What a dry run found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DryRun {
    /// How the file was read.
    pub format: String,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// Every sheet of a workbook, in its order (empty for CSV).
    pub sheets: Vec<SheetSummary>,
    /// Which other sheets hold rows and were not read ("sheets '2023' (412 non-empty rows)
    /// and '2022' (380 non-empty rows) were not read, …"): each is imported on its own.
    pub unread_sheets: Option<String>,
    /// The SHA-256 of the file, to pass to the import.
    pub sha256: String,
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    /// Rows that can be imported as they are.
    pub rows_ready: usize,
    /// Rows with at least one problem.
    pub rows_with_problems: usize,
    /// Blank rows skipped.
    pub blank_rows: usize,
    /// Total rows skipped (their row numbers).
    pub total_rows: Vec<usize>,
    /// Problems, per row and field (the first [`MAX_LISTED_PROBLEMS`]).
    pub problems: Vec<RowProblem>,
    /// Values in no code list, with their counts.
    pub unknown_values: Vec<UnknownValue>,
    /// What the import will create (rows with problems left out).
    pub will_create: Counts,
    /// Rows that may be clients already recorded or repeated in the sheet.
    pub duplicates: Vec<RowDuplicate>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportReport {
    /// The batch, to undo it.
    pub batch_id: String,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// Which other sheets hold rows and were not imported (as [`DryRun::unread_sheets`]).
    pub unread_sheets: Option<String>,
    /// Rows imported.
    pub rows_imported: usize,
    /// Rows left out for their problems.
    pub rows_skipped: Vec<RowProblem>,
    /// Records created.
    pub created: Counts,
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UndoReport {
    /// The batch undone.
    pub batch_id: String,
    /// Records tombstoned.
    pub records: usize,
}

/// Which pass over the sheet a [`Progress`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ProgressStage {
    /// Every row read and checked (the dry run, and the import's first pass).
    Check,
    /// The rows written, in the import's transaction.
    Write,
}

/// How far a dry run or an import has got: rows of the sheet (blank ones included) read in
/// this pass, of all its rows. Reported at 0, every [`PROGRESS_EVERY`] rows and at the end
/// (`done == total`); `done` never goes back within a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Progress {
    /// The pass.
    pub stage: ProgressStage,
    /// Rows read in this pass.
    pub done: usize,
    /// Rows in the sheet below the header.
    pub total: usize,
}

/// How many rows go by between two progress reports.
pub const PROGRESS_EVERY: usize = 500;

/// Counts rows through a pass and tells `report` at the start, every [`PROGRESS_EVERY`]
/// rows and at the end.
struct Tally<'p> {
    stage: ProgressStage,
    done: usize,
    total: usize,
    report: &'p mut dyn FnMut(Progress),
}

impl<'p> Tally<'p> {
    fn start(stage: ProgressStage, total: usize, report: &'p mut dyn FnMut(Progress)) -> Self {
        let mut t = Tally {
            stage,
            done: 0,
            total,
            report,
        };
        t.send();
        t
    }

    fn send(&mut self) {
        (self.report)(Progress {
            stage: self.stage,
            done: self.done,
            total: self.total,
        });
    }

    fn row(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(PROGRESS_EVERY) && self.done < self.total {
            self.send();
        }
    }

    fn finish(&mut self) {
        self.done = self.total.max(self.done);
        self.send();
    }
}

/// The SHA-256 of a file, read in pieces.
fn file_sha256(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(Error::io(path))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hex(&hash.finalize()))
}

/// The keys an earlier row's client is found by within the sheet: folded given and
/// family name with the birth year, and the phone.
fn sheet_keys(r: &RowRecords) -> Vec<String> {
    let c = &r.client;
    let mut keys = Vec::new();
    if let (Some(g), Some(f)) = (c.given_name.as_deref(), c.family_name.as_deref()) {
        keys.push(format!(
            "n:{}|{}|{}",
            fold::skeleton(&fold::plain(g)),
            fold::skeleton(&fold::plain(f)),
            c.birth_year.unwrap_or(0)
        ));
    }
    if let Some(p) = c.phone.as_deref().and_then(fold::phone_key) {
        keys.push(format!("p:{p}"));
    }
    keys
}

fn display_name(r: &RowRecords) -> Option<String> {
    let name = [
        r.client.given_name.as_deref(),
        r.client.family_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Who a row names, to tell whether two rows under one client or case number are one
/// person: her folded name (given and family), birth year and phone, each compared only
/// when both rows have it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Who {
    name: Option<String>,
    birth_year: Option<i32>,
    phone: Option<String>,
    client_key: Option<String>,
}

impl Who {
    fn of(r: &RowRecords) -> Who {
        let c = &r.client;
        let name = match (c.given_name.as_deref(), c.family_name.as_deref()) {
            (Some(g), Some(f)) => Some(format!(
                "{}|{}",
                fold::skeleton(&fold::plain(g)),
                fold::skeleton(&fold::plain(f))
            )),
            _ => None,
        };
        Who {
            name,
            birth_year: c.birth_year,
            phone: c.phone.as_deref().and_then(fold::phone_key),
            client_key: r.client_key.clone(),
        }
    }

    /// Whether `other` is someone else: a field both have differs.
    fn differs(&self, other: &Who) -> bool {
        fn both<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if a != b)
        }
        both(&self.name, &other.name)
            || both(&self.birth_year, &other.birth_year)
            || both(&self.phone, &other.phone)
            || both(&self.client_key, &other.client_key)
    }
}

/// How rows are linked to the clients and cases of earlier rows, and which rows need a
/// decision. Shared by the dry run and the import so both see the same records.
struct Linker<C, K> {
    by_client_key: HashMap<String, C>,
    by_case_key: HashMap<String, (K, C)>,
    /// Who the first row of each client and case number named, and its row: a later row
    /// of the number naming someone else is a problem, never her record.
    who_by_client_key: HashMap<String, (Who, usize)>,
    who_by_case_key: HashMap<String, (Who, usize)>,
    by_sheet_key: HashMap<String, usize>,
    /// Whether earlier rows are remembered by name and phone (the dry run's duplicate
    /// check; the import has done it already).
    sheet_keys: bool,
    /// The clients of the rows a `same_as_row` decision points at (only those: memory does
    /// not grow with the sheet).
    by_row: HashMap<usize, C>,
    referenced: std::collections::HashSet<usize>,
    decisions: HashMap<usize, Decision>,
}

/// Where a row's client and case come from.
enum Link<C, K> {
    /// The case of an earlier row (same case key).
    Case(K, C),
    /// A client already known (same client key, an earlier row or the store): a new case.
    Client(C),
    /// A client in the store chosen by a decision.
    Existing(ClientId),
    /// A new client and case.
    New,
}

impl<C: Clone, K: Clone> Linker<C, K> {
    fn new(decisions: &[RowDecision], sheet_keys: bool) -> Self {
        Linker {
            by_client_key: HashMap::new(),
            by_case_key: HashMap::new(),
            who_by_client_key: HashMap::new(),
            who_by_case_key: HashMap::new(),
            by_sheet_key: HashMap::new(),
            sheet_keys,
            by_row: HashMap::new(),
            referenced: decisions
                .iter()
                .filter_map(|d| match d.decision {
                    Decision::SameAsRow { row } => Some(row),
                    _ => None,
                })
                .collect(),
            decisions: decisions
                .iter()
                .map(|d| (d.row, d.decision.clone()))
                .collect(),
        }
    }

    /// The row's problem when its client or case number is an earlier row's, of someone
    /// else (another name, birth year, phone or client number): linking it would put her
    /// case or incident in another person's file.
    fn conflict(&self, plan: &Plan<'_>, r: &RowRecords) -> Option<RowProblem> {
        // Who the row names is folded only for a row whose number an earlier row has (most
        // rows of a register have a number of their own).
        let who = std::cell::OnceCell::new();
        let who = || who.get_or_init(|| Who::of(r));
        if let Some(key) = &r.case_key
            && let Some((first, row)) = self.who_by_case_key.get(key)
            && first.differs(who())
        {
            return Some(RowProblem {
                row: r.row,
                column: Some(plan.header(Field::CaseKey)),
                message: format!(
                    "case number '{key}' is the case of row {row}, whose client differs from \
                     this row's (client number, name, birth year or phone); give this case its \
                     own number, or correct the row"
                ),
            });
        }
        if let Some(key) = &r.client_key
            && let Some((first, row)) = self.who_by_client_key.get(key)
            && first.differs(who())
        {
            return Some(RowProblem {
                row: r.row,
                column: Some(plan.header(Field::ClientKey)),
                message: format!(
                    "client number '{key}' is the client of row {row}, and this row's name, \
                     birth year or phone differ from hers; give this client her own number, \
                     or correct the row"
                ),
            });
        }
        None
    }

    /// The decision taken for the row, when it is the decision that links it (a row whose
    /// case or client number an earlier row has is linked by the number).
    fn decided(&self, r: &RowRecords) -> Option<&Decision> {
        let by_case = r
            .case_key
            .as_ref()
            .is_some_and(|k| self.by_case_key.contains_key(k));
        let by_client = r
            .client_key
            .as_ref()
            .is_some_and(|k| self.by_client_key.contains_key(k));
        if by_case || by_client {
            return None;
        }
        self.decisions.get(&r.row)
    }

    /// Where the row's records go; `Err` names a decision that points nowhere.
    fn link(&self, r: &RowRecords) -> Result<Link<C, K>> {
        if let Some(key) = &r.case_key
            && let Some((case, client)) = self.by_case_key.get(key)
        {
            return Ok(Link::Case(case.clone(), client.clone()));
        }
        if let Some(key) = &r.client_key
            && let Some(client) = self.by_client_key.get(key)
        {
            return Ok(Link::Client(client.clone()));
        }
        match self.decisions.get(&r.row) {
            None | Some(Decision::New) => Ok(Link::New),
            Some(Decision::Existing { client_id }) => Ok(Link::Existing(*client_id)),
            Some(Decision::SameAsRow { row }) => match self.by_row.get(row) {
                Some(c) if *row < r.row => Ok(Link::Client(c.clone())),
                _ => Err(Error::invalid(format!(
                    "row {}: the decision says it is the client of row {row}, which is not an \
                     earlier imported row; run the dry run again",
                    r.row
                ))),
            },
        }
    }

    /// Remembers the row's client and case for later rows.
    fn remember(&mut self, r: &RowRecords, client: C, case: K, new_client: bool) {
        if let Some(key) = &r.client_key {
            // Its client number is the map's key: not kept twice.
            self.who_by_client_key
                .entry(key.clone())
                .or_insert_with(|| {
                    let who = Who {
                        client_key: None,
                        ..Who::of(r)
                    };
                    (who, r.row)
                });
        }
        if let Some(key) = &r.case_key {
            self.who_by_case_key
                .entry(key.clone())
                .or_insert_with(|| (Who::of(r), r.row));
        }
        if let Some(key) = &r.client_key {
            self.by_client_key
                .entry(key.clone())
                .or_insert_with(|| client.clone());
        }
        if let Some(key) = &r.case_key {
            self.by_case_key
                .entry(key.clone())
                .or_insert_with(|| (case, client.clone()));
        }
        if new_client && self.sheet_keys {
            for key in sheet_keys(r) {
                self.by_sheet_key.entry(key).or_insert(r.row);
            }
        }
        if self.referenced.contains(&r.row) {
            self.by_row.insert(r.row, client);
        }
    }

    /// The earlier row with the same folded name and birth year, or phone.
    fn earlier(&self, r: &RowRecords) -> Option<usize> {
        sheet_keys(r)
            .iter()
            .filter_map(|k| self.by_sheet_key.get(k).copied())
            .min()
    }
}

/// Possible duplicates of a new client: in the store and in the sheet's earlier rows.
fn duplicates_of<C: Clone, K: Clone>(
    conn: &Connection,
    linker: &Linker<C, K>,
    r: &RowRecords,
) -> Result<Option<RowDuplicate>> {
    let has_identity =
        r.client.given_name.is_some() || r.client.family_name.is_some() || r.client.phone.is_some();
    if !has_identity {
        return Ok(None);
    }
    let existing = possible_duplicates(conn, &r.client)?;
    let earlier_row = linker.earlier(r);
    if existing.is_empty() && earlier_row.is_none() {
        return Ok(None);
    }
    Ok(Some(RowDuplicate {
        row: r.row,
        name: display_name(r),
        earlier_row,
        existing,
    }))
}

/// Refuses a decision that answers no possible duplicate of the row: an existing client who
/// is not one of the row's possible duplicates in the store, or an earlier row that is not
/// the one the row may be. Such a decision was made for another file, sheet or version of
/// the sheet (the CLI takes decisions from a file), and taking it would put the row's case
/// in a stranger's file.
fn check_decision<C: Clone, K: Clone>(
    conn: &Connection,
    linker: &Linker<C, K>,
    r: &RowRecords,
    decision: &Decision,
) -> Result<()> {
    let what = match decision {
        Decision::New => return Ok(()),
        Decision::Existing { client_id } => {
            let found = duplicates_of(conn, linker, r)?;
            if found.is_some_and(|d| d.existing.iter().any(|e| e.client_id == *client_id)) {
                return Ok(());
            }
            "a recorded client who is not one of the clients this row may be".to_owned()
        }
        Decision::SameAsRow { row } => {
            if linker.earlier(r) == Some(*row) {
                return Ok(());
            }
            format!("the client of row {row}, which is not the earlier row this row may be")
        }
    };
    Err(Error::invalid(format!(
        "row {}: the decision says she is {what} (a decision made for another file, sheet or \
         version of it?); run the dry run again and decide on the rows it lists; nothing was \
         imported",
        r.row
    )))
}

impl Store {
    fn require_import_role(&self) -> Result<()> {
        if self.role()? == Role::Administrator.code() {
            Ok(())
        } else {
            Err(Error::NotAllowed(
                "only a centre administrator may import or undo records from a spreadsheet; \
                 ask the centre administrator"
                    .into(),
            ))
        }
    }

    /// Checks every row of `path` against `mapping` without writing any record. When rows
    /// with possible duplicates are shown, the access log records that identities were
    /// viewed (the list shows names).
    pub fn sheet_dry_run(
        &self,
        path: &Path,
        read: &ReadOptions,
        mapping: &Mapping,
        decisions: &[RowDecision],
    ) -> Result<DryRun> {
        self.sheet_dry_run_with_progress(path, read, mapping, decisions, &mut |_| {})
    }

    /// [`Store::sheet_dry_run`], telling `progress` how many rows have been checked.
    pub fn sheet_dry_run_with_progress(
        &self,
        path: &Path,
        read: &ReadOptions,
        mapping: &Mapping,
        decisions: &[RowDecision],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<DryRun> {
        self.require_import_role()?;
        let out = self
            .check_sheet(path, read, mapping, decisions, progress)?
            .0;
        if out.duplicates.iter().any(|d| !d.existing.is_empty()) {
            let shown: usize = out.duplicates.iter().map(|d| d.existing.len()).sum();
            self.log_access(
                Action::ViewIdentity,
                None,
                Some(&format!(
                    "spreadsheet import dry run: {shown} possible existing client(s) shown"
                )),
            )?;
        }
        Ok(out)
    }

    /// The dry run's reading and checking, without the access log.
    fn check_sheet(
        &self,
        path: &Path,
        read: &ReadOptions,
        mapping: &Mapping,
        decisions: &[RowDecision],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(DryRun, usize)> {
        let sha256 = file_sha256(path)?;
        let mut sheet = Sheet::open(path, read)?;
        let plan = Plan::new(mapping, &sheet.headers, self.ctx.codes())?;
        let total = sheet.row_count(path, read)?;
        let mut tally = Tally::start(ProgressStage::Check, total, progress);
        let mut out = DryRun {
            format: sheet.format.clone(),
            sheet: sheet.sheet.clone(),
            sheets: sheet.sheets.clone(),
            unread_sheets: sheet.unread_sheets(),
            sha256,
            ..DryRun::default()
        };
        let mut unknown = BTreeMap::new();
        // Rows stand for clients and cases here: nothing is written.
        let mut linker: Linker<usize, usize> = Linker::new(decisions, true);
        while let Some(row) = sheet.next_row() {
            let row = row?;
            tally.row();
            match plan.row(row.number, &row.cells, &mut unknown) {
                RowOutcome::Blank => out.blank_rows += 1,
                RowOutcome::Total => {
                    out.rows += 1;
                    out.total_rows.push(row.number);
                }
                RowOutcome::Problems(problems) => {
                    out.rows += 1;
                    out.rows_with_problems += 1;
                    for p in problems {
                        if out.problems.len() < MAX_LISTED_PROBLEMS {
                            out.problems.push(p);
                        }
                    }
                }
                RowOutcome::Records(r) => {
                    out.rows += 1;
                    if let Some(p) = linker.conflict(&plan, &r) {
                        out.rows_with_problems += 1;
                        if out.problems.len() < MAX_LISTED_PROBLEMS {
                            out.problems.push(p);
                        }
                        continue;
                    }
                    out.rows_ready += 1;
                    if let Some(decision) = linker.decided(&r) {
                        check_decision(&self.conn, &linker, &r, decision)?;
                    }
                    let (client, case, new_client) = match linker.link(&r)? {
                        Link::Case(case, client) => (client, case, false),
                        Link::Client(client) => {
                            out.will_create.cases += 1;
                            (client, r.row, false)
                        }
                        Link::Existing(_) => {
                            out.will_create.cases += 1;
                            (r.row, r.row, false)
                        }
                        Link::New => {
                            if let Some(d) = duplicates_of(&self.conn, &linker, &r)? {
                                out.duplicates.push(d);
                            }
                            out.will_create.clients += 1;
                            out.will_create.cases += 1;
                            (r.row, r.row, true)
                        }
                    };
                    out.will_create.incidents += usize::from(r.incident.is_some());
                    out.will_create.children += r.children.len();
                    linker.remember(&r, client, case, new_client);
                }
            }
        }
        out.unknown_values = unknown
            .into_iter()
            .map(|((list, column, value), count)| UnknownValue {
                list,
                column,
                value,
                count,
            })
            .collect();
        tally.finish();
        Ok((out, total))
    }

    /// Imports `path` through `mapping` in one transaction (see the module docs). Nothing
    /// is written when it fails.
    pub fn sheet_import(
        &mut self,
        path: &Path,
        mapping: &Mapping,
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        self.sheet_import_with_progress(path, mapping, options, &mut |_| {})
    }

    /// [`Store::sheet_import`], telling `progress` how many rows have been checked, then
    /// written.
    pub fn sheet_import_with_progress(
        &mut self,
        path: &Path,
        mapping: &Mapping,
        options: &ImportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport> {
        self.require_import_role()?;
        let sha256 = file_sha256(path)?;
        if let Some(expected) = &options.expected_sha256
            && *expected != sha256
        {
            return Err(Error::invalid(
                "the file has changed since the dry run; run the dry run again",
            ));
        }
        let source_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Every row checked and every new client's duplicates looked for against the store
        // as it is before the import, before anything is written.
        let (checked, total) =
            self.check_sheet(path, &options.read, mapping, &options.decisions, progress)?;
        if checked.sha256 != sha256 {
            return Err(Error::invalid(
                "the file changed while it was read; close it in other programs and import again",
            ));
        }
        if let Some(first) = checked.problems.first()
            && !options.skip_rows_with_problems
        {
            return Err(Error::invalid(format!(
                "row {} cannot be imported ({}{}); nothing was imported — correct the sheet or \
                 the mapping, or choose to leave such rows out",
                first.row,
                first
                    .column
                    .as_deref()
                    .map(|c| format!("column '{c}': "))
                    .unwrap_or_default(),
                first.message
            )));
        }
        let decided: std::collections::HashSet<usize> =
            options.decisions.iter().map(|d| d.row).collect();
        if let Some(d) = checked
            .duplicates
            .iter()
            .find(|d| !decided.contains(&d.row))
        {
            return Err(Error::invalid(format!(
                "row {} may be a client already recorded or an earlier row; decide in the dry \
                 run whether she is new, then import again (nothing was imported)",
                d.row
            )));
        }
        let codes = self.ctx.codes();
        // The write pass runs more distinct statements per row than rusqlite's default cache
        // holds (16): a cache that small would prepare most of them again on every row.
        self.conn
            .set_prepared_statement_cache_capacity(IMPORT_STATEMENT_CACHE);
        let result = self.batch(|b| {
            crate::phase::mark("sheets:transaction");
            // One full-text insert per chunk of new cases, not per case (see
            // `Batch::defer_search_index`); all written before the commit.
            b.defer_search_index();
            let mut sheet = Sheet::open(path, &options.read)?;
            let plan = Plan::new(mapping, &sheet.headers, codes)?;
            let batch_id = uuid::Uuid::now_v7().to_string();
            b.tx.execute(
                "INSERT INTO import_batch (id, created_at, created_by, source_name,
                     source_sha256, mapping_name, rows_imported)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
                params![
                    batch_id,
                    b.now,
                    b.ctx.user(),
                    source_name,
                    sha256,
                    mapping.name
                ],
            )?;
            let mut report = ImportReport {
                batch_id: batch_id.clone(),
                sheet: checked.sheet.clone(),
                unread_sheets: checked.unread_sheets.clone(),
                rows_imported: 0,
                rows_skipped: Vec::new(),
                created: Counts::default(),
            };
            let mut unknown = BTreeMap::new();
            let mut linker: Linker<ClientId, CaseId> = Linker::new(&options.decisions, false);
            let mut tally = Tally::start(ProgressStage::Write, total, progress);
            let mut tags = Tags::default();
            while let Some(row) = sheet.next_row() {
                let row = row?;
                tally.row();
                let r = match plan.row(row.number, &row.cells, &mut unknown) {
                    RowOutcome::Blank | RowOutcome::Total => continue,
                    RowOutcome::Problems(problems) => {
                        if options.skip_rows_with_problems {
                            report.rows_skipped.extend(problems);
                            continue;
                        }
                        // The check pass found none: the file changed in between.
                        return Err(Error::invalid(
                            "the file changed while it was read; import again",
                        ));
                    }
                    RowOutcome::Records(r) => r,
                };
                if let Some(p) = linker.conflict(&plan, &r) {
                    if options.skip_rows_with_problems {
                        report.rows_skipped.push(p);
                        continue;
                    }
                    return Err(Error::invalid(
                        "the file changed while it was read; import again",
                    ));
                }
                // Tags the record just written with its batch, row and version: the write
                // stamped it with the context's clock, and nothing has stamped since. The
                // undo compares this version with the record's.
                // The tags are written a chunk at a time (`Tags`), all before the commit.
                let mut tag = |b: &mut Batch<'_>, kind: &'static str, id: &str| -> Result<()> {
                    let version = b.ctx.hlc.to_sql();
                    tags.push(&b.tx, &batch_id, kind, id, r.row, version)
                };
                let (client, case, new_client) = match linker.link(&r)? {
                    Link::Case(case, client) => (client, case, false),
                    link => {
                        let (client, new_client) = match link {
                            Link::Client(c) => (c, false),
                            Link::Existing(c) => (c, false),
                            _ => {
                                let id =
                                    b.create_client(&r.client).map_err(|e| at_row(r.row, e))?;
                                tag(b, "client", &id.to_string())?;
                                report.created.clients += 1;
                                (id, true)
                            }
                        };
                        let case = b
                            .open_case(&NewCase {
                                client_id: client,
                                opened_on: r.opened_on,
                                fields: r.case.clone(),
                            })
                            .map_err(|e| at_row(r.row, e))?;
                        tag(b, "case_file", &case.to_string())?;
                        report.created.cases += 1;
                        (client, case, new_client)
                    }
                };
                if let Some(incident) = &r.incident {
                    let id: IncidentId = b
                        .record_incident(case, incident)
                        .map_err(|e| at_row(r.row, e))?;
                    tag(b, "incident", &id.to_string())?;
                    report.created.incidents += 1;
                }
                for child in &r.children {
                    let id: ChildId = b.add_child(case, child).map_err(|e| at_row(r.row, e))?;
                    tag(b, "child", &id.to_string())?;
                    report.created.children += 1;
                }
                report.rows_imported += 1;
                linker.remember(&r, client, case, new_client);
            }
            tags.flush(&b.tx, &batch_id)?;
            tally.finish();
            b.tx.execute(
                "UPDATE import_batch SET rows_imported = ?1 WHERE id = ?2",
                params![report.rows_imported as i64, batch_id],
            )?;
            crate::audit::append(
                &b.tx,
                b.ctx.user(),
                Action::Import,
                None,
                Some(&format!(
                    "spreadsheet import {batch_id}: {} rows, {} clients, {} cases",
                    report.rows_imported, report.created.clients, report.created.cases
                )),
            )?;
            // The bytes written are the bytes checked.
            if file_sha256(path)? != sha256 {
                return Err(Error::invalid(
                    "the file changed while it was imported; nothing was imported — import again",
                ));
            }
            crate::phase::mark("sheets:before-commit");
            Ok(report)
        });
        if result.is_ok() {
            crate::phase::mark("sheets:committed");
        }
        result
    }

    /// Undoes an import batch: every record it created is tombstoned, in one transaction.
    /// Refused when any of them was changed or deleted since, or when other records were
    /// added to its cases or clients.
    pub fn sheet_undo(&mut self, batch_id: &str) -> Result<UndoReport> {
        self.require_import_role()?;
        let state: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT undone_at FROM import_batch WHERE id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()?;
        match state {
            None => {
                return Err(Error::NotFound {
                    what: "import batch",
                    id: batch_id.to_owned(),
                });
            }
            Some(Some(_)) => {
                return Err(Error::invalid("this import has already been undone"));
            }
            Some(None) => {}
        }
        check_untouched(&self.conn, batch_id)?;
        self.batch(|b| {
            let mut records = 0;
            for kind in ["incident", "child", "case_file", "client"] {
                let ids: Vec<String> =
                    b.tx.prepare(
                        "SELECT record_id FROM import_record WHERE batch_id = ?1 AND kind = ?2
                         ORDER BY source_row DESC",
                    )?
                    .query_map(params![batch_id, kind], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for id in ids {
                    match kind {
                        "incident" => b.delete(IncidentId::parse(&id)?)?,
                        "child" => b.delete(ChildId::parse(&id)?)?,
                        "case_file" => b.delete(CaseId::parse(&id)?)?,
                        _ => b.delete(ClientId::parse(&id)?)?,
                    }
                    records += 1;
                }
            }
            b.tx.execute(
                "UPDATE import_batch SET undone_at = ?1, undone_by = ?2 WHERE id = ?3",
                params![b.now, b.ctx.user(), batch_id],
            )?;
            crate::audit::append(
                &b.tx,
                b.ctx.user(),
                Action::Import,
                None,
                Some(&format!(
                    "spreadsheet import {batch_id} undone: {records} records"
                )),
            )?;
            Ok(UndoReport {
                batch_id: batch_id.to_owned(),
                records,
            })
        })
    }
}

/// The `import_record` rows of the records written, held to be inserted a chunk at a time
/// in multi-row INSERTs (`cases::write::insert_rows`): one INSERT per record cost a
/// statement (with its statement journal and savepoints) per record.
#[derive(Default)]
struct Tags {
    rows: Vec<(&'static str, String, i64, i64)>,
}

impl Tags {
    /// How many tags are held before they are written.
    const CHUNK: usize = 1_000;

    fn push(
        &mut self,
        tx: &Connection,
        batch_id: &str,
        kind: &'static str,
        id: &str,
        row: usize,
        version: i64,
    ) -> Result<()> {
        self.rows.push((
            kind,
            id.to_owned(),
            i64::try_from(row).unwrap_or(i64::MAX),
            version,
        ));
        if self.rows.len() >= Self::CHUNK {
            self.flush(tx, batch_id)?;
        }
        Ok(())
    }

    fn flush(&mut self, tx: &Connection, batch_id: &str) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(5 * self.rows.len());
        for (kind, id, row, version) in &self.rows {
            values.extend([&batch_id as &dyn rusqlite::ToSql, kind, id, row, version]);
        }
        crate::cases::write::insert_rows(
            tx,
            "INSERT INTO import_record (batch_id, kind, record_id, source_row, hlc) VALUES",
            5,
            &values,
        )?;
        self.rows.clear();
        Ok(())
    }
}

/// A write error with the sheet row it came from.
fn at_row(row: usize, e: Error) -> Error {
    match e {
        Error::InvalidInput(m) => Error::invalid(format!("row {row}: {m}; nothing was imported")),
        other => other,
    }
}

/// Refuses an undo when anything touched the batch's records since the import.
fn check_untouched(conn: &Connection, batch_id: &str) -> Result<()> {
    let refuse = |row: i64, what: &str| {
        Err(Error::invalid(format!(
            "this import cannot be undone: {what} (first at sheet row {row}); change those \
             records by hand instead"
        )))
    };
    for kind in ["client", "case_file", "incident", "child"] {
        let moved: Option<i64> = conn.query_row(
            &format!(
                "SELECT min(r.source_row) FROM import_record r JOIN {kind} t ON t.id = r.record_id
                 WHERE r.batch_id = ?1 AND r.kind = '{kind}'
                   AND (t.hlc != r.hlc OR t.deleted_at IS NOT NULL)"
            ),
            [batch_id],
            |r| r.get(0),
        )?;
        if let Some(row) = moved {
            return refuse(row, "a record it created has been changed or deleted since");
        }
    }
    // Every record table with a case: nothing but this batch's own records in its cases —
    // another import's records count as anyone else's (a later import may open a case for a
    // client this one created).
    let tables: Vec<String> = conn
        .prepare(
            "SELECT m.name FROM sqlite_master m
             WHERE m.type = 'table'
               AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'case_id')
               AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'deleted_at')
               AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'id')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        let added: Option<i64> = conn.query_row(
            &format!(
                "SELECT min(r.source_row) FROM \"{table}\" t
                 JOIN import_record r ON r.kind = 'case_file' AND r.record_id = t.case_id
                 WHERE r.batch_id = ?1 AND t.deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM import_record x
                                   WHERE x.batch_id = ?1 AND x.kind = '{table}'
                                     AND x.record_id = t.id)"
            ),
            [batch_id],
            |r| r.get(0),
        )?;
        if let Some(row) = added {
            return refuse(row, "records have been added to a case it created");
        }
    }
    let other_case: Option<i64> = conn.query_row(
        "SELECT min(r.source_row) FROM case_file c
         JOIN import_record r ON r.kind = 'client' AND r.record_id = c.client_id
         WHERE r.batch_id = ?1 AND c.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM import_record x
                           WHERE x.batch_id = ?1 AND x.kind = 'case_file'
                             AND x.record_id = c.id)",
        [batch_id],
        |r| r.get(0),
    )?;
    if let Some(row) = other_case {
        return refuse(row, "a client it created has a case opened since");
    }
    Ok(())
}

/// An import batch as the list of imports shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportBatch {
    /// The batch id.
    pub id: String,
    /// When it was imported (RFC 3339).
    pub created_at: String,
    /// Who imported it.
    pub created_by: String,
    /// The file's name (no folder).
    pub source_name: String,
    /// The mapping used.
    pub mapping_name: String,
    /// Rows imported.
    pub rows_imported: i64,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
}

impl Store {
    /// The import batches, newest first.
    pub fn sheet_batches(&self) -> Result<Vec<ImportBatch>> {
        self.require_import_role()?;
        Ok(self
            .conn
            .prepare(
                "SELECT id, created_at, created_by, source_name, mapping_name, rows_imported,
                        undone_at
                 FROM import_batch ORDER BY created_at DESC, id DESC",
            )?
            .query_map([], |r| {
                Ok(ImportBatch {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    created_by: r.get(2)?,
                    source_name: r.get(3)?,
                    mapping_name: r.get(4)?,
                    rows_imported: r.get(5)?,
                    undone_at: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}

/// The current time, for saved mappings.
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339()
}
