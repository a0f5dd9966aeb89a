// The one door from the UI to the Rust core. Components never call `invoke` themselves:
// they call `backend()`, which is the Tauri implementation in the app and a test double
// only in component unit tests (never in end-to-end tests). Every type here is generated
// from the Rust types (src/lib/bindings), never written by hand.
import type { AccessEntry } from '../bindings/AccessEntry';
import type { CaseReview } from '../bindings/CaseReview';
import type { Installation } from '../bindings/Installation';
import type { PeersOverview } from '../bindings/PeersOverview';
import type { SyncResult } from '../bindings/SyncResult';
import type { Appointment } from '../bindings/Appointment';
import type { AppointmentFields } from '../bindings/AppointmentFields';
import type { AppointmentId } from '../bindings/AppointmentId';
import type { CalendarEntry } from '../bindings/CalendarEntry';
import type { TodayCounts } from '../bindings/TodayCounts';
import type { TodayPage } from '../bindings/TodayPage';
import type { TodayQueue } from '../bindings/TodayQueue';
import type { TodaySort } from '../bindings/TodaySort';
import type { DryRun } from '../bindings/DryRun';
import type { ImportBatch } from '../bindings/ImportBatch';
import type { ImportOptions } from '../bindings/ImportOptions';
import type { ImportReport } from '../bindings/ImportReport';
import type { Mapping } from '../bindings/Mapping';
import type { ReadOptions } from '../bindings/ReadOptions';
import type { RowDecision } from '../bindings/RowDecision';
import type { SheetPreview } from '../bindings/SheetPreview';
import type { Progress } from '../bindings/Progress';
import type { UndoReport } from '../bindings/UndoReport';
import type { CentreEntry } from '../bindings/CentreEntry';
import type { CentreUpdate } from '../bindings/CentreUpdate';
import type { InboxReport } from '../bindings/InboxReport';
import type { MeasureInfo } from '../bindings/MeasureInfo';
import type { QualityReport } from '../bindings/QualityReport';
import type { SyncBoard } from '../bindings/SyncBoard';
import type { TargetInput } from '../bindings/TargetInput';
import type { TargetProgress } from '../bindings/TargetProgress';
import type { TrendReport } from '../bindings/TrendReport';
import type { TrendQuery } from '../bindings/TrendQuery';
import type { ExchangeRequest } from '../bindings/ExchangeRequest';
import type { ExchangeSummary } from '../bindings/ExchangeSummary';
import type { PeriodType } from '../bindings/PeriodType';
import type { ParquetSummary } from '../bindings/ParquetSummary';
import type { AppPhase } from '../bindings/AppPhase';
import type { BackupCheck } from '../bindings/BackupCheck';
import type { BackupReport } from '../bindings/BackupReport';
import type { BackupStatus } from '../bindings/BackupStatus';
import type { CaseDetail } from '../bindings/CaseDetail';
import type { CasePrintout } from '../bindings/CasePrintout';
import type { PrintoutRequest } from '../bindings/PrintoutRequest';
import type { CaseFields } from '../bindings/CaseFields';
import type { CaseFilter } from '../bindings/CaseFilter';
import type { CaseId } from '../bindings/CaseId';
import type { CaseSummary } from '../bindings/CaseSummary';
import type { ChildFields } from '../bindings/ChildFields';
import type { ChildId } from '../bindings/ChildId';
import type { ClientId } from '../bindings/ClientId';
import type { ClientIdentity } from '../bindings/ClientIdentity';
import type { ClientDetails } from '../bindings/ClientDetails';
import type { ClientFields } from '../bindings/ClientFields';
import type { ClientRevision } from '../bindings/ClientRevision';
import type { PossibleDuplicate } from '../bindings/PossibleDuplicate';
import type { CodeCatalogue } from '../bindings/CodeCatalogue';
import type { ConsentEventId } from '../bindings/ConsentEventId';
import type { ConsentFields } from '../bindings/ConsentFields';
import type { DocumentId } from '../bindings/DocumentId';
import type { Draft } from '../bindings/Draft';
import type { DraftKey } from '../bindings/DraftKey';
import type { EnrolmentInfo } from '../bindings/EnrolmentInfo';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { ExportPreview } from '../bindings/ExportPreview';
import type { ExportReport } from '../bindings/ExportReport';
import type { FileKind } from '../bindings/FileKind';
import type { TransferReport } from '../bindings/TransferReport';
import type { CaseTransfer } from '../bindings/CaseTransfer';
import type { Fingerprint } from '../bindings/Fingerprint';
import type { GroupAnswer } from '../bindings/GroupAnswer';
import type { ImportEvent } from '../bindings/ImportEvent';
import type { ImportFileResult } from '../bindings/ImportFileResult';
import type { ImportLogEntry } from '../bindings/ImportLogEntry';
import type { IncidentFields } from '../bindings/IncidentFields';
import type { IncidentId } from '../bindings/IncidentId';
import type { Intake } from '../bindings/Intake';
import type { IpcError } from '../bindings/IpcError';
import type { Language } from '../bindings/Language';
import type { NewCentre } from '../bindings/NewCentre';
import type { NoteFields } from '../bindings/NoteFields';
import type { NoteId } from '../bindings/NoteId';
import type { Permission } from '../bindings/Permission';
import type { Peer } from '../bindings/Peer';
import type { PeerSync } from '../bindings/PeerSync';
import type { ProtectionOrderFields } from '../bindings/ProtectionOrderFields';
import type { ProtectionOrderId } from '../bindings/ProtectionOrderId';
import type { PurgePreview } from '../bindings/PurgePreview';
import type { PurgeReport } from '../bindings/PurgeReport';
import type { RecordHistory } from '../bindings/RecordHistory';
import type { RecordRef } from '../bindings/RecordRef';
import type { RecoveryKeyShown } from '../bindings/RecoveryKeyShown';
import type { ReferralFields } from '../bindings/ReferralFields';
import type { ReferralId } from '../bindings/ReferralId';
import type { RetentionPolicy } from '../bindings/RetentionPolicy';
import type { Role } from '../bindings/Role';
import type { RotationProgress } from '../bindings/RotationProgress';
import type { RotationReport } from '../bindings/RotationReport';
import type { SavedFile } from '../bindings/SavedFile';
import type { SearchHit } from '../bindings/SearchHit';
import type { ServiceContactFields } from '../bindings/ServiceContactFields';
import type { ServiceContactId } from '../bindings/ServiceContactId';
import type { StaffMember } from '../bindings/StaffMember';
import type { StatsQuery } from '../bindings/StatsQuery';
import type { StatsReport } from '../bindings/StatsReport';
import type { StatusEventId } from '../bindings/StatusEventId';
import type { WorkQueues } from '../bindings/WorkQueues';
import type { InstrumentImport } from '../bindings/InstrumentImport';
import type { InstrumentInfo } from '../bindings/InstrumentInfo';
import type { InstrumentPack } from '../bindings/InstrumentPack';
import type { LatestRisk } from '../bindings/LatestRisk';
import type { RiskAssessmentFields } from '../bindings/RiskAssessmentFields';
import type { RiskAssessmentId } from '../bindings/RiskAssessmentId';
import type { RiskHistory } from '../bindings/RiskHistory';
import type { SafetyPlanFields } from '../bindings/SafetyPlanFields';
import type { SafetyPlanHistory } from '../bindings/SafetyPlanHistory';
import type { SafetyPlanId } from '../bindings/SafetyPlanId';
import type { ScoreResult } from '../bindings/ScoreResult';
import type { AnalysisCandidate } from '../bindings/AnalysisCandidate';
import type { AnalysisForm } from '../bindings/AnalysisForm';
import type { AnalysisTemplate } from '../bindings/AnalysisTemplate';
import type { AnswerInput } from '../bindings/AnswerInput';
import type { CaseAnalysisId } from '../bindings/CaseAnalysisId';
import type { CompareQuery } from '../bindings/CompareQuery';
import type { CompleteAnalysis } from '../bindings/CompleteAnalysis';
import type { Comparison } from '../bindings/Comparison';
import type { IdentifierWarning } from '../bindings/IdentifierWarning';
import type { TemplateInfo } from '../bindings/TemplateInfo';
import type { TemplateSaved } from '../bindings/TemplateSaved';
import type { ReferenceStatus } from '../bindings/ReferenceStatus';
import type { DirectoryAgency } from '../bindings/DirectoryAgency';
import type { DirectoryImport } from '../bindings/DirectoryImport';
import type { ReferralLetter } from '../bindings/ReferralLetter';
import type { ReferralLetterSummary } from '../bindings/ReferralLetterSummary';
import type { ReferralLetterId } from '../bindings/ReferralLetterId';
import type { Conference } from '../bindings/Conference';
import type { ConferenceFields } from '../bindings/ConferenceFields';
import type { ConferenceActionFields } from '../bindings/ConferenceActionFields';
import type { ConferenceId } from '../bindings/ConferenceId';
import type { ConferenceActionId } from '../bindings/ConferenceActionId';
import type { ConferenceOutcomeId } from '../bindings/ConferenceOutcomeId';
import type { ActionOutcomeFields } from '../bindings/ActionOutcomeFields';

export type { AppPhase, ErrorCode, GroupAnswer, IpcError, NewCentre, RecoveryKeyShown };

export interface Backend {
  appPhase(): Promise<AppPhase>;
  beginSetup(centre: NewCentre, passphrase: string): Promise<RecoveryKeyShown>;
  finishSetup(answers: GroupAnswer[]): Promise<AppPhase>;
  cancelSetup(): Promise<AppPhase>;
  unlock(user: string, passphrase: string): Promise<AppPhase>;
  lock(): Promise<AppPhase>;
  /** Takes the window off the screen (quick hide). */
  hideWindow(): Promise<void>;
  /** Calls `sleeping` when the computer is about to sleep (the window should hide and lock
   *  at once), and `locked` when the core locked the store itself because the window had
   *  not; resolves to the function that stops listening. */
  onSystemSleep(sleeping: () => void, locked: () => void): Promise<() => void>;
  /** Sets the window title to the discreet name ("Atrama" when empty); the title set. */
  setWindowTitle(title: string): Promise<string>;
  /** The window icon: the neutral one (discreet mode) or Atrama's. */
  setWindowIcon(neutral: boolean): Promise<void>;
  /** First run: use an existing store folder (e.g. restored from a backup); the new phase. */
  useExistingStore(path: string): Promise<AppPhase>;
  /** First run: makes this computer's store from the centre's join file with the recovery
   *  key, named `name`; this computer's fingerprint, to read aloud to the administrator. */
  joinCentre(path: string, recoveryKey: string, name: string): Promise<string>;
  /** Writes the enrolment file of the computer just joined to `path`. */
  saveJoinEnrolment(path: string): Promise<SavedFile>;
  /** Ends the join on the first screen; the new phase (locked: people unlock). */
  finishJoin(): Promise<AppPhase>;
  /** The native folder dialog; the chosen folder, or null. */
  chooseFolder(): Promise<string | null>;

  workQueues(today: string): Promise<WorkQueues>;
  /** True counts of my Today lists. */
  todayCounts(today: string): Promise<TodayCounts>;
  /** One page of a Today list, sorted. */
  todayPage(
    today: string,
    queue: TodayQueue,
    sort: TodaySort,
    descending: boolean,
    offset: number,
    limit: number,
  ): Promise<TodayPage>;
  /** My calendar from `from` to `to` (both included, at most 62 days). */
  calendar(today: string, from: string, to: string): Promise<CalendarEntry[]>;
  appointments(caseId: CaseId): Promise<Appointment[]>;
  addAppointment(caseId: CaseId, fields: AppointmentFields): Promise<AppointmentId>;
  updateAppointment(id: AppointmentId, fields: AppointmentFields): Promise<void>;
  cancelAppointment(id: AppointmentId): Promise<void>;
  /** A referral's status changed on `on`: a dated status event (not a correction). */
  changeReferralStatus(old: ReferralId, status: string, on: string): Promise<ReferralId>;
  search(text: string, limit?: number): Promise<SearchHit[]>;
  caseList(filter: CaseFilter): Promise<CaseSummary[]>;
  caseDetail(caseId: CaseId): Promise<CaseDetail>;
  /** A case laid out for print (summary or the client's copy); the print is logged. */
  casePrintout(caseId: CaseId, request: PrintoutRequest): Promise<CasePrintout>;
  clientIdentity(clientId: ClientId): Promise<ClientIdentity>;
  staff(): Promise<StaffMember[]>;
  codeLists(language: Language): Promise<CodeCatalogue>;

  intake(intake: Intake): Promise<CaseId>;
  recordIncident(caseId: CaseId, fields: IncidentFields): Promise<IncidentId>;
  addChild(caseId: CaseId, fields: ChildFields): Promise<ChildId>;
  logServiceContact(caseId: CaseId, fields: ServiceContactFields): Promise<ServiceContactId>;
  recordReferral(caseId: CaseId, fields: ReferralFields): Promise<ReferralId>;
  addProtectionOrder(caseId: CaseId, fields: ProtectionOrderFields): Promise<ProtectionOrderId>;
  recordConsent(caseId: CaseId, fields: ConsentFields): Promise<ConsentEventId>;
  addNote(caseId: CaseId, fields: NoteFields): Promise<NoteId>;
  attachDocument(caseId: CaseId, fileName: string, mediaType: string, content: Uint8Array): Promise<DocumentId>;
  documentContent(documentId: DocumentId): Promise<ArrayBuffer>;
  closeCase(caseId: CaseId, on: string, reason: string): Promise<StatusEventId>;
  reopenCase(caseId: CaseId, on: string, reason: string | null): Promise<StatusEventId>;
  /** Changes a case's fields (referral source, lead worker, team, follow-up, …). */
  updateCase(caseId: CaseId, fields: CaseFields): Promise<void>;
  /** A client's whole details and version, to correct them (logged as a view of her identity). */
  clientDetails(clientId: ClientId): Promise<ClientDetails>;
  /** Corrects a client's details from the version `basedOn`; the core keeps the revision. */
  correctClient(clientId: ClientId, fields: ClientFields, basedOn: string): Promise<ClientDetails>;
  /** The corrections of a client's details, newest first (logged). */
  clientHistory(clientId: ClientId): Promise<ClientRevision[]>;
  /** Clients already recorded who may be the one being typed at intake. */
  possibleDuplicates(client: ClientFields): Promise<PossibleDuplicate[]>;
  /** Corrections: a new version that supersedes `old` (which stays, in the history). */
  correctIncident(old: IncidentId, fields: IncidentFields): Promise<IncidentId>;
  correctServiceContact(old: ServiceContactId, fields: ServiceContactFields): Promise<ServiceContactId>;
  correctReferral(old: ReferralId, fields: ReferralFields): Promise<ReferralId>;
  correctConsent(old: ConsentEventId, fields: ConsentFields): Promise<ConsentEventId>;
  correctNote(old: NoteId, fields: NoteFields): Promise<NoteId>;
  updateChild(childId: ChildId, fields: ChildFields): Promise<void>;
  updateProtectionOrder(orderId: ProtectionOrderId, fields: ProtectionOrderFields): Promise<void>;
  /** The versions of a corrected record, newest first (the view is logged). */
  recordHistory(record: RecordRef): Promise<RecordHistory>;

  saveDraft(id: string | null, kind: string, title: string, body: string): Promise<string>;
  drafts(): Promise<Draft[]>;
  draft(id: string): Promise<Draft>;
  deleteDraft(id: string): Promise<void>;
  /** Keeps the signed-in person's draft of one form (replacing the one kept before). */
  saveFormDraft(key: DraftKey, title: string, body: string): Promise<Draft>;
  /** The signed-in person's draft of one form, if one is kept. */
  formDraft(key: DraftKey): Promise<Draft | null>;
  /** Removes the signed-in person's draft of one form. */
  discardFormDraft(key: DraftKey): Promise<void>;

  instruments(): Promise<InstrumentInfo[]>;
  instrument(id: string, version: number): Promise<InstrumentPack>;
  importInstrument(text: string): Promise<InstrumentImport>;
  scoreAnswers(id: string, version: number, answers: Record<string, string>): Promise<ScoreResult>;
  recordRiskAssessment(caseId: CaseId, fields: RiskAssessmentFields): Promise<RiskAssessmentId>;
  riskHistory(caseId: CaseId): Promise<RiskHistory>;
  latestRisk(caseId: CaseId): Promise<LatestRisk | null>;
  safetyPlan(caseId: CaseId): Promise<SafetyPlanHistory>;
  saveSafetyPlan(caseId: CaseId, base: SafetyPlanId | null, fields: SafetyPlanFields): Promise<SafetyPlanId>;
  setSafetyPlanReview(caseId: CaseId, on: string): Promise<SafetyPlanId>;
  logSafetyPlanPrint(caseId: CaseId, planId: SafetyPlanId, sections: string[]): Promise<void>;
  // Administration: the core checks each call against the person's permissions again.
  permissions(): Promise<Permission[]>;
  /** The signed-in person's own choice to see clients' names in lists. */
  clientNamesInLists(): Promise<boolean>;
  setClientNamesInLists(on: boolean): Promise<void>;
  addStaff(user: string, role: Role, disciplines: string[], passphrase: string): Promise<void>;
  disableStaff(user: string): Promise<void>;
  enableStaff(user: string, passphrase: string): Promise<void>;
  /** Rotates the database key; `onProgress` hears each step until the call settles. */
  rotateKey(onProgress: (progress: RotationProgress) => void): Promise<RotationReport>;
  accessLog(limit: number): Promise<AccessEntry[]>;
  accessLogForCase(caseId: CaseId): Promise<AccessEntry[]>;
  /** Checks the access log's chain; the number of entries checked. */
  verifyAccessLog(): Promise<number>;
  createBackup(folder: string): Promise<BackupReport>;
  verifyBackup(path: string): Promise<BackupCheck>;
  backupStatus(): Promise<BackupStatus>;
  setBackupReminder(days: number): Promise<BackupStatus>;
  retentionPolicy(): Promise<RetentionPolicy>;
  setRetentionPolicy(policy: RetentionPolicy): Promise<void>;
  retentionPreview(today: string): Promise<PurgePreview>;
  purge(today: string): Promise<PurgeReport>;
  // Sync. Files are full paths (chosen in a native dialog or typed).
  syncIdentity(): Promise<Fingerprint>;
  saveEnrolmentFile(path: string): Promise<SavedFile>;
  inspectEnrolment(path: string): Promise<EnrolmentInfo>;
  enrol(path: string, fingerprint: string): Promise<Peer>;
  syncStatus(): Promise<PeerSync[]>;
  /** Sets the sharing level agreed with the coordination centre `to`. */
  setSharing(to: string, level: 'pseudonymised' | 'statistics'): Promise<void>;
  /** Seals the case for the centre `to` into `path` and closes it here as transferred. */
  transferCase(caseId: CaseId, to: string, path: string): Promise<TransferReport>;
  /** The transfers of a case, to or from another centre. */
  caseTransfers(caseId: CaseId): Promise<CaseTransfer[]>;
  exportPreview(to: string): Promise<ExportPreview>;
  exportBundle(to: string, path: string, fromMonth: string, toMonth: string): Promise<ExportReport>;
  /** Imports the files one by one; `onProgress` hears as each starts and ends. */
  importBundles(
    paths: string[],
    dryRun: boolean,
    onProgress: (event: ImportEvent) => void,
  ): Promise<ImportFileResult[]>;
  importHistory(limit: number): Promise<ImportLogEntry[]>;
  // The centre's several computers (Administration → Computers, Sync → This centre's computers).
  /** The centre's computers, this computer, the sync folder and the last sync. */
  peersOverview(): Promise<PeersOverview>;
  /** This computer's fingerprint, naming it (and making its keys) the first time. */
  peersFingerprint(name: string): Promise<string>;
  /** Writes this computer's enrolment file to `path`. */
  savePeersEnrolment(name: string, path: string): Promise<SavedFile>;
  /** Adds a computer from its enrolment file if the typed fingerprint matches. */
  peersAdd(path: string, fingerprint: string): Promise<Installation>;
  /** Writes a join file (a full copy of the store) for a new computer to `path`. */
  peersJoinFile(path: string, name: string): Promise<SavedFile>;
  /** Removes a computer (a lost laptop) by its installation id. */
  peersRemove(computer: string): Promise<void>;
  /** Hands the sending to the coordination centre to another current computer (its id). */
  peersHandOver(computer: string): Promise<void>;
  /** Takes the sending to the coordination centre over here (its holder was removed). */
  peersTakeOver(): Promise<void>;
  /** Remembers the sync folder (empty: forgets it); the folder now set. */
  setPeersFolder(folder: string): Promise<string>;
  /** Syncs through the remembered folder; a missing folder is a result, not an error. */
  peersSync(automatic: boolean): Promise<SyncResult>;
  /** The fields of a case changed on two computers, safety-critical ones first. */
  peerCaseReviews(caseId: CaseId): Promise<CaseReview[]>;
  /** Keeps the chosen value (its version) of a field changed on two computers. */
  resolvePeerReview(table: string, recordId: string, field: string, version: string): Promise<void>;
  /** The ids of the cases with a field changed on two computers. */
  peerReviewCases(): Promise<string[]>;
  /** The native open dialog; the chosen paths (none if cancelled). */
  chooseFiles(kind: FileKind, multiple: boolean): Promise<string[]>;
  /** The native save dialog starting at `fileName`; the chosen path, or null. */
  chooseSaveFile(kind: FileKind, fileName: string): Promise<string | null>;
  /** Prints the page (its print styles) to a PDF at `path`, A4, landscape if asked. */
  savePdf(path: string, landscape: boolean): Promise<SavedFile>;
  /** T1–T10 with exact counts, for the screen only (never published as such). */
  statsTables(query: StatsQuery): Promise<StatsReport>;
  /** Writes the published tables (small counts suppressed) to `path` as `csv` or `xlsx`. */
  publishStats(query: StatsQuery, format: 'csv' | 'xlsx', path: string, codesOnly: boolean): Promise<SavedFile>;
  /** Writes the record-level Parquet warehouse into the folder `outDir` (coordination centre); `period` `YYYY` or `YYYY..YYYY`. */
  warehouseExportParquet(outDir: string, period: string | null): Promise<ParquetSummary>;
  // The joint case analysis: templates (coordination centre), the form (centre), the
  // comparison (coordination centre).
  analysisTemplates(): Promise<TemplateInfo[]>;
  analysisTemplate(id: string, version: number | null): Promise<AnalysisTemplate>;
  analysisExampleTemplate(): Promise<AnalysisTemplate>;
  saveAnalysisTemplate(template: AnalysisTemplate): Promise<TemplateSaved>;
  importAnalysisTemplate(path: string): Promise<TemplateSaved>;
  analysisCandidates(): Promise<AnalysisCandidate[]>;
  analysisForm(caseId: CaseId, templateId: string | null): Promise<AnalysisForm>;
  screenAnalysis(caseId: CaseId, answers: Record<string, AnswerInput>): Promise<IdentifierWarning[]>;
  completeAnalysis(caseId: CaseId, input: CompleteAnalysis): Promise<CaseAnalysisId>;
  compareAnalyses(query: CompareQuery): Promise<Comparison>;
  exportAnalysisComparison(query: CompareQuery, path: string): Promise<SavedFile>;
  /** The published tables (small counts suppressed), for the print view. */
  publishedStats(query: StatsQuery, codesOnly: boolean): Promise<StatsReport>;
  /** Audits the publication of the query's period ahead (nothing is returned or written):
   * the print view or file that follows finds the audit done. */
  preparePublication(query: StatsQuery): Promise<void>;
  /** Writes T1–T10 as an exchange file (DHIS2, ADX, SDMX-CSV) into `folder`; `mapping` is
   * the mapping file's full path (empty: none, SDMX-CSV only). */
  warehouseExport(request: ExchangeRequest, mapping: string, folder: string): Promise<ExchangeSummary>;
  /** Writes a mapping template (every cell and centre, empty UIDs) to `path`. */
  warehouseMappingTemplate(periodType: PeriodType, period: string, path: string): Promise<SavedFile>;
  /** Coordination centre: the enrolled centres with region, city and cadence. */
  centres(): Promise<CentreEntry[]>;
  updateCentre(update: CentreUpdate): Promise<CentreEntry>;
  /** The sync board as of today. */
  syncBoard(): Promise<SyncBoard>;
  /** The inbox folder (empty: none). */
  inboxFolder(): Promise<string>;
  setInboxFolder(folder: string): Promise<string>;
  /** Imports the inbox's new files and moves each aside; null when no folder is set. */
  runInbox(): Promise<InboxReport | null>;
  statsMeasures(): Promise<MeasureInfo[]>;
  statsTrends(query: TrendQuery): Promise<TrendReport>;
  setTarget(input: TargetInput): Promise<void>;
  targetProgress(year: number): Promise<TargetProgress[]>;
  dataQuality(query: StatsQuery): Promise<QualityReport>;
  // Multi-agency work: reference data, the referral directory, letters, case conferences.
  referenceStatus(): Promise<ReferenceStatus>;
  directory(agencyType: string | null): Promise<DirectoryAgency[]>;
  importDirectory(path: string): Promise<DirectoryImport>;
  // Spreadsheet import (Administration → Import records).
  sheetPreview(path: string, read: ReadOptions): Promise<SheetPreview>;
  sheetDryRun(
    path: string,
    read: ReadOptions,
    mapping: Mapping,
    decisions: RowDecision[],
    onProgress: (progress: Progress) => void,
  ): Promise<DryRun>;
  sheetImport(
    path: string,
    mapping: Mapping,
    options: ImportOptions,
    onProgress: (progress: Progress) => void,
  ): Promise<ImportReport>;
  /** Overwrites the source sheet with zeros and deletes it. */
  sheetShred(path: string): Promise<void>;
  sheetUndo(batchId: string): Promise<UndoReport>;
  sheetBatches(): Promise<ImportBatch[]>;
  sheetMappings(): Promise<Mapping[]>;
  saveSheetMapping(mapping: Mapping): Promise<void>;
  exportSheetMapping(name: string, path: string): Promise<void>;
  importSheetMapping(path: string): Promise<Mapping>;
  createReferralLetter(
    referralId: ReferralId,
    agencyId: string | null,
    language: Language | null,
  ): Promise<ReferralLetter>;
  referralLetters(caseId: CaseId): Promise<ReferralLetterSummary[]>;
  referralLetter(letterId: ReferralLetterId): Promise<ReferralLetter>;
  conferences(caseId: CaseId): Promise<Conference[]>;
  recordConference(caseId: CaseId, fields: ConferenceFields, actions: ConferenceActionFields[]): Promise<ConferenceId>;
  recordActionOutcome(
    actionId: ConferenceActionId,
    supersedes: ConferenceOutcomeId | null,
    fields: ActionOutcomeFields,
  ): Promise<ConferenceOutcomeId>;
}

let current: Backend | undefined;

export function setBackend(b: Backend): void {
  current = b;
}

export function backend(): Backend {
  if (!current) throw new Error('backend not set');
  return current;
}

/** Turns whatever a failed call rejected with into `{code, message}`. */
export function asIpcError(e: unknown): IpcError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return { code: String(e.code) as ErrorCode, message: String(e.message) };
  }
  return { code: 'internal', message: typeof e === 'string' ? e : 'something went wrong; try again' };
}
