// Changing what is recorded, in the real app: a service contact corrected (a new version;
// the row says "corrected" and its history shows both versions), a case's team and follow-up
// changed, and a PDF attached and shown inside the app (pdf.js draws its pages on canvases
// from bytes in memory). axe-core checks each new screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApp, checkScreen, click, textOf, choose, waitText, unlockAs, startDriver, stopDriver, cli } from './harness.js';

const PASS = 'demo passphrase 1';
const PDF = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'documents', 'two-pages.pdf');

let store;

before(async () => {
  store = await startDriver();
  cli(store, null, PASS, [
    'init', '--centre-code', 'DEMO-02', '--centre-name', 'Records test centre (fictitious)',
    '--country', 'LT', '--language', 'en', '--admin', 'demo',
  ]);
  // Six clients: the demo's draws leave two of their cases open (the Cases list shows open cases).
  assert.match(cli(store, 'demo', PASS, ['demo', '--clients', '6']), /6 clients, 6 cases \(4 closed\)/);
});

after(stopDriver);

/** The index of the first row of `table` whose text includes `text`. */
async function rowWith(app, table, text) {
  const rows = await app.$$(`${table} tbody tr`).map((r) => r.getText());
  const i = rows.findIndex((r) => r.includes(text));
  assert.ok(i >= 0, `no row of ${table} says ${text}: ${JSON.stringify(rows)}`);
  return i;
}

test('correct a service contact, change a case, view a PDF inside the app', async () => {
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title');
    await unlockAs(app, 'demo', PASS);
    await click(app, '#nav-cases');
    await waitText(app, '#case-list', (t) => /DEMO-02-\d{4}-\d{4}/.test(t));
    await click(app, '#case-list button');
    const number = await textOf(app, '#case-number');

    // Log a contact of 17 minutes, then correct it to 47.
    await click(app, '#log-contact');
    await choose(app, '#contact-discipline', 'social_work');
    await choose(app, '#contact-mode', 'phone');
    await (await app.$('#contact-minutes')).setValue('17');
    await click(app, '#contact-save');
    await waitText(app, '#case-notice', (t) => t === 'Service contact saved.');
    await click(app, '#tab-services');
    await waitText(app, '#contacts-table', (t) => t.includes('17 minutes'));
    let row = await rowWith(app, '#contacts-table', '17 minutes');
    await click(app, `#correct-contact-${row}`);
    assert.equal(await textOf(app, '#correct-contact-dialog-title'), 'Correct the service contact');
    assert.equal(await (await app.$('#contact-minutes')).getValue(), '17');
    await (await app.$('#contact-minutes')).setValue('47');
    await choose(app, '#contact-discipline', 'legal');
    await click(app, '#contact-save');
    await waitText(app, '#case-notice', (t) => t === 'Service contact corrected.');
    await waitText(app, '#contacts-table', (t) => t.includes('47 minutes') && !t.includes('17 minutes'));
    row = await rowWith(app, '#contacts-table', '47 minutes');
    assert.match(await textOf(app, `#contact-row-${row}`), /corrected/);
    await click(app, `#contact-${row}-history`);
    await waitText(app, `#contact-${row}-versions`, (t) => t.includes('17 minutes'));
    const lines = await app.$$(`#contact-${row}-versions li`).map((li) => li.getText());
    assert.equal(lines.length, 2, lines.join(' / '));
    assert.match(lines[0], /^Current.*Legal counselling.*47 minutes/s);
    assert.match(lines[1], /^Replaced.*Social work.*17 minutes/s);
    await checkScreen(app, '15-case-contact-corrected');
    await click(app, '#tab-overview');

    // Change the case: a follow-up date, shown in the overview once the core has it.
    await click(app, '#edit-case');
    await textOf(app, '#case-edit-follow-up');
    await checkScreen(app, '16-case-edit');
    // WebKit's date field takes keys per segment in the locale's order: set the value as a
    // date picker would, with an input event.
    await app.execute(() => {
      const el = document.getElementById('case-edit-follow-up');
      el.value = '2026-12-15';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await click(app, '#case-edit-save');
    await waitText(app, '#case-notice', (t) => t === 'Case saved.');
    await waitText(app, '#overview-follow-up', (t) => /15 Dec 2026|Dec 15, 2026/.test(t));

    // A PDF, attached into the store and drawn inside the app.
    await click(app, '#tab-documents');
    await (await app.$('#document-file')).setValue(PDF);
    await waitText(app, '#documents-list', (t) => t.includes('two-pages.pdf'));
    await click(app, '#documents-list button');
    await waitText(app, '#pdf-pages', (t) => t === '2 pages');
    // Both pages drawn: canvases with a size, and ink on them (not all white or blank).
    await app.waitUntil(
      () =>
        app.execute(() =>
          [1, 2].every((n) => {
            const c = document.getElementById(`pdf-page-${n}`);
            if (!c || c.width === 0 || c.height === 0) return false;
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] < 128) return true;
            return false;
          }),
        ),
      { timeout: 20000, timeoutMsg: 'the PDF pages were never drawn' },
    );
    await app.execute(() => document.getElementById('document-viewer').scrollIntoView());
    await checkScreen(app, '17-case-pdf');
    await click(app, '#document-close');
    assert.equal(await (await app.$('#document-viewer')).isExisting(), false);
    assert.equal(await textOf(app, '#case-number'), number);
  } finally {
    await app.deleteSession();
  }
});
