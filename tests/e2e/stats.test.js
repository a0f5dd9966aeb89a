// End-to-end test of statistics on a coordination centre, through the real desktop app and
// core. Three centres are made with the CLI (demo data), each enrols the coordinator and
// seals a bundle for it; in the app on the coordinator store the three bundles are imported
// through the Sync import screen, the partners list shows the three centres, the Statistics
// screen shows T1 by centre (checked against the CLI's exact tables), two centres are
// compared side by side (checked against the table view), and an XLSX is published to a
// typed path (a ZIP file: it starts with "PK"). Each Statistics screen is checked by axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeApp, openApp, type, click, textOf, waitText, unlockAs, startDriver, stopDriver, cli, checkScreen, shot } from './harness.js';

const PASS = 'tylus rytas prie jūros';
const COORD = 'KOORD-ST';
const CENTRES = [
  { code: 'KLP-ST', name: 'Klaipėdos centras', country: 'LT', seed: '3' },
  { code: 'LIE-ST', name: 'Liepājas centrs', country: 'LV', seed: '5' },
  { code: 'VLN-ST', name: 'Vilniaus centras', country: 'LT', seed: '7' },
];

let work;
let coordStore;
const file = (name) => join(work, name);
const json = (store, user, args) => JSON.parse(cli(store, user, PASS, ['--json', ...args]));

/** `YYYY-MM` of `date`, and `n` months before it (as the screen's default period). */
function month(date, n = 0) {
  const d = new Date(date.getFullYear(), date.getMonth() - n, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-stats-'));
  coordStore = join(work, 'coord');
  cli(coordStore, null, PASS, ['init', '--centre-code', COORD, '--centre-name', 'Koordinavimo centras', '--country', 'LT', '--language', 'en', '--admin', 'vida', '--mode', 'coordinator']);
  cli(coordStore, 'vida', PASS, ['keys', 'export', '--out', file('koord.enrol')]);
  const coordFingerprint = json(coordStore, 'vida', ['keys', 'show']).short;
  for (const c of CENTRES) {
    const store = join(work, c.code);
    cli(store, null, PASS, ['init', '--centre-code', c.code, '--centre-name', c.name, '--country', c.country, '--language', 'en', '--admin', 'ona']);
    cli(store, 'ona', PASS, ['demo', '--clients', '60', '--months', '6', '--seed', c.seed]);
    cli(store, 'ona', PASS, ['keys', 'export', '--out', file(`${c.code}.enrol`)]);
    const fingerprint = json(store, 'ona', ['keys', 'show']).short;
    cli(coordStore, 'vida', PASS, ['enrol', file(`${c.code}.enrol`), '--fingerprint', fingerprint]);
    cli(store, 'ona', PASS, ['enrol', file('koord.enrol'), '--fingerprint', coordFingerprint]);
    cli(store, 'ona', PASS, ['bundle', 'export', '--to', COORD, '--out', file(`${c.code}.atrama`)]);
  }
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

const number = (text) => Number(text.replace(/[^\d]/g, ''));

test('a coordinator imports three centres, compares two and publishes an XLSX', async () => {
  await startDriver({ ATRAMA_STORE: coordStore });
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'vida', PASS);

    // ── Import the three bundles through the Sync import screen.
    await click(app, '#nav-sync');
    await textOf(app, '#sync-title');
    await click(app, '#sync-tab-import');
    for (const c of CENTRES) {
      await type(app, '#sync-import-path', file(`${c.code}.atrama`));
      await click(app, '#sync-import-add');
    }
    await click(app, '#sync-import-run');
    for (const c of CENTRES) {
      const sel = `#sync-import-files tr[data-file="${c.code}.atrama"][data-state="done"] .import-result`;
      await waitText(app, sel, (t) => new RegExp(`Imported from ${c.code} #1`).test(t), 60000);
    }
    await click(app, '#sync-tab-partners');
    for (const c of CENTRES) {
      assert.match(await textOf(app, `#sync-peers tr[data-peer="${c.code}"] .peer-received`), /#1/);
    }
    await shot(app, '40-stats-partners');

    // ── Statistics: T1 by centre over the default period (the last 12 months).
    await click(app, '#nav-statistics');
    await textOf(app, '#stats-title');
    const from = month(new Date(), 11);
    const to = month(new Date());
    assert.equal(await (await app.$('#stats-from')).getValue(), from);
    assert.equal(await (await app.$('#stats-to')).getValue(), to);
    await textOf(app, '#stats-grid', 30000);
    for (const c of CENTRES) assert.ok(await (await app.$(`#stats-centre-${c.code}`)).isExisting(), `${c.code} offered as a filter`);
    const cliReport = json(coordStore, 'vida', ['report', 'show', '--period', from, '--to', to, '--whole-period']);
    const t1 = cliReport.tables.find((x) => x.id === 'T1');
    const shown = {};
    for (const c of CENTRES) {
      const i = t1.rows.findIndex((r) => r.centre === c.code);
      assert.ok(i >= 0, `the CLI has a T1 row for ${c.code}`);
      const total = number(await textOf(app, `#stats-grid tbody tr[data-centre="${c.code}"] td.total`));
      assert.equal(total, t1.row_totals[i].value, `T1 total of ${c.code} as the core counts it`);
      shown[c.code] = total;
    }
    assert.ok(Object.values(shown).some((v) => v > 0), `some new clients counted: ${JSON.stringify(shown)}`);
    assert.equal(number(await textOf(app, '#stats-grand-total')), t1.total.value);
    // Category labels come from the core's code lists.
    const headers = await app.execute(() => [...document.querySelectorAll('#stats-grid thead th')].map((el) => el.textContent));
    for (const col of t1.columns.slice(0, 3)) assert.ok(headers.some((h) => h.includes(col.label)), `${col.label} in ${headers}`);
    await (await app.$('#stats-grid')).scrollIntoView();
    await checkScreen(app, '41-stats-tables');

    // ── Compare two centres side by side.
    await click(app, '#stats-mode-compare');
    await textOf(app, '#stats-compare-hint');
    await click(app, '#stats-compare-VLN-ST');
    await click(app, '#stats-compare-KLP-ST');
    await textOf(app, '#stats-compare-grid');
    const heads = await app.execute(() => [...document.querySelectorAll('#stats-compare-grid thead th[data-centre]')].map((el) => el.dataset.centre));
    assert.deepEqual(heads, ['KLP-ST', 'VLN-ST'], 'the two chosen centres side by side, by code');
    for (const code of ['VLN-ST', 'KLP-ST']) {
      assert.equal(number(await textOf(app, `#stats-compare-grid tfoot td[data-centre="${code}"]`)), shown[code], `compared total of ${code}`);
    }
    await (await app.$('#stats-compare-grid')).scrollIntoView();
    await checkScreen(app, '42-stats-compare');

    // ── Publish an XLSX to a typed path.
    const out = file('published.xlsx');
    assert.match(await textOf(app, '#stats-publish-note'), /1 to 4/);
    await type(app, '#stats-publish-path', out);
    await click(app, '#stats-publish');
    assert.match(await textOf(app, '#stats-published', 30000), /published\.xlsx/);
    assert.ok(existsSync(out), 'the report was written');
    assert.equal(readFileSync(out).subarray(0, 2).toString('latin1'), 'PK', 'an XLSX is a ZIP file');
    await checkScreen(app, '43-stats-published');
    const log = json(coordStore, 'vida', ['audit', 'show', '--limit', '5']);
    assert.ok(JSON.stringify(log).includes('monthly report'), 'the export is in the access log');
  } finally {
    await closeApp(app, coordStore);
  }
});
