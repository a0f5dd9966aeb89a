// The Tauri implementation of the backend: each method is one command of src-tauri.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { RotationProgress } from '../bindings/RotationProgress';
import type { ImportEvent } from '../bindings/ImportEvent';
import type { Progress } from '../bindings/Progress';
import { asIpcError, type Backend } from './index';

// Each call is timed with performance.mark/measure (`ipc:<command>`, no arguments or
// results recorded), so that a profile of the page can tell IPC time from rendering time.
// The buffer is cleared every 1,000 calls so that a long day does not grow it.
let measured = 0;
async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  const start = performance.now();
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asIpcError(e);
  } finally {
    try {
      if (++measured % 1000 === 0) performance.clearMeasures();
      performance.measure(`ipc:${cmd}`, { start, end: performance.now() });
    } catch {
      // a page without the User Timing API: nothing to record
    }
  }
}

export const tauriBackend: Backend = {
  appPhase: () => call('app_phase'),
  beginSetup: (centre, passphrase) => call('begin_setup', { centre, passphrase }),
  finishSetup: (answers) => call('finish_setup', { answers }),
  cancelSetup: () => call('cancel_setup'),
  unlock: (user, passphrase) => call('unlock', { user, passphrase }),
  lock: () => call('lock'),
  hideWindow: () => call('hide_window'),
  onSystemSleep: async (sleeping, locked) => {
    // Sent by the shell's sleep watcher (src-tauri/src/sleep.rs).
    const stops = await Promise.all([listen('system-sleep', () => sleeping()), listen('store-locked', () => locked())]);
    return () => stops.forEach((stop) => stop());
  },
  setWindowTitle: (title) => call('set_window_title', { title }),
  setWindowIcon: (neutral) => call('set_window_icon', { neutral }),
  useExistingStore: (path) => call('use_existing_store', { path }),
  joinCentre: (path, recoveryKey, name) => call('join_centre', { path, recoveryKey, name }),
  saveJoinEnrolment: (path) => call('save_join_enrolment', { path }),
  finishJoin: () => call('finish_join'),
  chooseFolder: () => call('choose_folder'),

  workQueues: (today) => call('work_queues', { today }),
  todayCounts: (today) => call('today_counts', { today }),
  todayPage: (today, queue, sort, descending, offset, limit) =>
    call('today_page', { today, queue, sort, descending, offset, limit }),
  calendar: (today, from, to) => call('calendar', { today, from, to }),
  appointments: (caseId) => call('appointments', { caseId }),
  addAppointment: (caseId, fields) => call('add_appointment', { caseId, fields }),
  updateAppointment: (id, fields) => call('update_appointment', { id, fields }),
  cancelAppointment: (id) => call('cancel_appointment', { id }),
  changeReferralStatus: (old, status, on) => call('change_referral_status', { old, status, on }),
  search: (text, limit) => call('search', { text, limit: limit ?? null }),
  caseList: (filter) => call('case_list', { filter }),
  caseDetail: (caseId) => call('case_detail', { caseId }),
  casePrintout: (caseId, request) => call('case_printout', { caseId, request }),
  clientIdentity: (clientId) => call('client_identity', { clientId }),
  staff: () => call('staff'),
  codeLists: (language) => call('code_lists', { language }),

  intake: (intake) => call('intake', { intake }),
  recordIncident: (caseId, fields) => call('record_incident', { caseId, fields }),
  addChild: (caseId, fields) => call('add_child', { caseId, fields }),
  logServiceContact: (caseId, fields) => call('log_service_contact', { caseId, fields }),
  recordReferral: (caseId, fields) => call('record_referral', { caseId, fields }),
  addProtectionOrder: (caseId, fields) => call('add_protection_order', { caseId, fields }),
  recordConsent: (caseId, fields) => call('record_consent', { caseId, fields }),
  addNote: (caseId, fields) => call('add_note', { caseId, fields }),
  attachDocument: (caseId, fileName, mediaType, content) =>
    call('attach_document', { caseId, fileName, mediaType, content: Array.from(content) }),
  documentContent: (documentId) => call('document_content', { documentId }),
  closeCase: (caseId, on, reason) => call('close_case', { caseId, on, reason }),
  reopenCase: (caseId, on, reason) => call('reopen_case', { caseId, on, reason }),
  updateCase: (caseId, fields) => call('update_case', { caseId, fields }),
  clientDetails: (clientId) => call('client_details', { clientId }),
  correctClient: (clientId, fields, basedOn) => call('correct_client', { clientId, fields, basedOn }),
  clientHistory: (clientId) => call('client_history', { clientId }),
  possibleDuplicates: (client) => call('possible_duplicates', { client }),
  correctIncident: (old, fields) => call('correct_incident', { old, fields }),
  correctServiceContact: (old, fields) => call('correct_service_contact', { old, fields }),
  correctReferral: (old, fields) => call('correct_referral', { old, fields }),
  correctConsent: (old, fields) => call('correct_consent', { old, fields }),
  correctNote: (old, fields) => call('correct_note', { old, fields }),
  updateChild: (childId, fields) => call('update_child', { childId, fields }),
  updateProtectionOrder: (orderId, fields) => call('update_protection_order', { orderId, fields }),
  recordHistory: (record) => call('record_history', { record }),

  saveDraft: (id, kind, title, body) => call('save_draft', { id, kind, title, body }),
  drafts: () => call('drafts'),
  draft: (id) => call('draft', { id }),
  deleteDraft: (id) => call('delete_draft', { id }),
  saveFormDraft: (key, title, body) => call('save_form_draft', { key, title, body }),
  formDraft: (key) => call('form_draft', { key }),
  discardFormDraft: (key) => call('discard_form_draft', { key }),

  instruments: () => call('instruments'),
  instrument: (id, version) => call('instrument', { id, version }),
  importInstrument: (text) => call('import_instrument', { text }),
  scoreAnswers: (id, version, answers) => call('score_answers', { id, version, answers }),
  recordRiskAssessment: (caseId, fields) => call('record_risk_assessment', { caseId, fields }),
  riskHistory: (caseId) => call('risk_history', { caseId }),
  latestRisk: (caseId) => call('latest_risk', { caseId }),
  safetyPlan: (caseId) => call('safety_plan', { caseId }),
  saveSafetyPlan: (caseId, base, fields) => call('save_safety_plan', { caseId, base, fields }),
  setSafetyPlanReview: (caseId, on) => call('set_safety_plan_review', { caseId, on }),
  logSafetyPlanPrint: (caseId, planId, sections) => call('log_safety_plan_print', { caseId, planId, sections }),
  permissions: () => call('permissions'),
  clientNamesInLists: () => call('client_names_in_lists'),
  setClientNamesInLists: (on) => call('set_client_names_in_lists', { on }),
  addStaff: (user, role, disciplines, passphrase) => call('add_staff', { user, role, disciplines, passphrase }),
  disableStaff: (user) => call('disable_staff', { user }),
  enableStaff: (user, passphrase) => call('enable_staff', { user, passphrase }),
  rotateKey: async (onProgress) => {
    // The core reports progress as `rotation-progress` events while the command runs.
    const unlisten = await listen<RotationProgress>('rotation-progress', (event) => onProgress(event.payload));
    try {
      return await call('rotate_key');
    } finally {
      unlisten();
    }
  },
  accessLog: (limit) => call('access_log', { limit }),
  accessLogForCase: (caseId) => call('access_log_for_case', { caseId }),
  verifyAccessLog: () => call('verify_access_log'),
  createBackup: (folder) => call('create_backup', { folder }),
  verifyBackup: (path) => call('verify_backup', { path }),
  backupStatus: () => call('backup_status'),
  setBackupReminder: (days) => call('set_backup_reminder', { days }),
  retentionPolicy: () => call('retention_policy'),
  setRetentionPolicy: (policy) => call('set_retention_policy', { policy }),
  retentionPreview: (today) => call('retention_preview', { today }),
  purge: (today) => call('purge', { today }),
  syncIdentity: () => call('sync_identity'),
  saveEnrolmentFile: (path) => call('save_enrolment_file', { path }),
  inspectEnrolment: (path) => call('inspect_enrolment', { path }),
  enrol: (path, fingerprint) => call('enrol', { path, fingerprint }),
  syncStatus: () => call('sync_status'),
  setSharing: (to, level) => call('set_sharing', { to, level }),
  transferCase: (caseId, to, path) => call('transfer_case', { caseId, to, path }),
  caseTransfers: (caseId) => call('case_transfers', { caseId }),
  exportPreview: (to) => call('export_preview', { to }),
  exportBundle: (to, path, fromMonth, toMonth) => call('export_bundle', { to, path, fromMonth, toMonth }),
  importBundles: (paths, dryRun, onProgress) => {
    const progress = new Channel<ImportEvent>();
    progress.onmessage = onProgress;
    return call('import_bundles', { paths, dryRun, progress });
  },
  importHistory: (limit) => call('import_history', { limit }),
  peersOverview: () => call('peers_overview'),
  peersFingerprint: (name) => call('peers_fingerprint', { name }),
  savePeersEnrolment: (name, path) => call('save_peers_enrolment', { name, path }),
  peersAdd: (path, fingerprint) => call('peers_add', { path, fingerprint }),
  peersJoinFile: (path, name) => call('peers_join_file', { path, name }),
  peersRemove: (computer) => call('peers_remove', { computer }),
  peersHandOver: (computer) => call('peers_hand_over', { computer }),
  peersTakeOver: () => call('peers_take_over'),
  setPeersFolder: (folder) => call('set_peers_folder', { folder }),
  peersSync: (automatic) => call('peers_sync', { automatic }),
  peerCaseReviews: (caseId) => call('peer_case_reviews', { caseId }),
  resolvePeerReview: (table, recordId, field, version) =>
    call('resolve_peer_review', { table, recordId, field, version }),
  peerReviewCases: () => call('peer_review_cases'),
  chooseFiles: (kind, multiple) => call('choose_files', { kind, multiple }),
  chooseSaveFile: (kind, fileName) => call('choose_save_file', { kind, fileName }),
  savePdf: (path, landscape) => call('save_pdf', { path, landscape }),
  statsTables: (query) => call('stats_tables', { query }),
  publishStats: (query, format, path, codesOnly) => call('publish_stats', { query, format, path, codesOnly }),
  warehouseExportParquet: (outDir, period) => call('warehouse_export_parquet', { outDir, period }),
  analysisTemplates: () => call('analysis_templates'),
  analysisTemplate: (id, version) => call('analysis_template', { id, version }),
  analysisExampleTemplate: () => call('analysis_example_template'),
  saveAnalysisTemplate: (template) => call('save_analysis_template', { template }),
  importAnalysisTemplate: (path) => call('import_analysis_template', { path }),
  analysisCandidates: () => call('analysis_candidates'),
  analysisForm: (caseId, templateId) => call('analysis_form', { caseId, templateId }),
  screenAnalysis: (caseId, answers) => call('screen_analysis', { caseId, answers }),
  completeAnalysis: (caseId, input) => call('complete_analysis', { caseId, input }),
  compareAnalyses: (query) => call('compare_analyses', { query }),
  exportAnalysisComparison: (query, path) => call('export_analysis_comparison', { query, path }),
  publishedStats: (query, codesOnly) => call('published_stats', { query, codesOnly }),
  preparePublication: (query) => call('prepare_publication', { query }),
  warehouseExport: (request, mapping, folder) => call('warehouse_export', { request, mapping, folder }),
  warehouseMappingTemplate: (periodType, period, path) =>
    call('warehouse_mapping_template', { periodType, period, path }),
  centres: () => call('centres'),
  updateCentre: (update) => call('update_centre', { update }),
  syncBoard: () => call('sync_board'),
  inboxFolder: () => call('inbox_folder'),
  setInboxFolder: (folder) => call('set_inbox_folder', { folder }),
  runInbox: () => call('run_inbox'),
  statsMeasures: () => call('stats_measures'),
  statsTrends: (query) => call('stats_trends', { query }),
  setTarget: (input) => call('set_target', { input }),
  targetProgress: (year) => call('target_progress', { year }),
  dataQuality: (query) => call('data_quality', { query }),
  referenceStatus: () => call('reference_status'),
  directory: (agencyType) => call('directory', { agencyType }),
  importDirectory: (path) => call('import_directory', { path }),
  sheetPreview: (path, read) => call('sheet_preview', { path, read }),
  sheetDryRun: (path, read, mapping, decisions, onProgress) => {
    const progress = new Channel<Progress>();
    progress.onmessage = onProgress;
    return call('sheet_dry_run', { path, read, mapping, decisions, progress });
  },
  sheetImport: (path, mapping, options, onProgress) => {
    const progress = new Channel<Progress>();
    progress.onmessage = onProgress;
    return call('sheet_import', { path, mapping, options, progress });
  },
  sheetShred: (path) => call('sheet_shred', { path }),
  sheetUndo: (batchId) => call('sheet_undo', { batchId }),
  sheetBatches: () => call('sheet_batches'),
  sheetMappings: () => call('sheet_mappings'),
  saveSheetMapping: (mapping) => call('save_sheet_mapping', { mapping }),
  exportSheetMapping: (name, path) => call('export_sheet_mapping', { name, path }),
  importSheetMapping: (path) => call('import_sheet_mapping', { path }),
  createReferralLetter: (referralId, agencyId, language) =>
    call('create_referral_letter', { referralId, agencyId, language }),
  referralLetters: (caseId) => call('referral_letters', { caseId }),
  referralLetter: (letterId) => call('referral_letter', { letterId }),
  conferences: (caseId) => call('conferences', { caseId }),
  recordConference: (caseId, fields, actions) => call('record_conference', { caseId, fields, actions }),
  recordActionOutcome: (actionId, supersedes, fields) =>
    call('record_action_outcome', { actionId, supersedes, fields }),
};
