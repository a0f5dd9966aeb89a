// The sync screens' helpers: names to suggest, the fingerprint in groups, the per-file list
// as progress events arrive, and the import history read from its logged JSON.
import { describe, expect, it } from 'vitest';
import {
  baseName,
  bundleFileName,
  fingerprintGroups,
  historyLine,
  ImportList,
  monthOf,
  refusalKey,
} from './sync.svelte';
import type { ImportFileResult } from './bindings/ImportFileResult';
import type { ImportSummary } from './bindings/ImportSummary';
import { importSummary as summary } from '../test/sync';

const ok = (path: string, s: ImportSummary): ImportFileResult => ({
  path,
  file_name: baseName(path),
  summary: s,
  refused: null,
});
const refused = (path: string): ImportFileResult => ({
  path,
  file_name: baseName(path),
  summary: null,
  refused: { code: 'bundle_damaged', message: 'the bundle is damaged or was changed on the way' },
});

describe('sync helpers', () => {
  it('splits the short fingerprint into its six groups', () => {
    expect(fingerprintGroups('7QK2-M9TD-AB12-CD34-EF56-GH78')).toEqual([
      '7QK2',
      'M9TD',
      'AB12',
      'CD34',
      'EF56',
      'GH78',
    ]);
  });

  it('names files by sender, recipient and a zero-padded sequence', () => {
    expect(bundleFileName('KLP-01', { recipient: 'KOORD', sequence: 7 })).toBe('KLP-01-to-KOORD-0007.atrama');
    expect(baseName('/tmp/x/KLP-01-to-KOORD-0007.atrama')).toBe('KLP-01-to-KOORD-0007.atrama');
    expect(baseName('C:\\bundles\\k.atrama')).toBe('k.atrama');
    expect(monthOf(new Date(2026, 0, 15))).toBe('2026-01');
  });

  it('gives each refusal its own headline', () => {
    expect(refusalKey('bundle_damaged')).toBe('sync.refused.damaged');
    expect(refusalKey('wrong_recipient')).toBe('sync.refused.wrongRecipient');
    expect(refusalKey('unknown_sender')).toBe('sync.refused.unknownSender');
    expect(refusalKey('newer_version')).toBe('sync.refused.newerVersion');
    expect(refusalKey('internal')).toBe('sync.refused.other');
  });
});

describe('ImportList', () => {
  it('adds each path once, trimmed, and skips blanks', () => {
    const list = new ImportList();
    list.add(['/a/one.atrama', ' /a/one.atrama ', '', '/a/two.atrama']);
    expect(list.rows.map((r) => [r.path, r.fileName, r.state])).toEqual([
      ['/a/one.atrama', 'one.atrama', 'waiting'],
      ['/a/two.atrama', 'two.atrama', 'waiting'],
    ]);
    list.remove('/a/one.atrama');
    expect(list.rows.map((r) => r.path)).toEqual(['/a/two.atrama']);
  });

  it('follows the progress events file by file, then takes the final results', () => {
    const list = new ImportList();
    list.add(['/a/bad.atrama', '/a/good.atrama']);
    list.start();
    expect(list.running).toBe(true);
    list.apply({ event: 'started', index: 0, total: 2, file_name: 'bad.atrama' });
    expect(list.rows.map((r) => r.state)).toEqual(['checking', 'waiting']);
    list.apply({ event: 'finished', index: 0, total: 2, result: refused('/a/bad.atrama') });
    expect(list.done).toBe(1);
    expect(list.rows[0]!.result?.refused?.code).toBe('bundle_damaged');
    list.apply({ event: 'started', index: 1, total: 2, file_name: 'good.atrama' });
    expect(list.rows.map((r) => r.state)).toEqual(['done', 'checking']);
    list.apply({ event: 'records', index: 1, done: 2000, total: 5100 });
    expect(list.rows[1]!.records).toEqual({ done: 2000, total: 5100 });
    expect(list.rows[1]!.state).toBe('checking');
    // The final answer covers a last event that has not arrived yet.
    list.finish([refused('/a/bad.atrama'), ok('/a/good.atrama', summary())]);
    expect(list.running).toBe(false);
    expect(list.done).toBe(2);
    expect(list.rows[1]!.result?.summary?.outcome).toBe('applied');
    // A second run starts every row afresh.
    list.start();
    expect(list.rows.map((r) => [r.state, r.result, r.records])).toEqual([
      ['waiting', null, null],
      ['waiting', null, null],
    ]);
  });

  it('ignores an event for a row it does not have', () => {
    const list = new ImportList();
    list.add(['/a/x.atrama']);
    list.apply({ event: 'started', index: 5, total: 6, file_name: 'y.atrama' });
    expect(list.rows[0]!.state).toBe('waiting');
  });
});

describe('historyLine', () => {
  it('reads sender, sequence and records from a logged summary', () => {
    const line = historyLine({
      at: '2026-11-20T10:00:00Z',
      user: 'ona',
      file_name: 'a.atrama',
      outcome: 'applied',
      summary: JSON.stringify(summary()),
    });
    expect(line).toMatchObject({ sender: 'KLP-01', sequence: 1, records: 8, error: null, fileName: 'a.atrama' });
  });

  it('reads the reason of a refused file, and survives a summary that is not JSON', () => {
    const line = historyLine({
      at: 'x',
      user: 'ona',
      file_name: 'b.atrama',
      outcome: 'refused',
      summary: '{"error":"the bundle is damaged","code":"bundle_damaged"}',
    });
    expect(line).toMatchObject({ error: 'the bundle is damaged', sender: null, records: null });
    expect(historyLine({ at: 'x', user: 'ona', file_name: 'c', outcome: 'refused', summary: 'oops' }).error).toBeNull();
  });
});
