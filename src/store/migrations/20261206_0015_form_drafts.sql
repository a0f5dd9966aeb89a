-- Drafts of every form that takes typing (a note, a service contact, a risk assessment, a
-- correction ...), not only of intakes: a draft may belong to a case and to the record it
-- changes, and there is at most one per person, form, case and record (the core keeps that
-- in one transaction). Still local to this installation and this person; never exported.
ALTER TABLE draft ADD COLUMN case_id TEXT;
ALTER TABLE draft ADD COLUMN record_id TEXT;
CREATE INDEX draft_form ON draft (username, kind, case_id, record_id);
