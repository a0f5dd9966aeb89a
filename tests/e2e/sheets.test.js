// End to end on the real app: importing records from a spreadsheet (issue 24). An
// administrator reads the Latvian fixture workbook (tests/fixtures/sheets/lv.xlsx, generated
// by scripts/gen-sheets.py), keeps the suggested columns, runs the dry run, maps the value in
// no code list to "unknown", resolves the repeated client as the earlier row's, leaves out
// the row with an impossible date, imports, and undoes the whole import. The counts shown
// must be the ones the generator computed for the fixture. On the way: the mapping is saved
// and loaded back onto the screen, the progress bar ends at the sheet's row count, and the
// imported copy of the sheet is overwritten and deleted from the offer after the import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApp, checkScreen, type, click, choose, textOf, waitText, unlockAs, startDriver, stopDriver, cli } from './harness.js';

const PASS = 'importuojame registrą';
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, '..', 'fixtures', 'sheets', 'lv.xlsx');
const expected = JSON.parse(readFileSync(`${FIXTURE}.expected.json`, 'utf8'));

let work;
let store;
// A copy of the fixture: the overwrite-and-delete offer destroys it.
let SHEET;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-sheets-'));
  store = join(work, 'store');
  SHEET = join(work, 'lv.xlsx');
  copyFileSync(FIXTURE, SHEET);
  cli(store, null, PASS, ['init', '--centre-code', 'KLP-IM', '--centre-name', 'Klaipėdos centras', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

test('map a sheet, dry run, resolve a duplicate, import, undo', async () => {
  await startDriver({ ATRAMA_STORE: store });
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'ona', PASS);
    await click(app, '#nav-admin');
    await click(app, '#admin-tab-import');
    await type(app, '#sheet-path', SHEET);
    await click(app, '#sheet-read');
    // The suggested columns: the Latvian headers found their fields.
    const first = await app.$('#sheet-col-0');
    await first.waitForDisplayed({ timeout: 15000 });
    assert.equal(await first.getValue(), 'client_key');
    assert.equal(await (await app.$('#sheet-col-9')).getValue(), 'violence_forms');
    await checkScreen(app, '70-import-columns');

    // Saved, changed on screen, loaded back: the saved columns return.
    await type(app, '#sheet-mapping-name', 'Latvijas reģistrs');
    await click(app, '#sheet-mapping-save');
    await waitText(app, '#sheet-notice', (t) => t === 'Mapping saved.');
    await choose(app, '#sheet-col-0', '');
    await choose(app, '#sheet-saved', 'Latvijas reģistrs');
    await click(app, '#sheet-load-mapping');
    await waitText(app, '#sheet-notice', (t) => t.startsWith('Mapping “Latvijas reģistrs” loaded'));
    assert.equal(await (await app.$('#sheet-col-0')).getValue(), 'client_key');

    await click(app, '#sheet-dry-run');
    await waitText(app, '#sheet-summary', (t) => t.startsWith(`${expected.rows} rows`));
    // The progress bar ended at the sheet's row count (blank rows included).
    const progress = await waitText(app, '#sheet-progress-text', (t) => /^Checked (\d+) of \1 rows$/.test(t));
    assert.ok(Number(progress.split(' ')[1]) >= expected.rows, progress);
    const [unknown] = expected.unknown_values[0];
    await choose(app, `select[id="sheet-value-violence_form-${unknown}"]`, 'unknown');
    const [dupRow, earlierRow] = expected.sheet_duplicates[0];
    await choose(app, `#sheet-dup-${dupRow}`, `row:${earlierRow}`);
    // The Žemaite row is no one recorded in this store: it is no duplicate here.
    for (const row of expected.existing_duplicates) {
      assert.equal(await (await app.$(`#sheet-dup-${row}`)).isExisting(), false);
    }
    await click(app, '#sheet-dry-run-again');
    await waitText(app, '#sheet-summary', (t) => t.includes(`${expected.problem_rows_after_value_mapping.length} with problems`));
    await checkScreen(app, '71-import-dry-run');
    await click(app, '#sheet-skip');
    await click(app, '#sheet-import');
    const rows = expected.cases; // one case per imported row
    await waitText(app, '#sheet-notice', (t) => t === `${rows} rows imported.`, 60000);
    await waitText(app, '#sheet-progress-text', (t) => /^Imported (\d+) of \1 rows$/.test(t));
    await textOf(app, '#sheet-source-warning');
    await waitText(app, '#sheet-batches', (t) => t.includes('lv.xlsx'));
    // Overwrite and delete the (copied) sheet, after a confirmation.
    await click(app, '#sheet-shred');
    assert.ok(existsSync(SHEET), 'nothing deleted before the confirmation');
    await click(app, '#sheet-shred-confirm');
    await textOf(app, '#sheet-shredded');
    assert.equal(existsSync(SHEET), false, 'the sheet is gone');

    await click(app, '#sheet-batches .sheet-undo');
    // Everything the import created: the clients (Žemaite too), cases, incidents, children.
    const records = expected.clients + 1 + expected.cases + expected.incidents + expected.children;
    await waitText(app, '#sheet-notice', (t) => t === `Import undone: ${records} records deleted.`, 60000);
    await waitText(app, '#sheet-batches', (t) => t.includes('undone'));
  } finally {
    await app.deleteSession();
    await stopDriver();
  }
});
