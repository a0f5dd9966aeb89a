// End-to-end test of the coordination screen, through the real desktop app and core. Three
// centres are made with the CLI (demo data) and seal bundles for the coordinator; KLP's
// second bundle is "lost" (never delivered), so the board must show a sequence gap. The
// bundles and a stray text file wait in the coordinator's inbox folder (set by the CLI):
// unlocking the app imports them and moves each file aside. Then: the sync board (three
// centres, the gap), the centres registry (a cadence edited in the app, read back by the
// CLI), Klaipėda vs Liepāja month by month (checked against the CLI's trends), a yearly
// target with its progress, data quality (checked against the CLI), a mapping template and a
// DHIS2 exchange file written from Exchange files, an XLSX published and read back by
// openpyxl, and the print view (suppressed values only, the rule on the page).
// Each new screen is checked by axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeApp, openApp, type, click, choose, textOf, waitText, unlockAs, startDriver, stopDriver, cli, checkScreen } from './harness.js';

const PASS = 'tylus rytas prie jūros';
const COORD = 'KOORD-CO';
const CENTRES = [
  { code: 'KLP-CO', name: 'Klaipėdos centras', country: 'LT', seed: '3', city: 'Klaipėda' },
  { code: 'LIE-CO', name: 'Liepājas centrs', country: 'LV', seed: '5', city: 'Liepāja' },
  { code: 'VLN-CO', name: 'Vilniaus centras', country: 'LT', seed: '7', city: 'Vilnius' },
];

let work;
let coordStore;
let inbox;
const file = (name) => join(work, name);
const json = (store, user, args) => JSON.parse(cli(store, user, PASS, ['--json', ...args]));
const number = (text) => Number(text.replace(/[^\d]/g, ''));

function month(date, n = 0) {
  const d = new Date(date.getFullYear(), date.getMonth() - n, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-coord-'));
  coordStore = join(work, 'coord');
  inbox = join(work, 'inbox');
  mkdirSync(inbox);
  cli(coordStore, null, PASS, ['init', '--centre-code', COORD, '--centre-name', 'Koordinavimo centras', '--country', 'LT', '--language', 'en', '--admin', 'vida', '--mode', 'coordinator']);
  cli(coordStore, 'vida', PASS, ['keys', 'export', '--out', file('koord.enrol')]);
  const coordFingerprint = json(coordStore, 'vida', ['keys', 'show']).short;
  for (const c of CENTRES) {
    const store = join(work, c.code);
    cli(store, null, PASS, ['init', '--centre-code', c.code, '--centre-name', c.name, '--country', c.country, '--language', 'en', '--admin', 'ona']);
    cli(store, 'ona', PASS, ['demo', '--clients', '50', '--months', '6', '--seed', c.seed]);
    cli(store, 'ona', PASS, ['keys', 'export', '--out', file(`${c.code}.enrol`)]);
    const fingerprint = json(store, 'ona', ['keys', 'show']).short;
    cli(coordStore, 'vida', PASS, ['enrol', file(`${c.code}.enrol`), '--fingerprint', fingerprint]);
    cli(store, 'ona', PASS, ['enrol', file('koord.enrol'), '--fingerprint', coordFingerprint]);
    cli(store, 'ona', PASS, ['bundle', 'export', '--to', COORD, '--out', join(inbox, `${c.code}-1.atrama`)]);
    cli(coordStore, 'vida', PASS, ['centres', 'set', c.code, '--city', c.city]);
  }
  // KLP: #2 is lost on the way, #3 arrives.
  const klp = join(work, 'KLP-CO');
  cli(klp, 'ona', PASS, ['bundle', 'export', '--to', COORD, '--out', file('KLP-CO-2-lost.atrama')]);
  cli(klp, 'ona', PASS, ['bundle', 'export', '--to', COORD, '--out', join(inbox, 'KLP-CO-3.atrama')]);
  writeFileSync(join(inbox, 'readme.txt'), 'not a bundle');
  cli(coordStore, 'vida', PASS, ['inbox', 'set', inbox]);
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

test('a coordinator sees the sync board, compares two cities, sets a target and prints the report', async () => {
  await startDriver({ ATRAMA_STORE: coordStore });
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'vida', PASS);

    // ── Unlocking ran the inbox: every bundle imported and moved, the text file rejected.
    await click(app, '#nav-coordination');
    await textOf(app, '#coord-title');
    await waitText(app, '#inbox-result tr[data-file="readme.txt"]', (t) => /rejected/.test(t), 60000);
    for (const name of ['KLP-CO-1.atrama', 'KLP-CO-3.atrama', 'LIE-CO-1.atrama', 'VLN-CO-1.atrama']) {
      assert.match(await textOf(app, `#inbox-result tr[data-file="${name}"]`), /imported/);
    }
    assert.deepEqual(readdirSync(join(inbox, 'processed')).sort(), ['KLP-CO-1.atrama', 'KLP-CO-3.atrama', 'LIE-CO-1.atrama', 'VLN-CO-1.atrama']);
    assert.deepEqual(readdirSync(join(inbox, 'rejected')).sort(), ['readme.txt', 'readme.txt.reason.txt']);
    assert.match(readFileSync(join(inbox, 'rejected', 'readme.txt.reason.txt'), 'utf8'), /not an Atrama bundle/);
    assert.deepEqual(readdirSync(inbox).sort(), ['processed', 'rejected']);

    // ── The sync board: three centres; KLP's missing #2 flagged in words.
    await click(app, '#coord-tab-board');
    await textOf(app, '#board-table');
    for (const c of CENTRES) assert.ok(await (await app.$(`#board-table tr[data-centre="${c.code}"]`)).isExisting(), `${c.code} on the board`);
    assert.match(await textOf(app, '#board-table tr[data-centre="KLP-CO"] td.gaps'), /never received: #2/);
    assert.match(await textOf(app, '#board-table tr[data-centre="KLP-CO"]'), /#3 received/);
    assert.match(await textOf(app, '#board-table tr[data-centre="LIE-CO"] td.gaps'), /—/);
    const board = json(coordStore, 'vida', ['centres', 'board']);
    assert.deepEqual(board.rows.find((r) => r.centre.code === 'KLP-CO').missing_sequences, [2]);
    // Running the inbox again finds nothing new.
    await click(app, '#inbox-run');
    await waitText(app, '#inbox-result', (t) => /no new files/.test(t), 30000);
    await checkScreen(app, '50-coord-board');

    // ── The centres registry: the cities set by the CLI; a cadence edited here.
    await click(app, '#coord-tab-centres');
    assert.match(await textOf(app, '#centres-table tr[data-centre="LIE-CO"] td.city'), /Liepāja/);
    await click(app, '#centre-edit-LIE-CO');
    await type(app, '#centre-cadence', '60');
    await click(app, '#centre-save');
    await waitText(app, '#centres-table tr[data-centre="LIE-CO"]', (t) => /every 60 days/.test(t));
    assert.equal(json(coordStore, 'vida', ['centres', 'list']).find((c) => c.code === 'LIE-CO').cadence_days, 60);
    await checkScreen(app, '51-coord-centres');

    // ── Klaipėda vs Liepāja, month by month: the same figures as the CLI.
    await click(app, '#coord-tab-trends');
    await click(app, '#trends-by-city');
    await click(app, '#trends-pick-Klaipėda');
    await click(app, '#trends-pick-Liepāja');
    await click(app, '#trends-show');
    await textOf(app, '#trends-result', 30000);
    const from = month(new Date(), 11);
    const to = month(new Date());
    const cliTrend = json(coordStore, 'vida', ['report', 'trends', '--period', from, '--to', to, '--measures', 'cases_opened', '--by', 'city', '--cities', 'Klaipėda,Liepāja']);
    assert.deepEqual(cliTrend.series.map((s) => s.key), ['Klaipėda', 'Liepāja']);
    for (const s of cliTrend.series) {
      const cells = await app.execute((key) => [...document.querySelectorAll(`.trend-table tr[data-key="${key}"] td`)].map((td) => td.textContent), s.key);
      assert.equal(cells.length, s.values.length + 1, `a cell per month and a total for ${s.key}`);
      assert.deepEqual(cells.slice(0, -1).map(number), s.values, `${s.key} month by month`);
      assert.equal(number(cells[cells.length - 1]), s.total);
    }
    assert.ok(cliTrend.series.some((s) => s.total > 0), 'some cases counted');
    const chartBox = await app.$('figure.trend .canvas-box');
    assert.equal(await chartBox.getAttribute('role'), 'img');
    assert.ok(await (await app.$('figure.trend canvas')).isExisting(), 'chart.js drew on a canvas');
    assert.match(await textOf(app, '.trend-desc'), /Klaipėda total \d+; Liepāja total \d+/);
    await (await app.$('#trends-result')).scrollIntoView();
    await checkScreen(app, '52-coord-trends');

    // ── A yearly target with progress to date from the engine.
    await click(app, '#coord-tab-targets');
    await textOf(app, '#targets-table');
    await choose(app, '#target-centre', 'KLP-CO');
    await choose(app, '#target-measure', 'women');
    await type(app, '#target-value', '120');
    await click(app, '#target-save');
    const row = '#targets-table tr[data-centre="KLP-CO"][data-measure="women"]';
    await textOf(app, row);
    const progress = json(coordStore, 'vida', ['targets', 'list']).find((p) => p.centre === 'KLP-CO' && p.measure === 'women');
    assert.equal(progress.target, 120);
    assert.equal(number(await textOf(app, `${row} td.actual`)), progress.actual);
    await checkScreen(app, '53-coord-targets');

    // ── Data quality per centre, as the CLI computes it.
    await click(app, '#coord-tab-quality');
    await textOf(app, '#quality-table', 30000);
    const quality = json(coordStore, 'vida', ['report', 'quality', '--period', from, '--to', to]);
    assert.equal(quality.rows.length, 3);
    for (const r of quality.rows) {
      const cells = await app.execute((code) => [...document.querySelectorAll(`#quality-table tbody tr[data-centre="${code}"] td`)].map((td) => td.textContent), r.centre);
      assert.equal(number(cells[0]), r.cases, `cases of ${r.centre}`);
      assert.equal(number(cells[1].split('(')[0]), r.counts[0], `relationship unknown at ${r.centre}`);
    }
    await (await app.$('#quality-table')).scrollIntoView();
    await checkScreen(app, '54-coord-quality');

    // ── Exchange files: a mapping template written from the screen, filled in as a ministry
    // would (a UID per cell and centre), then last month's exact T1–T10 as a DHIS2 data value
    // set into a folder: one value per cell and centre.
    await click(app, '#coord-tab-exchange');
    await textOf(app, '#exchange-title');
    const lastMonth = month(new Date(), 1);
    assert.equal(await (await app.$('#exchange-period')).getValue(), lastMonth);
    await type(app, '#exchange-template-path', file('mapping-template.json'));
    await click(app, '#exchange-template-save');
    await textOf(app, '#exchange-template-done', 30000);
    const mapping = JSON.parse(readFileSync(file('mapping-template.json'), 'utf8'));
    assert.deepEqual(mapping.centres.map((c) => c.centre), CENTRES.map((c) => c.code));
    const uid = (letter, i) => `${letter}${String(i).padStart(10, '0')}`;
    mapping.cells.forEach((c, i) => Object.assign(c, { data_element: uid('d', i), category_option_combo: uid('c', i) }));
    mapping.centres.forEach((c, i) => (c.org_unit = uid('o', i)));
    writeFileSync(file('mapping.json'), JSON.stringify(mapping));
    await type(app, '#exchange-mapping', file('mapping.json'));
    await type(app, '#exchange-folder', file('exchange'));
    await click(app, '#exchange-run');
    assert.match(await textOf(app, '#exchange-done', 30000), /Exact counts/);
    const written = readdirSync(file('exchange'));
    assert.equal(written.length, 1);
    assert.match(written[0], /\.dhis2\.json$/);
    const set = JSON.parse(readFileSync(join(file('exchange'), written[0]), 'utf8'));
    assert.equal(set.dataValues.length, mapping.cells.length * CENTRES.length, 'a value per cell and centre');
    assert.ok(set.dataValues.every((v) => v.period === lastMonth.replace('-', '') && /EXACT/.test(v.comment)));
    await checkScreen(app, '56-coord-exchange');

    // ── Publish an XLSX and read it back with openpyxl.
    await click(app, '#nav-statistics');
    await textOf(app, '#stats-grid', 30000);
    const out = file('published.xlsx');
    await type(app, '#stats-publish-path', out);
    await click(app, '#stats-publish');
    await textOf(app, '#stats-published', 30000);
    assert.ok(existsSync(out));
    const sheets = JSON.parse(
      execFileSync('python3', ['-c', 'import json,sys,openpyxl; wb=openpyxl.load_workbook(sys.argv[1]); print(json.dumps([wb.sheetnames, wb["T1"]["A1"].value]))', out], { encoding: 'utf8' }),
    );
    assert.deepEqual(sheets[0], ['About', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10']);
    assert.match(String(sheets[1]), /^T1 /);

    // ── The print view: published values only (no 1–4), the rule and period on the page.
    await click(app, '#stats-print');
    await textOf(app, '#print-report');
    const meta = await textOf(app, '#print-report .print-meta');
    assert.match(meta, new RegExp(`${from} – ${to}`));
    assert.match(meta, /Counts from 1 to 4/);
    assert.match(meta, /KLP-CO/);
    const cells = await app.execute(() => [...document.querySelectorAll('#print-report section.print-table:not([data-table="T6b"]) td.count')].map((td) => td.textContent.trim()));
    assert.ok(cells.length > 50, 'the tables are printed');
    for (const c of cells) assert.ok(c === '<5' || !/^[1-4]$/.test(c), `no small count printed: ${c}`);
    assert.ok(cells.includes('<5'), 'some counts are suppressed');
    await checkScreen(app, '55-coord-print');
    await click(app, '#print-close');
  } finally {
    await closeApp(app, coordStore);
  }
});
