// Presentation helpers of the sync screens: file names to suggest, the fingerprint in groups,
// and the per-file list of a multi-file import as progress events arrive. Every decision
// (what is exported, whether a file is accepted) is the core's; this only shows it.
import type { ErrorCode } from './bindings/ErrorCode';
import type { ExportPreview } from './bindings/ExportPreview';
import type { ImportEvent } from './bindings/ImportEvent';
import type { ImportFileResult } from './bindings/ImportFileResult';
import type { ImportLogEntry } from './bindings/ImportLogEntry';
import type { ImportSummary } from './bindings/ImportSummary';
import type { MessageKey } from './i18n';

/** The short fingerprint as the groups people read aloud. */
export function fingerprintGroups(short: string): string[] {
  return short.split('-').filter((g) => g.length > 0);
}

/** The last part of a path (either separator), as people recognise a file. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** `YYYY-MM` of a date, in local time. */
export function monthOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
}

/** The name suggested for this store's enrolment file. */
export function enrolmentFileName(code: string): string {
  return `${code}.enrol`;
}

/** The name suggested for a bundle: sender, recipient and sequence, so a folder of bundles
 *  sorts by who and in which order. */
export function bundleFileName(ownCode: string, preview: Pick<ExportPreview, 'recipient' | 'sequence'>): string {
  return `${ownCode}-to-${preview.recipient}-${String(preview.sequence).padStart(4, '0')}.atrama`;
}

/** Records in a preview, over all tables. */
export function previewTotal(preview: ExportPreview): number {
  return Object.values(preview.counts).reduce((a, b) => a + b, 0);
}

/** New + updated + unchanged + rejected of a summary, per kind. */
/** The pseudo-table under which a statistics-level bundle's months are counted. */
export const MONTHLY_COUNTS = 'monthly_counts';

/** Record counts of an import, over every table (a statistics bundle's months apart). */
export function summaryTotals(s: ImportSummary): { new: number; updated: number; unchanged: number; rejected: number } {
  const t = { new: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const [table, c] of Object.entries(s.tables)) {
    if (table === MONTHLY_COUNTS) continue; // months of a statistics bundle, not records
    t.new += c.new;
    t.updated += c.updated;
    t.unchanged += c.unchanged;
    t.rejected += c.rejected;
  }
  return t;
}

/** The headline of a refusal, by its code (the core's message says the rest). */
export function refusalKey(code: ErrorCode): MessageKey {
  switch (code) {
    case 'bundle_damaged':
      return 'sync.refused.damaged';
    case 'wrong_recipient':
      return 'sync.refused.wrongRecipient';
    case 'unknown_sender':
      return 'sync.refused.unknownSender';
    case 'newer_version':
      return 'sync.refused.newerVersion';
    default:
      return 'sync.refused.other';
  }
}

export type RowState = 'waiting' | 'checking' | 'done';

export interface ImportRow {
  path: string;
  fileName: string;
  state: RowState;
  result: ImportFileResult | null;
  /** Records applied so far, for a large bundle. */
  records: { done: number; total: number } | null;
}

/** The files chosen for import and, once it runs, what happened to each. */
export class ImportList {
  rows = $state<ImportRow[]>([]);
  running = $state(false);

  /** Adds paths not yet in the list (a path chosen twice is imported once). */
  add(paths: string[]): void {
    for (const raw of paths) {
      const path = raw.trim();
      if (path && !this.rows.some((r) => r.path === path)) {
        this.rows.push({ path, fileName: baseName(path), state: 'waiting', result: null, records: null });
      }
    }
  }

  remove(path: string): void {
    this.rows = this.rows.filter((r) => r.path !== path);
  }

  clear(): void {
    this.rows = [];
  }

  /** Before a run: every row waits again. */
  start(): void {
    this.running = true;
    for (const r of this.rows) {
      r.state = 'waiting';
      r.result = null;
      r.records = null;
    }
  }

  /** A progress event from the core (files are reported in the order given). */
  apply(event: ImportEvent): void {
    const row = this.rows[event.index];
    if (!row) return;
    if (event.event === 'started') {
      row.state = 'checking';
    } else if (event.event === 'records') {
      row.records = { done: event.done, total: event.total };
    } else {
      row.state = 'done';
      row.result = event.result;
    }
  }

  /** After a run: the final results (also covers events that arrived late or not at all). */
  finish(results: ImportFileResult[]): void {
    results.forEach((result, i) => {
      const row = this.rows[i];
      if (row) {
        row.state = 'done';
        row.result = result;
      }
    });
    this.running = false;
  }

  get done(): number {
    return this.rows.filter((r) => r.state === 'done').length;
  }
}

/** One line of the import history, read from its logged JSON. */
export interface HistoryLine {
  at: string;
  user: string;
  fileName: string;
  outcome: string;
  sender: string | null;
  sequence: number | null;
  records: number | null;
  error: string | null;
}

export function historyLine(e: ImportLogEntry): HistoryLine {
  let sender: string | null = null;
  let sequence: number | null = null;
  let records: number | null = null;
  let error: string | null = null;
  try {
    const s = JSON.parse(e.summary) as Partial<ImportSummary> & { error?: string };
    if (typeof s.error === 'string') error = s.error;
    if (typeof s.sender === 'string') sender = s.sender;
    if (typeof s.sequence === 'number') sequence = s.sequence;
    if (s.tables) {
      const t = summaryTotals(s as ImportSummary);
      records = t.new + t.updated;
    }
  } catch {
    // An entry whose summary is not JSON shows without details.
  }
  return { at: e.at, user: e.user, fileName: e.file_name, outcome: e.outcome, sender, sequence, records, error };
}
