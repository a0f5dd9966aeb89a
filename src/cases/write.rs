//! Every write to the case record goes through a [`Batch`]: one SQLite transaction that
//! stamps each record with its owner and a hybrid-logical-clock version, appends to the
//! change log, and keeps the search index and the derived case columns in step.
//!
//! Events (incidents, service contacts, referrals, consents, notes, closures) are
//! append-only: a correction is a new row that supersedes the old one. Mutable records
//! (client, case, child, protection order) are updated in place with a new version.
//! Deletion is a tombstone (`deleted_at`), so that it propagates in a bundle.

use chrono::{Datelike, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::model::{
    CaseFields, ChildFields, ClientFields, ConsentFields, IncidentFields, NewCase, NoteFields,
    ProtectionOrderFields, ReferralFields, ServiceContactFields, Tri,
};
use crate::crypto::hex;
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::{
    CaseId, ChildId, ClientId, ConsentEventId, DocumentId, IncidentId, NoteId, ProtectionOrderId,
    RecordKey, ReferralId, ServiceContactId, StatusEventId,
};
use crate::store::WriteContext;
use crate::store::search_index;

/// The largest document the store accepts, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// One transaction of writes. Created by [`crate::Store::batch`]; everything in it is
/// committed together or not at all.
pub struct Batch<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) ctx: &'a mut WriteContext,
    pub(crate) now: String,
    /// Cases changed in this batch: each gets one `change` entry in the access log.
    pub(crate) touched: Vec<CaseId>,
    /// The same cases as a set, so that a batch of many cases (a spreadsheet import) checks
    /// each in constant time.
    pub(crate) touched_set: std::collections::HashSet<CaseId>,
    /// Cases already checked to be live and ours in this batch (a batch that adds many
    /// sub-records to one case checks it once). Cleared whenever a case's state changes.
    pub(crate) live: Vec<CaseId>,
    /// New cases' full-text rows held to be written a chunk at a time
    /// ([`Batch::defer_search_index`]); `None`: written at once.
    pub(crate) search_pending: Option<search_index::PendingFts>,
    /// Change-log rows not yet written: every write's row is held here and written a chunk
    /// at a time, in order, in multi-row INSERTs ([`Batch::flush_change_log`]), all before
    /// the batch commits. Nothing reads the change log inside a batch.
    pub(crate) log_pending: Vec<LogRow>,
    /// The installation's case-number series, once read in this batch.
    pub(crate) case_series: Option<String>,
}

/// A change-log row: kind (table), record id, version, operation.
pub(crate) type LogRow = (&'static str, String, i64, &'static str);

/// How many rows one multi-row INSERT of [`insert_rows`] writes.
const ROWS_PER_INSERT: usize = 50;
/// How many change-log rows a batch holds before writing them.
const LOG_HELD: usize = 500;

/// Inserts rows of `width` values each (`values`, row after row, in order) with `head`
/// (`INSERT INTO t (a, b) VALUES`): [`ROWS_PER_INSERT`] rows per statement, the rest one
/// statement per row; both statements prepared once and cached. For the rows a batch
/// holds to write together (change log, import tags).
pub(crate) fn insert_rows(
    conn: &rusqlite::Connection,
    head: &str,
    width: usize,
    values: &[&dyn rusqlite::ToSql],
) -> Result<()> {
    if width == 0 {
        return Ok(());
    }
    let one = format!("({})", vec!["?"; width].join(", "));
    let mut chunks = values.chunks_exact(ROWS_PER_INSERT * width);
    if chunks.len() > 0 {
        let sql = format!("{head} {}", vec![one.as_str(); ROWS_PER_INSERT].join(", "));
        let mut many = conn.prepare_cached(&sql)?;
        for chunk in &mut chunks {
            many.execute(chunk)?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut single = conn.prepare_cached(&format!("{head} {one}"))?;
        for row in rest.chunks_exact(width) {
            single.execute(row)?;
        }
    }
    Ok(())
}

/// A column name and its value.
type Col = (&'static str, Value);

fn txt(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn opt_txt(s: Option<&str>) -> Value {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Value::Text(s.to_owned()),
        None => Value::Null,
    }
}

fn date(d: NaiveDate) -> Value {
    Value::Text(d.to_string())
}

fn opt_date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, date)
}

fn tri(t: Tri) -> Value {
    txt(t.code())
}

fn int(i: i64) -> Value {
    Value::Integer(i)
}

impl Batch<'_> {
    // ---- the machinery shared by every record type -------------------------------------

    /// From now on in this batch, the full-text rows of new cases are written a chunk at a
    /// time (see `search_index::PendingFts`), and all before the batch commits. For a batch
    /// that opens many cases (the spreadsheet import).
    pub fn defer_search_index(&mut self) {
        self.search_pending.get_or_insert_with(Default::default);
    }

    /// Writes the held full-text rows (before anything else touches the index).
    pub(crate) fn flush_search_index(&mut self) -> Result<()> {
        match &mut self.search_pending {
            Some(pending) => pending.flush(&self.tx),
            None => Ok(()),
        }
    }

    fn stamp(&mut self) -> Hlc {
        self.ctx.hlc = self.ctx.hlc.tick(Hlc::wall_clock_millis());
        self.ctx.hlc
    }

    /// Appends a change-log row (held; see `log_pending`).
    fn log(&mut self, kind: &'static str, id: &str, hlc: Hlc, op: &'static str) -> Result<()> {
        self.log_pending
            .push((kind, id.to_owned(), hlc.to_sql(), op));
        if self.log_pending.len() >= LOG_HELD {
            self.flush_change_log()?;
        }
        Ok(())
    }

    /// Writes the held change-log rows, in the order they were logged ([`insert_rows`]).
    /// One statement per row cost a statement, and an update of the AUTOINCREMENT
    /// counter, per row.
    pub(crate) fn flush_change_log(&mut self) -> Result<()> {
        if self.log_pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.log_pending);
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(4 * rows.len());
        for (kind, id, hlc, op) in &rows {
            values.extend([kind as &dyn rusqlite::ToSql, id, hlc, op]);
        }
        insert_rows(
            &self.tx,
            "INSERT INTO change_log (kind, record_id, hlc, op) VALUES",
            4,
            &values,
        )
    }

    fn touch(&mut self, case: CaseId) {
        if self.touched_set.insert(case) {
            self.touched.push(case);
        }
    }

    fn check(&self, list: &str, code: &str) -> Result<()> {
        self.ctx.codes.check(list, code)
    }

    /// Inserts a record row with its sync columns and logs it.
    pub(crate) fn insert(&mut self, table: &'static str, id: &str, cols: Vec<Col>) -> Result<()> {
        let hlc = self.stamp();
        let mut names =
            String::from("id, owner_centre, owner_install, hlc, created_at, created_by");
        let mut marks = String::from("?, ?, ?, ?, ?, ?");
        let mut values: Vec<Value> = vec![
            txt(id),
            txt(&self.ctx.centre),
            txt(&self.ctx.install),
            int(hlc.to_sql()),
            txt(&self.now),
            txt(&self.ctx.user),
        ];
        for (name, value) in cols {
            names.push_str(", ");
            names.push_str(name);
            marks.push_str(", ?");
            values.push(value);
        }
        let sql = format!("INSERT INTO {table} ({names}) VALUES ({marks})");
        self.tx
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))?;
        self.log(table, id, hlc, "put")
    }

    /// Updates a live record this centre owns, with a new version, and logs it. A save that
    /// changes no value is no change: no new version, nothing logged (the computers of a
    /// centre would otherwise disagree on a version no field change explains).
    pub(crate) fn update(&mut self, table: &'static str, id: &str, cols: Vec<Col>) -> Result<()> {
        let hlc = self.stamp();
        let mut sets = String::from("hlc = ?");
        let mut values: Vec<Value> = vec![int(hlc.to_sql())];
        let mut differs: Vec<String> = Vec::new();
        let mut compared: Vec<Value> = Vec::new();
        for (name, value) in cols {
            sets.push_str(", ");
            sets.push_str(name);
            sets.push_str(" = ?");
            differs.push(format!("{name} IS NOT ?"));
            compared.push(value.clone());
            values.push(value);
        }
        values.push(txt(id));
        values.push(txt(&self.ctx.centre));
        let live = "WHERE id = ? AND owner_centre = ? AND deleted_at IS NULL";
        let sql = if differs.is_empty() {
            format!("UPDATE {table} SET {sets} {live}")
        } else {
            values.extend(compared);
            format!(
                "UPDATE {table} SET {sets} {live} AND ({})",
                differs.join(" OR ")
            )
        };
        let changed = self
            .tx
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))?;
        if changed == 0 {
            let exists: bool = self
                .tx
                .prepare_cached(&format!("SELECT EXISTS (SELECT 1 FROM {table} {live})"))?
                .query_row(params![id, self.ctx.centre], |r| r.get(0))?;
            if exists {
                return Ok(());
            }
            return Err(self.missing(table, id));
        }
        self.log(table, id, hlc, "put")
    }

    fn missing(&self, table: &str, id: &str) -> Error {
        let owner: Option<(String, Option<String>)> = self
            .tx
            .query_row(
                &format!("SELECT owner_centre, deleted_at FROM {table} WHERE id = ?1"),
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .unwrap_or(None);
        let what = self.describe(table, id);
        match owner {
            None => Error::NotFound {
                what: kind_name(table),
                id: id.to_owned(),
            },
            Some((_, Some(_))) => {
                Error::invalid(format!("{what} was deleted; it cannot be changed"))
            }
            Some((centre, None)) => Error::invalid(format!(
                "{what} belongs to centre {centre}; it can only be read here, and only that \
                 centre can change it"
            )),
        }
    }

    /// How a record is named in a message: a case by its number, anything else as "this
    /// …" — never by its internal id.
    fn describe(&self, table: &str, id: &str) -> String {
        let what = kind_name(table);
        if table == "case_file" {
            let number: Option<String> = self
                .tx
                .query_row(
                    "SELECT case_number FROM case_file WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()
                .unwrap_or(None);
            if let Some(number) = number {
                return format!("case {number}");
            }
        }
        format!("this {what}")
    }

    /// The case a sub-record goes into: it must exist, be live and be ours.
    pub(crate) fn live_case(&mut self, case: CaseId) -> Result<()> {
        self.touch(case);
        if self.live.contains(&case) {
            return Ok(());
        }
        let ok: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT 1 FROM case_file WHERE id = ?1 AND deleted_at IS NULL AND owner_centre = ?2",
            )?
            .query_row(params![case, self.ctx.centre], |r| r.get(0))
            .optional()?;
        match ok {
            Some(_) => {
                self.remember_live(case);
                Ok(())
            }
            None => Err(self.missing("case_file", &case.to_string())),
        }
    }

    /// The case of the sub-record `id` of `table` (a child, an order, an appointment) a
    /// change goes into: it must be live and ours ([`Batch::live_case`]), and the change is
    /// one of that case's. A record that does not exist is left to the write to name.
    pub(crate) fn record_live_case(&mut self, table: &'static str, id: &str) -> Result<()> {
        let case: Option<CaseId> = self
            .tx
            .prepare_cached(&format!("SELECT case_id FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get(0))
            .optional()?;
        match case {
            Some(case) => self.live_case(case),
            None => Ok(()),
        }
    }

    /// Remembers that `case` is live and ours (until a case's state changes).
    fn remember_live(&mut self, case: CaseId) {
        if self.live.len() >= 64 {
            self.live.clear();
        }
        self.live.push(case);
    }

    /// The case of the current (not superseded, not deleted) event `old`, which a
    /// correction will supersede; the case must be live and ours.
    pub(crate) fn current_event_case(&mut self, table: &'static str, old: &str) -> Result<CaseId> {
        let row: Option<(CaseId, Option<String>, String, bool)> = self
            .tx
            .prepare_cached(&format!(
                "SELECT case_id, deleted_at, owner_centre,
                        EXISTS (SELECT 1 FROM {table} n WHERE n.supersedes = o.id)
                 FROM {table} o WHERE id = ?1"
            ))?
            .query_row([old], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        let what = kind_name(table);
        match row {
            None => Err(Error::NotFound {
                what,
                id: old.to_owned(),
            }),
            Some((_, Some(_), _, _)) => Err(Error::invalid(format!(
                "this {what} was deleted; record a new one instead"
            ))),
            Some((_, None, owner, _)) if owner != self.ctx.centre => Err(Error::invalid(format!(
                "this {what} belongs to centre {owner}; it can only be read here, and only \
                 that centre can correct it"
            ))),
            Some((_, None, _, true)) => Err(Error::invalid(format!(
                "this {what} was already corrected; correct its newest version"
            ))),
            Some((case, None, _, false)) => {
                // A deleted case's events stay current: the case itself must be live.
                self.live_case(case)?;
                Ok(case)
            }
        }
    }

    /// Records a correction: a new version of the current event `old` (same table, same
    /// case) that supersedes it, with the columns `cols` makes once `old` is known to be
    /// current (it is given the case). Returns the new version's id and the case.
    pub(crate) fn supersede<K: RecordKey + Default>(
        &mut self,
        old: K,
        cols: impl FnOnce(&mut Self, CaseId) -> Result<Vec<Col>>,
    ) -> Result<(K, CaseId)> {
        let case = self.current_event_case(K::TABLE, &old.to_string())?;
        let cols = cols(self, case)?;
        let id = K::default();
        self.append_event(
            K::TABLE,
            &id.to_string(),
            case,
            Some(&old.to_string()),
            cols,
        )?;
        Ok((id, case))
    }

    /// Tombstones a record: it stays, marked deleted, so that the deletion propagates.
    pub fn delete<K: RecordKey>(&mut self, id: K) -> Result<()> {
        self.flush_search_index()?;
        let table = K::TABLE;
        self.live.clear();
        let id = id.to_string();
        let hlc = self.stamp();
        let extra = if table == "document" {
            ", content = NULL"
        } else {
            ""
        };
        let changed = self
            .tx
            .prepare_cached(&format!(
                "UPDATE {table} SET deleted_at = ?1, hlc = ?2{extra}
                 WHERE id = ?3 AND owner_centre = ?4 AND deleted_at IS NULL"
            ))?
            .execute(params![self.now, hlc.to_sql(), id, self.ctx.centre])?;
        if changed == 0 {
            return Err(self.missing(table, &id));
        }
        self.log(table, &id, hlc, "delete")?;
        if table == "case_file" {
            self.touch(CaseId::parse(&id)?);
        } else if table != "client" {
            let case: CaseId = self.tx.query_row(
                &format!("SELECT case_id FROM {table} WHERE id = ?1"),
                [&id],
                |r| r.get(0),
            )?;
            self.touch(case);
        }
        match table {
            "note" => search_index::unindex(&self.tx, &id)?,
            "case_file" => search_index::unindex(&self.tx, &id)?,
            "service_contact" => {
                let case: CaseId = self.tx.query_row(
                    "SELECT case_id FROM service_contact WHERE id = ?1",
                    [&id],
                    |r| r.get(0),
                )?;
                self.refresh_first_contact(case)?;
            }
            "client" => {
                let live: i64 = self.tx.query_row(
                    "SELECT count(*) FROM case_file WHERE client_id = ?1 AND deleted_at IS NULL",
                    [&id],
                    |r| r.get(0),
                )?;
                if live > 0 {
                    return Err(Error::invalid(format!(
                        "this client still has {live} case(s); delete or transfer them first"
                    )));
                }
            }
            _ => {}
        }
        Ok(())
    }

    // ---- clients ---------------------------------------------------------------------

    fn client_cols(&self, f: &ClientFields) -> Result<Vec<Col>> {
        self.check("sex", &f.sex)?;
        let age_band = match (f.birth_year, f.age_band.as_deref()) {
            (Some(year), _) => {
                let this_year = Utc::now().year();
                if !(1900..=this_year).contains(&year) {
                    return Err(Error::invalid(format!(
                        "birth year {year} is not plausible; leave it empty if unknown"
                    )));
                }
                age_band_for(this_year - year).to_owned()
            }
            (None, Some(band)) => {
                self.check("age_band", band)?;
                band.to_owned()
            }
            (None, None) => "unknown".to_owned(),
        };
        let cs = &f.contact_safety;
        Ok(vec![
            ("given_name", opt_txt(f.given_name.as_deref())),
            ("family_name", opt_txt(f.family_name.as_deref())),
            ("phone", opt_txt(f.phone.as_deref())),
            ("address", opt_txt(f.address.as_deref())),
            ("sex", txt(&f.sex)),
            (
                "birth_year",
                f.birth_year.map_or(Value::Null, |y| int(y.into())),
            ),
            ("age_band", Value::Text(age_band)),
            ("municipality", opt_txt(f.municipality.as_deref())),
            ("disability", tri(f.disability)),
            ("migrant", tri(f.migrant)),
            ("language", opt_txt(f.language.as_deref())),
            ("safe_to_call", tri(cs.safe_to_call)),
            ("safe_to_text", tri(cs.safe_to_text)),
            ("safe_to_visit", tri(cs.safe_to_visit)),
            (
                "if_someone_else_answers",
                opt_txt(cs.if_someone_else_answers.as_deref()),
            ),
            ("safety_notes", opt_txt(cs.notes.as_deref())),
        ])
    }

    /// Registers a client. A pseudonym is generated when none is given.
    pub fn create_client(&mut self, f: &ClientFields) -> Result<ClientId> {
        let mut cols = self.client_cols(f)?;
        let pseudonym = match f
            .pseudonym
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => {
                check_pseudonym(p)?;
                p.to_owned()
            }
            None => self.new_pseudonym()?,
        };
        cols.push(("pseudonym", Value::Text(pseudonym)));
        let id = ClientId::new();
        self.insert("client", &id.to_string(), cols).map_err(|e| {
            unique_violation(
                e,
                "pseudonym",
                "another client already has this pseudonym; choose another",
            )
        })?;
        Ok(id)
    }

    /// Changes a client's details (all fields as given) and keeps a revision with every
    /// field before and after (`client_history`).
    pub fn update_client(&mut self, id: ClientId, f: &ClientFields) -> Result<()> {
        self.flush_search_index()?;
        let before = super::client_history::current(&self.tx, id)?.map(|(fields, _, _)| fields);
        let mut cols = self.client_cols(f)?;
        if let Some(p) = f
            .pseudonym
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            check_pseudonym(p)?;
            cols.push(("pseudonym", txt(p)));
        }
        self.update("client", &id.to_string(), cols).map_err(|e| {
            unique_violation(
                e,
                "pseudonym",
                "another client already has this pseudonym; choose another",
            )
        })?;
        let cases: Vec<CaseId> = self
            .tx
            .prepare_cached("SELECT id FROM case_file WHERE client_id = ?1 AND deleted_at IS NULL")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for case in cases {
            search_index::index_case(&self.tx, case)?;
            self.touch(case);
        }
        if let (Some(before), Some((after, version, _))) =
            (before, super::client_history::current(&self.tx, id)?)
            && before != after
        {
            super::client_history::record(self, id, version, &before, &after)?;
        }
        Ok(())
    }

    fn new_pseudonym(&self) -> Result<String> {
        use crate::crypto::recovery::ALPHABET;
        for _ in 0..16 {
            let bytes = crate::crypto::random_bytes::<6>()?;
            let code: String = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(b & 31)] as char)
                .collect();
            let candidate = format!("{}-{}", &code[..3], &code[3..]);
            let taken: bool = self
                .tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM client WHERE pseudonym = ?1)")?
                .query_row([&candidate], |r| r.get(0))?;
            if !taken {
                return Ok(candidate);
            }
        }
        Err(Error::invalid(
            "could not find a free pseudonym; type one yourself",
        ))
    }

    // ---- cases -----------------------------------------------------------------------

    fn case_cols(&self, f: &CaseFields) -> Result<(Vec<Col>, String, Vec<String>)> {
        self.check("referral_source", &f.referral_source)?;
        self.check("intake_outcome", &f.intake_outcome)?;
        let lead = match f
            .lead_worker
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(w) => self.staff_member(w)?,
            None => self.ctx.user.clone(),
        };
        let mut team = Vec::new();
        for member in &f.team {
            let member = self.staff_member(member)?;
            if member != lead && !team.contains(&member) {
                team.push(member);
            }
        }
        Ok((
            vec![
                ("referral_source", txt(&f.referral_source)),
                ("police_notified_on", opt_date(f.police_notified_on)),
                ("intake_outcome", txt(&f.intake_outcome)),
                ("lead_worker", txt(&lead)),
                ("follow_up_on", opt_date(f.follow_up_on)),
                ("updated_at", txt(&self.now)),
            ],
            lead,
            team,
        ))
    }

    pub(crate) fn staff_member(&self, user: &str) -> Result<String> {
        let user = crate::centre::normalise_user_name(user)?;
        let known: bool = self
            .tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM staff WHERE username = ?1)")?
            .query_row([&user], |r| r.get(0))?;
        if known {
            Ok(user)
        } else {
            Err(Error::UnknownUser { user })
        }
    }

    fn set_team(&self, case: CaseId, team: &[String]) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM case_team WHERE case_id = ?1")?
            .execute([case])?;
        self.add_team(case, team)
    }

    fn add_team(&self, case: CaseId, team: &[String]) -> Result<()> {
        if team.is_empty() {
            return Ok(());
        }
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO case_team (case_id, username) VALUES (?1, ?2)")?;
        for member in team {
            insert.execute(params![case, member])?;
        }
        Ok(())
    }

    /// Opens a case for a client and gives it the next case number of the year.
    pub fn open_case(&mut self, c: &NewCase) -> Result<CaseId> {
        let (mut cols, _lead, team) = self.case_cols(&c.fields)?;
        let client_live: bool = self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM client WHERE id = ?1 AND deleted_at IS NULL)",
            )?
            .query_row([c.client_id], |r| r.get(0))?;
        if !client_live {
            return Err(Error::NotFound {
                what: "client",
                id: c.client_id.to_string(),
            });
        }
        let number = self.next_case_number(c.opened_on.year())?;
        cols.extend([
            ("client_id", txt(&c.client_id.to_string())),
            ("case_number", Value::Text(number)),
            ("opened_on", date(c.opened_on)),
            ("status", txt("open")),
        ]);
        let id = CaseId::new();
        self.insert("case_file", &id.to_string(), cols)?;
        self.touch(id);
        // Just written by this batch, live and ours: its sub-records need not look it up.
        self.remember_live(id);
        // A new case has no team to replace.
        self.add_team(id, &team)?;
        match &mut self.search_pending {
            Some(pending) => {
                search_index::index_case_pending(&self.tx, id, pending)?;
                if pending.is_full() {
                    pending.flush(&self.tx)?;
                }
            }
            None => search_index::index_case(&self.tx, id)?,
        }
        Ok(id)
    }

    /// Changes a case's fields.
    pub fn update_case(&mut self, id: CaseId, f: &CaseFields) -> Result<()> {
        let (cols, _lead, team) = self.case_cols(f)?;
        self.update("case_file", &id.to_string(), cols)?;
        self.touch(id);
        self.set_team(id, &team)
    }

    fn next_case_number(&mut self, year: i32) -> Result<String> {
        let name = format!("case_number:{year}");
        let n: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO counter (name, value) VALUES (?1, 1)
                 ON CONFLICT (name) DO UPDATE SET value = value + 1
                 RETURNING value",
            )?
            .query_row([&name], |r| r.get(0))?;
        // A joined installation numbers in its own series (a letter before the number), so
        // that two computers of one centre never give out the same number (docs/peers.md).
        // Read once per batch: only joining an installation sets it, never a batch.
        if self.case_series.is_none() {
            let series: String = self
                .tx
                .prepare_cached("SELECT value FROM store_meta WHERE key = 'case_number_series'")?
                .query_row([], |r| r.get(0))
                .optional()?
                .unwrap_or_default();
            self.case_series = Some(series);
        }
        let series = self.case_series.as_deref().unwrap_or_default();
        Ok(format!("{}-{year}-{series}{n:04}", self.ctx.centre))
    }

    /// Closes a case with a `closure_reason`.
    pub fn close_case(&mut self, id: CaseId, on: NaiveDate, reason: &str) -> Result<StatusEventId> {
        self.check("closure_reason", reason)?;
        let status: String = self.case_status(id)?;
        if status != "open" {
            return Err(Error::invalid(format!(
                "the case is {status}, not open; reopen it first"
            )));
        }
        let event = self.status_event(id, "close", on, Some(reason))?;
        let status = match reason {
            "transferred" => "transferred",
            "duplicate" => "duplicate",
            _ => "closed",
        };
        self.update(
            "case_file",
            &id.to_string(),
            vec![
                ("status", txt(status)),
                ("closed_on", date(on)),
                ("closure_reason", txt(reason)),
                ("follow_up_on", Value::Null),
                ("updated_at", txt(&self.now)),
            ],
        )?;
        Ok(event)
    }

    /// Reopens a closed case (the client came back).
    pub fn reopen_case(
        &mut self,
        id: CaseId,
        on: NaiveDate,
        reason: Option<&str>,
    ) -> Result<StatusEventId> {
        let status = self.case_status(id)?;
        if status == "open" {
            return Err(Error::invalid("the case is already open"));
        }
        // A case sent to another centre in a transfer bundle is that centre's case now: the
        // client's details and work went there, and reopening it here would count the
        // client twice. A client who comes back here gets a new case.
        if let Some(to) = super::consents::sent_to(&self.tx, id)? {
            return Err(Error::invalid(format!(
                "this case was transferred to {to} and is that centre's case now; it cannot be \
                 reopened here. If the client comes back to this centre, open a new case"
            )));
        }
        let event = self.status_event(id, "reopen", on, reason)?;
        self.update(
            "case_file",
            &id.to_string(),
            vec![
                ("status", txt("open")),
                ("closed_on", Value::Null),
                ("closure_reason", Value::Null),
                ("updated_at", txt(&self.now)),
            ],
        )?;
        Ok(event)
    }

    fn case_status(&mut self, id: CaseId) -> Result<String> {
        self.live_case(id)?;
        Ok(self
            .tx
            .query_row("SELECT status FROM case_file WHERE id = ?1", [id], |r| {
                r.get(0)
            })?)
    }

    fn status_event(
        &mut self,
        case: CaseId,
        kind: &str,
        on: NaiveDate,
        reason: Option<&str>,
    ) -> Result<StatusEventId> {
        let id = StatusEventId::new();
        self.insert(
            "case_status_event",
            &id.to_string(),
            vec![
                ("case_id", txt(&case.to_string())),
                ("kind", txt(kind)),
                ("on_date", date(on)),
                ("reason", opt_txt(reason)),
            ],
        )?;
        Ok(id)
    }

    // ---- events: append-only with corrections -----------------------------------------

    /// Appends an event row to `table` for `case`, superseding `supersedes` when it is a
    /// correction.
    pub(crate) fn append_event(
        &mut self,
        table: &'static str,
        id: &str,
        case: CaseId,
        supersedes: Option<&str>,
        mut cols: Vec<Col>,
    ) -> Result<()> {
        cols.push(("case_id", txt(&case.to_string())));
        cols.push(("supersedes", opt_txt(supersedes)));
        self.insert(table, id, cols)
    }

    fn incident_cols(&self, f: &IncidentFields) -> Result<Vec<Col>> {
        if f.violence_forms.is_empty() {
            return Err(Error::invalid(
                "an incident needs at least one form of violence",
            ));
        }
        for form in &f.violence_forms {
            self.check("violence_form", form)?;
        }
        self.check("place_type", &f.place_type)?;
        for p in &f.perpetrators {
            self.check("sex", &p.sex)?;
            self.check("age_band", &p.age_band)?;
            self.check("relationship", &p.relationship)?;
        }
        if let (Some(on), Some(since)) = (f.occurred_on, f.ongoing_since)
            && since > on
        {
            return Err(Error::invalid(
                "'ongoing since' is after the incident date; give one or the other",
            ));
        }
        let forms: Vec<&str> = f.violence_forms.iter().map(String::as_str).collect();
        let gbvims = self.ctx.codes.gbvims_primary(&forms).to_owned();
        Ok(vec![
            ("occurred_on", opt_date(f.occurred_on)),
            ("ongoing_since", opt_date(f.ongoing_since)),
            ("violence_forms", Value::Text(to_json(&f.violence_forms)?)),
            ("gbvims_type", Value::Text(gbvims)),
            ("place_type", txt(&f.place_type)),
            ("reported_to_police", tri(f.reported_to_police)),
            ("perpetrators", Value::Text(to_json(&f.perpetrators)?)),
            (
                "description",
                long_text("description", f.description.as_deref())?,
            ),
            (
                "police_report_number",
                line_text("police report number", f.police.report_number.as_deref())?,
            ),
            (
                "police_station",
                line_text("police station", f.police.station.as_deref())?,
            ),
            (
                "police_officer",
                line_text("police officer", f.police.officer.as_deref())?,
            ),
            ("police_reported_on", opt_date(f.police.reported_on)),
        ])
    }

    /// Records an incident; its GBVIMS primary type is computed through the crosswalk.
    pub fn record_incident(&mut self, case: CaseId, f: &IncidentFields) -> Result<IncidentId> {
        self.live_case(case)?;
        let cols = self.incident_cols(f)?;
        let id = IncidentId::new();
        self.append_event("incident", &id.to_string(), case, None, cols)?;
        Ok(id)
    }

    /// Corrects an incident: a new version that supersedes `old`.
    pub fn correct_incident(&mut self, old: IncidentId, f: &IncidentFields) -> Result<IncidentId> {
        Ok(self.supersede(old, |b, _| b.incident_cols(f))?.0)
    }

    fn contact_cols(&self, f: &ServiceContactFields) -> Result<Vec<Col>> {
        self.check("service_discipline", &f.discipline)?;
        self.check("service_mode", &f.mode)?;
        if f.minutes > 24 * 60 {
            return Err(Error::invalid(format!(
                "{} minutes is more than a day; log each day as its own contact",
                f.minutes
            )));
        }
        let staff = match f.staff.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => self.staff_member(s)?,
            None => self.ctx.user.clone(),
        };
        Ok(vec![
            ("on_date", date(f.on_date)),
            ("discipline", txt(&f.discipline)),
            ("mode", txt(&f.mode)),
            ("minutes", int(f.minutes.into())),
            ("is_group", int(f.is_group.into())),
            ("staff", Value::Text(staff)),
        ])
    }

    /// Logs a service contact.
    pub fn log_service_contact(
        &mut self,
        case: CaseId,
        f: &ServiceContactFields,
    ) -> Result<ServiceContactId> {
        self.live_case(case)?;
        let cols = self.contact_cols(f)?;
        let id = ServiceContactId::new();
        self.append_event("service_contact", &id.to_string(), case, None, cols)?;
        // A new contact can only move the first contact earlier: no need to rescan.
        self.tx
            .prepare_cached(
                "UPDATE case_file SET first_contact_on = ?2
                 WHERE id = ?1 AND (first_contact_on IS NULL OR first_contact_on > ?2)",
            )?
            .execute(params![case, f.on_date.to_string()])?;
        Ok(id)
    }

    /// Corrects a service contact.
    pub fn correct_service_contact(
        &mut self,
        old: ServiceContactId,
        f: &ServiceContactFields,
    ) -> Result<ServiceContactId> {
        let (id, case) = self.supersede(old, |b, _| b.contact_cols(f))?;
        self.refresh_first_contact(case)?;
        Ok(id)
    }

    /// `first_contact_on` is derived from the current service contacts (it drives the
    /// police-notification queue), so it is recomputed here and never logged as a change.
    fn refresh_first_contact(&self, case: CaseId) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE case_file SET first_contact_on = (
                     SELECT min(s.on_date) FROM service_contact s
                     WHERE s.case_id = ?1 AND s.deleted_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM service_contact n WHERE n.supersedes = s.id))
                 WHERE id = ?1",
            )?
            .execute([case])?;
        Ok(())
    }

    fn referral_cols(&self, case: CaseId, f: &ReferralFields) -> Result<Vec<Col>> {
        self.check("referral_agency", &f.agency_type)?;
        self.check("referral_status", &f.status)?;
        if let Some(consent) = f.consent_event_id {
            let ok: bool = self.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM consent_event WHERE id = ?1 AND case_id = ?2 AND given = 1 AND deleted_at IS NULL)",
                params![consent, case],
                |r| r.get(0),
            )?;
            if !ok {
                return Err(Error::invalid(
                    "the referral names a consent that is not a consent given in this case",
                ));
            }
        }
        Ok(vec![
            ("on_date", date(f.on_date)),
            ("agency_type", txt(&f.agency_type)),
            ("status", txt(&f.status)),
            (
                "consent_event_id",
                f.consent_event_id
                    .map_or(Value::Null, |c| Value::Text(c.to_string())),
            ),
        ])
    }

    /// Records a referral to another agency.
    pub fn record_referral(&mut self, case: CaseId, f: &ReferralFields) -> Result<ReferralId> {
        self.live_case(case)?;
        let cols = self.referral_cols(case, f)?;
        let id = ReferralId::new();
        self.append_event("referral", &id.to_string(), case, None, cols)?;
        Ok(id)
    }

    /// Corrects a referral recorded in error (a new status is [`Batch::change_referral_status`]).
    pub fn correct_referral(&mut self, old: ReferralId, f: &ReferralFields) -> Result<ReferralId> {
        Ok(self.supersede(old, |b, case| b.referral_cols(case, f))?.0)
    }

    /// Records that a referral's status changed on `on`: a status event (a new version of the
    /// referral that keeps everything else and says when), not a correction. The day is not
    /// before the referral was made.
    pub fn change_referral_status(
        &mut self,
        old: ReferralId,
        status: &str,
        on: NaiveDate,
    ) -> Result<ReferralId> {
        self.check("referral_status", status)?;
        Ok(self
            .supersede(old, |b, _| {
                let (made, current): (String, String) = b.tx.query_row(
                    "SELECT on_date, status FROM referral WHERE id = ?1",
                    [old.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if current == status {
                    return Err(Error::invalid(
                        "the referral already has this status; choose the new one",
                    ));
                }
                if made.as_str() > on.to_string().as_str() {
                    return Err(Error::invalid(format!(
                        "the status cannot change before the referral was made ({made}); \
                         check the date"
                    )));
                }
                let mut cols: Vec<Col> = b.tx.query_row(
                    "SELECT on_date, agency_type, consent_event_id FROM referral WHERE id = ?1",
                    [old.to_string()],
                    |r| {
                        Ok(vec![
                            ("on_date", Value::Text(r.get(0)?)),
                            ("agency_type", Value::Text(r.get(1)?)),
                            (
                                "consent_event_id",
                                r.get::<_, Option<String>>(2)?
                                    .map_or(Value::Null, Value::Text),
                            ),
                        ])
                    },
                )?;
                cols.push(("status", txt(status)));
                cols.push(("status_on", date(on)));
                Ok(cols)
            })?
            .0)
    }

    fn consent_cols(&self, f: &ConsentFields) -> Result<Vec<Col>> {
        self.check("consent_purpose", &f.purpose)?;
        self.check("consent_by", &f.given_by)?;
        if let Some(agency) = f.agency_type.as_deref() {
            self.check("referral_agency", agency)?;
        } else if f.purpose == "referral" {
            return Err(Error::invalid(
                "a consent to a referral names the type of agency it is for",
            ));
        }
        let shared = super::letters::check_shared_fields(f)?;
        Ok(vec![
            ("purpose", txt(&f.purpose)),
            ("agency_type", opt_txt(f.agency_type.as_deref())),
            ("given", int(f.given.into())),
            ("given_by", txt(&f.given_by)),
            ("on_date", date(f.on_date)),
            ("shared_fields", shared.map_or(Value::Null, Value::Text)),
        ])
    }

    /// Records a consent given or withdrawn.
    pub fn record_consent(&mut self, case: CaseId, f: &ConsentFields) -> Result<ConsentEventId> {
        self.live_case(case)?;
        let cols = self.consent_cols(f)?;
        let id = ConsentEventId::new();
        self.append_event("consent_event", &id.to_string(), case, None, cols)?;
        Ok(id)
    }

    /// Corrects a consent event recorded in error (a withdrawal is a new event instead).
    pub fn correct_consent(
        &mut self,
        old: ConsentEventId,
        f: &ConsentFields,
    ) -> Result<ConsentEventId> {
        Ok(self.supersede(old, |b, _| b.consent_cols(f))?.0)
    }

    fn note_cols(&self, f: &NoteFields) -> Result<Vec<Col>> {
        if f.body.trim().is_empty() {
            return Err(Error::invalid("the note is empty"));
        }
        if let Some(d) = f.restricted_to.as_deref() {
            self.check("service_discipline", d)?;
        }
        Ok(vec![
            ("body", txt(&f.body)),
            ("restricted_to", opt_txt(f.restricted_to.as_deref())),
        ])
    }

    /// Adds a note, searchable at once.
    pub fn add_note(&mut self, case: CaseId, f: &NoteFields) -> Result<NoteId> {
        self.flush_search_index()?;
        self.live_case(case)?;
        let cols = self.note_cols(f)?;
        let id = NoteId::new();
        self.append_event("note", &id.to_string(), case, None, cols)?;
        search_index::index_note(&self.tx, &id.to_string(), case, f, &self.ctx.user)?;
        Ok(id)
    }

    /// Corrects a note: the new text replaces the old in the case and in search.
    pub fn correct_note(&mut self, old: NoteId, f: &NoteFields) -> Result<NoteId> {
        self.flush_search_index()?;
        let (id, case) = self.supersede(old, |b, _| {
            // A note the writer may not read cannot be corrected (nor its restriction lifted).
            let (author, restricted): (String, Option<String>) = b.tx.query_row(
                "SELECT created_by, restricted_to FROM note WHERE id = ?1",
                [old.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if !super::read::may_read_note(
                &b.ctx.user,
                &b.ctx.disciplines,
                &author,
                restricted.as_deref(),
            ) {
                return Err(Error::NotAllowed(
                    "this note is restricted to a discipline you do not have; ask its author"
                        .into(),
                ));
            }
            b.note_cols(f)
        })?;
        search_index::unindex(&self.tx, &old.to_string())?;
        search_index::index_note(&self.tx, &id.to_string(), case, f, &self.ctx.user)?;
        Ok(id)
    }

    // ---- mutable sub-records ---------------------------------------------------------

    fn child_cols(&self, f: &ChildFields) -> Result<Vec<Col>> {
        self.check("sex", &f.sex)?;
        self.check("age_band", &f.age_band)?;
        Ok(vec![
            ("sex", txt(&f.sex)),
            ("age_band", txt(&f.age_band)),
            ("lives_with_client", tri(f.lives_with_client)),
            ("witnessed", tri(f.witnessed)),
            ("directly_harmed", tri(f.directly_harmed)),
            (
                "child_protection_referral",
                tri(f.child_protection_referral),
            ),
        ])
    }

    /// Adds a child affected by the case.
    pub fn add_child(&mut self, case: CaseId, f: &ChildFields) -> Result<ChildId> {
        self.live_case(case)?;
        let mut cols = self.child_cols(f)?;
        cols.push(("case_id", txt(&case.to_string())));
        let id = ChildId::new();
        self.insert("child", &id.to_string(), cols)?;
        Ok(id)
    }

    /// Changes what is recorded about a child.
    pub fn update_child(&mut self, id: ChildId, f: &ChildFields) -> Result<()> {
        let cols = self.child_cols(f)?;
        self.record_live_case("child", &id.to_string())?;
        self.update("child", &id.to_string(), cols)
    }

    fn order_cols(&self, f: &ProtectionOrderFields) -> Result<Vec<Col>> {
        self.check("protection_order_issuer", &f.issuer)?;
        self.ctx.codes.check_for_country(
            "protection_order_type",
            &f.order_type,
            self.ctx.country,
        )?;
        self.check("protection_order_status", &f.status)?;
        if let (Some(start), Some(end)) = (f.starts_on, f.ends_on)
            && end < start
        {
            return Err(Error::invalid(
                "the protection order ends before it starts; check the dates",
            ));
        }
        Ok(vec![
            ("issuer", txt(&f.issuer)),
            ("order_type", txt(&f.order_type)),
            ("status", txt(&f.status)),
            ("applied_on", opt_date(f.applied_on)),
            ("decided_on", opt_date(f.decided_on)),
            ("starts_on", opt_date(f.starts_on)),
            ("ends_on", opt_date(f.ends_on)),
            ("breaches", int(f.breaches.into())),
        ])
    }

    /// Records a protection order.
    pub fn add_protection_order(
        &mut self,
        case: CaseId,
        f: &ProtectionOrderFields,
    ) -> Result<ProtectionOrderId> {
        self.live_case(case)?;
        let mut cols = self.order_cols(f)?;
        cols.push(("case_id", txt(&case.to_string())));
        let id = ProtectionOrderId::new();
        self.insert("protection_order", &id.to_string(), cols)?;
        Ok(id)
    }

    /// Changes a protection order (decision, dates, breaches).
    pub fn update_protection_order(
        &mut self,
        id: ProtectionOrderId,
        f: &ProtectionOrderFields,
    ) -> Result<()> {
        let cols = self.order_cols(f)?;
        self.record_live_case("protection_order", &id.to_string())?;
        self.update("protection_order", &id.to_string(), cols)
    }

    /// Attaches a document; its content is kept inside the encrypted database only.
    pub fn attach_document(
        &mut self,
        case: CaseId,
        file_name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<DocumentId> {
        self.live_case(case)?;
        let file_name = file_name.trim();
        if file_name.is_empty()
            || file_name.chars().count() > 255
            || file_name.contains(['/', '\\'])
            || file_name.chars().any(char::is_control)
        {
            return Err(Error::invalid(
                "the document needs a file name of 1 to 255 characters without folders",
            ));
        }
        if content.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::invalid(format!(
                "the document is {} MiB; the limit is {} MiB — scan it at a lower resolution",
                content.len() / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            )));
        }
        let sha = hex(&Sha256::digest(content));
        let id = DocumentId::new();
        self.insert(
            "document",
            &id.to_string(),
            vec![
                ("case_id", txt(&case.to_string())),
                ("file_name", txt(file_name)),
                ("media_type", txt(media_type.trim())),
                (
                    "size",
                    int(i64::try_from(content.len()).unwrap_or(i64::MAX)),
                ),
                ("sha256", Value::Text(sha)),
                ("content", Value::Blob(content.to_vec())),
            ],
        )?;
        Ok(id)
    }

    /// Reads inside the transaction (e.g. to check what was just written).
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.tx
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::invalid(format!("cannot encode the record: {e}")))
}

/// The longest incident description, in characters.
pub const MAX_DESCRIPTION: usize = 20_000;

/// Free text of several lines (tabs and line breaks allowed, no other control characters).
fn long_text(what: &str, text: Option<&str>) -> Result<Value> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Value::Null),
        Some(s)
            if s.chars().count() > MAX_DESCRIPTION
                || s.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Err(Error::invalid(format!(
                "the {what} is at most {MAX_DESCRIPTION} characters of text; shorten it or \
                 attach a document"
            )))
        }
        Some(s) => Ok(Value::Text(s.to_owned())),
    }
}

/// A short value on one line (at most 200 characters).
fn line_text(what: &str, text: Option<&str>) -> Result<Value> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Value::Null),
        Some(s) if s.chars().count() > 200 || s.chars().any(char::is_control) => Err(
            Error::invalid(format!("the {what} is at most 200 characters on one line")),
        ),
        Some(s) => Ok(Value::Text(s.to_owned())),
    }
}

fn check_pseudonym(p: &str) -> Result<()> {
    let n = p.chars().count();
    if n > 40 || p.chars().any(char::is_control) {
        return Err(Error::invalid(
            "a pseudonym is 1 to 40 characters on one line",
        ));
    }
    Ok(())
}

fn unique_violation(e: Error, column: &str, message: &str) -> Error {
    match &e {
        Error::Database(rusqlite::Error::SqliteFailure(f, Some(text)))
            if f.code == rusqlite::ErrorCode::ConstraintViolation && text.contains(column) =>
        {
            Error::invalid(message)
        }
        _ => e,
    }
}

/// The `age_band` code for an age in years.
pub fn age_band_for(age: i32) -> &'static str {
    match age {
        i32::MIN..=-1 => "unknown",
        0..=17 => "0_17",
        18..=24 => "18_24",
        25..=34 => "25_34",
        35..=44 => "35_44",
        45..=54 => "45_54",
        55..=64 => "55_64",
        _ => "65_plus",
    }
}

/// The words users see for a table.
pub(crate) fn kind_name(table: &str) -> &'static str {
    match table {
        "client" => "client",
        "case_file" => "case",
        "incident" => "incident",
        "child" => "child",
        "service_contact" => "service contact",
        "referral" => "referral",
        "protection_order" => "protection order",
        "consent_event" => "consent event",
        "note" => "note",
        "document" => "document",
        "case_status_event" => "closure or reopening",
        "risk_assessment" => "risk assessment",
        "safety_plan" => "safety plan",
        "case_conference" => "case conference",
        "conference_action" => "conference action",
        "conference_outcome" => "action outcome",
        "appointment" => "appointment",
        _ => "record",
    }
}
