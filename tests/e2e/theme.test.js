// The dark colours: with the system set to a dark theme (GTK_THEME=Adwaita:dark, which
// WebKitGTK reports as `prefers-color-scheme: dark`), the app uses its dark palette, and
// axe-core finds no contrast (or other serious) problems on the main screens. The light
// palette is what every other end-to-end file checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkScreen, cli, click, openApp, startDriver, stopDriver, textOf, unlockAs, waitText } from './harness.js';

const PASS = 'dark theme passphrase';
let app;

before(async () => {
  const store = await startDriver({ GTK_THEME: 'Adwaita:dark' });
  cli(store, null, PASS, ['init', '--centre-code', 'DRK-01', '--centre-name', 'Dark theme centre', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(store, 'ona', PASS, ['demo', '--clients', '5', '--months', '3']);
  app = await openApp();
});

after(async () => {
  if (app) await app.deleteSession();
  await stopDriver();
});

/** The page's background and text colours as the webview computed them. */
const colours = () =>
  app.execute(() => {
    const s = getComputedStyle(document.body.parentElement);
    return { dark: matchMedia('(prefers-color-scheme: dark)').matches, background: s.backgroundColor, text: s.color };
  });

test('a dark system theme gives the dark palette, with enough contrast on every main screen', async () => {
  await textOf(app, '#unlock-title');
  const seen = await colours();
  assert.equal(seen.dark, true, 'the webview reports the dark preference');
  assert.equal(seen.background, 'rgb(21, 25, 27)', 'the dark paper colour');
  assert.equal(seen.text, 'rgb(228, 232, 233)', 'the dark ink colour');
  await checkScreen(app, '60-dark-unlock');

  await unlockAs(app, 'ona', PASS);
  await textOf(app, '#home-title');
  await checkScreen(app, '61-dark-home');

  await click(app, '#nav-cases');
  await waitText(app, '#case-list', (t) => /DRK-01-\d{4}-\d{4}/.test(t), 20000);
  await checkScreen(app, '62-dark-case-list');
  await click(app, '#case-list button');
  await textOf(app, '#tab-overview');
  await checkScreen(app, '63-dark-case');

  await click(app, '#nav-settings');
  await textOf(app, '#settings-title');
  // Discreet mode's neutral icon goes to the real window (set_window_icon); a failure would
  // show an alert and leave the box unticked.
  await click(app, '#settings-neutral-icon');
  await app.waitUntil(async () => (await app.$('#settings-neutral-icon')).isSelected(), { timeout: 5000 });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await (await app.$('#settings-neutral-icon')).isSelected(), true);
  assert.equal(await (await app.$('.field [role="alert"]')).isExisting(), false);
  const stored = await app.execute(() => JSON.parse(localStorage.getItem('atrama.prefs') ?? '{}').neutralIcon);
  assert.equal(stored, true, 'the choice is kept for the next start');
  await checkScreen(app, '64-dark-settings');

  await click(app, '#nav-admin');
  await textOf(app, '#admin-staff-title');
  await checkScreen(app, '65-dark-admin');
});
