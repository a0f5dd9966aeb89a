// End-to-end test of the joint case analysis, through the real desktop app and core. With
// the CLI: a coordination centre imports the example template and sends it to a centre (with
// demo data) in a return bundle. In the app on the centre's store: the Case analysis screen
// lists the closed cases, the form of a closed, consenting demo case shows the facts the core
// computed (checked against the case as the CLI shows it), an answer with the client's name
// is refused, then the analysis is completed. The centre's bundle goes to the coordinator,
// and in the app on the coordinator's store the comparison shows the centre but not the lesson
// (free-text answers stay at the centre, bundle format 2),
// the templates list and the template editor show, and the comparison is saved as XLSX.
// Each new screen is checked by axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeApp, openApp, type, click, choose, textOf, waitText, unlockAs, startDriver, stopDriver, cli, checkScreen } from './harness.js';

const PASS = 'šilta vasaros naktis';
const COORD = 'KOORD-AN';
const CENTRE = 'KLP-AN';
const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'analysis', 'joint-case-analysis.json');
const LESSON = 'Joint meetings with the police shortened the wait for a protection order.';

let work;
let coordStore;
let centreStore;
let chosen;
const file = (name) => join(work, name);
const json = (store, user, args) => JSON.parse(cli(store, user, PASS, ['--json', ...args]));

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-analysis-'));
  coordStore = join(work, 'coord');
  centreStore = join(work, 'centre');
  cli(coordStore, null, PASS, ['init', '--centre-code', COORD, '--centre-name', 'Koordinavimo centras', '--country', 'LT', '--language', 'en', '--admin', 'vida', '--mode', 'coordinator']);
  cli(centreStore, null, PASS, ['init', '--centre-code', CENTRE, '--centre-name', 'Klaipėdos centras', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(centreStore, 'ona', PASS, ['demo', '--clients', '40', '--months', '12', '--seed', '4']);
  cli(coordStore, 'vida', PASS, ['keys', 'export', '--out', file('koord.enrol')]);
  cli(centreStore, 'ona', PASS, ['keys', 'export', '--out', file('centre.enrol')]);
  cli(coordStore, 'vida', PASS, ['enrol', file('centre.enrol'), '--fingerprint', json(centreStore, 'ona', ['keys', 'show']).short]);
  cli(centreStore, 'ona', PASS, ['enrol', file('koord.enrol'), '--fingerprint', json(coordStore, 'vida', ['keys', 'show']).short]);
  // The coordinator's template goes to the centre in a return bundle.
  cli(coordStore, 'vida', PASS, ['analysis', 'template', 'import', TEMPLATE]);
  cli(coordStore, 'vida', PASS, ['bundle', 'export', '--to', CENTRE, '--out', file('return.atrama')]);
  cli(centreStore, 'ona', PASS, ['bundle', 'import', file('return.atrama')]);
  const templates = json(centreStore, 'ona', ['analysis', 'template', 'list']);
  assert.equal(templates[0]?.id, 'joint-case-analysis', 'the centre received the template');
  // A closed demo case whose client consented to statistics from pseudonymised records.
  const cases = json(centreStore, 'ona', ['case', 'list', '--limit', '500']).filter((c) => c.status === 'closed');
  for (const c of cases) {
    const shown = json(centreStore, 'ona', ['case', 'show', c.case_number, '--identity']);
    const consents = shown.detail.consents.filter((e) => e.fields.purpose === 'statistics');
    const last = consents[consents.length - 1];
    if (last?.fields.given && shown.detail.case.closed_on && shown.identity.family_name) {
      chosen = { number: c.case_number, detail: shown.detail, identity: shown.identity };
      break;
    }
  }
  assert.ok(chosen, 'the demo data has a closed case with consent to statistics');
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

const days = (from, to) => Math.round((Date.parse(to) - Date.parse(from)) / 86400000);

test('a centre fills the joint case analysis of a closed demo case, with the facts pre-filled', async () => {
  await startDriver({ ATRAMA_STORE: centreStore });
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'ona', PASS);
    await click(app, '#nav-analysis');
    await textOf(app, '#analysis-title');
    assert.match(await textOf(app, '#analysis-template-in-use'), /Joint case analysis, version 2/);
    await textOf(app, `#analysis-case-${chosen.number}`);
    await checkScreen(app, '60-analysis-cases');

    await click(app, `#analyse-${chosen.number}`);
    assert.match(await textOf(app, '#analysis-form-title'), new RegExp(chosen.number));
    assert.match(await textOf(app, '#analysis-shared'), /travels to the coordination centre/);
    // The facts, as the core computed them from the case.
    const c = chosen.detail.case;
    assert.equal(await textOf(app, '#fact-support-days'), String(days(c.opened_on, c.closed_on)));
    const contacts = chosen.detail.service_contacts.length;
    assert.match(await textOf(app, '#fact-contacts'), new RegExp(`^${contacts}\\b`));
    if (c.police_notified_on && c.first_contact_on) {
      assert.equal(await textOf(app, '#fact-police-to-contact'), String(Math.max(0, days(c.police_notified_on, c.first_contact_on))));
    }
    const timeline = await app.execute(() => [...document.querySelectorAll('#analysis-timeline tbody tr')].map((r) => r.textContent));
    assert.ok(timeline.some((r) => /Case opened/.test(r)), `timeline: ${timeline}`);
    assert.ok(timeline.some((r) => /Case closed/.test(r)), `timeline: ${timeline}`);
    // Pre-filled answers: the support period and the number of days.
    assert.ok(await (await app.$('#q-support_period-prefilled')).isExisting(), 'the support period is pre-filled');
    assert.equal(await (await app.$('#q-support_period-from')).getValue(), c.opened_on.split('-').reverse().join('/'));
    assert.equal(await (await app.$('#q-support_period-to')).getValue(), c.closed_on.split('-').reverse().join('/'));
    assert.match(await textOf(app, '#analysis-identifier-warning'), /Do not type names/);
    await checkScreen(app, '61-analysis-form');

    // The client's name in a free-text answer is refused.
    await type(app, '#q-situation', `${chosen.identity.family_name} was hit at home.`);
    await choose(app, '#q-outcome', 'safe');
    await type(app, '#q-lessons', LESSON);
    await click(app, '#analysis-complete');
    await textOf(app, '#q-situation-warning-client_name');
    assert.match(await textOf(app, '#analysis-error'), /seem to identify someone/);
    await checkScreen(app, '62-analysis-identifier');

    await type(app, '#q-situation', 'Violence by a former partner; the police came the same day.');
    // Leaving the field screens it again: the warning goes (before Complete, so that the
    // button does not move under the pointer).
    await click(app, '#q-lessons');
    await app.waitUntil(async () => !(await (await app.$('#q-situation-warning-client_name')).isExisting()), {
      timeout: 10000,
      timeoutMsg: 'the name warning stays after the name was removed',
    });
    await click(app, '#analysis-complete');
    assert.match(await textOf(app, '#analysis-done', 20000), /goes to the coordination centre/);
    await textOf(app, '#analysis-current');
    await click(app, '#analysis-close');
    await waitText(app, `#analysis-case-${chosen.number}`, (t) => /Completed/.test(t));
  } finally {
    await closeApp(app, centreStore);
  }
});

test('the coordinator compares the analyses, sees the templates and saves an XLSX', async () => {
  cli(centreStore, 'ona', PASS, ['bundle', 'export', '--to', COORD, '--out', file('centre.atrama')]);
  cli(coordStore, 'vida', PASS, ['bundle', 'import', file('centre.atrama')]);
  await startDriver({ ATRAMA_STORE: coordStore });
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'vida', PASS);
    await click(app, '#nav-analysis');
    await textOf(app, '#analysis-title');
    await click(app, '#analysis-tab-compare');
    await type(app, '#compare-year', String(new Date().getFullYear()));
    await click(app, '#compare-show');
    assert.match(await textOf(app, '#comparison-title', 20000), /Joint case analysis/);
    const heads = await app.execute(() => [...document.querySelectorAll('#comparison-key-figures thead th')].map((h) => h.textContent));
    assert.ok(heads.some((h) => h.includes(CENTRE)), `the centre is a column: ${heads}`);
    assert.match(await textOf(app, '#figure-analyses'), /1/);
    const lessons = await textOf(app, `#lessons-lessons-${CENTRE}`);
    assert.doesNotMatch(lessons, new RegExp(LESSON.slice(0, 30)), 'free text left the centre');
    assert.match(lessons, /—/);
    await checkScreen(app, '63-analysis-comparison');

    const out = file('comparison.xlsx');
    await type(app, '#compare-path', out);
    await click(app, '#compare-xlsx');
    assert.match(await textOf(app, '#compare-saved', 20000), /comparison\.xlsx/);
    assert.ok(existsSync(out), 'the workbook was written');
    assert.equal(readFileSync(out).subarray(0, 2).toString('latin1'), 'PK', 'an XLSX is a ZIP file');

    await click(app, '#analysis-tab-templates');
    await textOf(app, '#template-joint-case-analysis-2');
    await checkScreen(app, '64-analysis-templates');
    await click(app, '#edit-joint-case-analysis');
    assert.match(await textOf(app, '#editor-title'), /joint-case-analysis/);
    await checkScreen(app, '65-analysis-template-editor');
    await type(app, '#editor-title-text', 'Joint case analysis, second round');
    await app.execute(() => document.querySelector('#editor-save').scrollIntoView({ block: 'center' }));
    await click(app, '#editor-save');
    assert.match(await textOf(app, '#templates-message', 20000), /version 3/);
    await textOf(app, '#template-joint-case-analysis-3');
  } finally {
    await closeApp(app, coordStore);
  }
});
