// The Tauri implementation of the backend: each method is one command of src-tauri.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { ImportEvent } from '../bindings/ImportEvent';
import { asIpcError, type Backend } from './index';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asIpcError(e);
  }
}

export const tauriBackend: Backend = {
  appPhase: () => call('app_phase'),
  beginSetup: (centre, passphrase) => call('begin_setup', { centre, passphrase }),
  finishSetup: (answers) => call('finish_setup', { answers }),
  cancelSetup: () => call('cancel_setup'),
  unlock: (user, passphrase) => call('unlock', { user, passphrase }),
  lock: () => call('lock'),

  workQueues: (today) => call('work_queues', { today }),
  search: (text, limit) => call('search', { text, limit: limit ?? null }),
  caseList: (filter) => call('case_list', { filter }),
  caseDetail: (caseId) => call('case_detail', { caseId }),
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

  saveDraft: (id, kind, title, body) => call('save_draft', { id, kind, title, body }),
  drafts: () => call('drafts'),
  draft: (id) => call('draft', { id }),
  deleteDraft: (id) => call('delete_draft', { id }),

  syncIdentity: () => call('sync_identity'),
  saveEnrolmentFile: (path) => call('save_enrolment_file', { path }),
  inspectEnrolment: (path) => call('inspect_enrolment', { path }),
  enrol: (path, fingerprint) => call('enrol', { path, fingerprint }),
  syncStatus: () => call('sync_status'),
  exportPreview: (to) => call('export_preview', { to }),
  exportBundle: (to, path, fromMonth, toMonth) => call('export_bundle', { to, path, fromMonth, toMonth }),
  importBundles: (paths, dryRun, onProgress) => {
    const progress = new Channel<ImportEvent>();
    progress.onmessage = onProgress;
    return call('import_bundles', { paths, dryRun, progress });
  },
  importHistory: (limit) => call('import_history', { limit }),
  chooseFiles: (kind, multiple) => call('choose_files', { kind, multiple }),
  chooseSaveFile: (kind, fileName) => call('choose_save_file', { kind, fileName }),
};
