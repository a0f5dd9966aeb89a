// End to end on the real app at a 5,000-client demo store: typed work is never lost
// silently. A note typed, then the inactivity lock (shortest delay: 1 minute, on a page clock
// run four times as fast) — first the "locking in 30 s" warning, which moving the mouse
// cancels, then the lock itself — and after unlocking the same case and tab with the note
// back in its box; saved, its draft is gone. A risk assessment half-answered survives a tab
// switch (after the question whether to leave what was typed) and a lock. The IPC cost of
// each draft save is printed and written to target/drafts-timings.md (figures only, never a
// time limit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openApp, checkScreen, click, textOf, choose, waitText, unlockAs, startDriver, stopDriver, speedUpClock, cli, APP } from './harness.js';

const PASS = 'demo passphrase 1';
const NOTE = 'Half-written note: she will call back from her sister’s phone — 4711';

let store;
let app;

// ATRAMA_DEMO_STORE=DIR keeps the generated demo store in DIR and starts later runs from a
// copy of it (generating 5,000 clients takes minutes). Each run works on its own copy.
const KEEP = process.env.ATRAMA_DEMO_STORE;

before(async () => {
  store = await startDriver();
  if (KEEP && existsSync(join(KEEP, 'atrama.db'))) {
    cpSync(KEEP, store, { recursive: true });
  } else {
    cli(store, null, PASS, [
      'init', '--centre-code', 'DEMO-01', '--centre-name', 'Demo help centre (fictitious)',
      '--country', 'LT', '--language', 'en', '--admin', 'demo',
    ]);
    assert.match(cli(store, 'demo', PASS, ['demo', '--clients', '5000']), /5000 clients/);
    if (KEEP) cpSync(store, KEEP, { recursive: true });
  }
  app = await openApp();
});

after(async () => {
  await app?.deleteSession().catch(() => {});
  await stopDriver();
});

async function setAutoLock(minutes) {
  await click(app, '#nav-settings');
  await choose(app, '#settings-autolock', String(minutes));
}

/** Opens the first case of the case list; returns its number. */
async function openFirstCase() {
  await click(app, '#nav-cases');
  await app.waitUntil(async () => (await app.$$('#case-list button').length) > 0, { timeout: 30000, timeoutMsg: 'no case listed' });
  const number = await (await app.$('#case-list button')).getText();
  await click(app, '#case-list button');
  await waitText(app, '#case-number', (t) => t === number);
  return number;
}

async function selectedTab() {
  return app.execute(() => document.querySelector('[role="tab"][aria-selected="true"]')?.id ?? null);
}

/** The pointer moved over the window, as a person moving the mouse. */
async function moveMouse() {
  await app
    .action('pointer', { parameters: { pointerType: 'mouse' } })
    .move({ x: 300, y: 300 })
    .move({ x: 340, y: 360 })
    .perform();
}

async function waitLocked(ms) {
  await textOf(app, '#unlock-title', ms);
}

/** The durations of every draft save so far (the backend measures each IPC call). */
async function draftSaves() {
  return app.execute(() => performance.getEntriesByName('ipc:save_form_draft').map((e) => e.duration));
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

test('a typed note survives the inactivity lock: warning, mouse cancels it, lock, same case and tab', async () => {
  await unlockAs(app, 'demo', PASS);
  await setAutoLock(1);
  const number = await openFirstCase();
  await click(app, '#tab-notes');

  // Typed in bursts, each kept a moment after the typing stops (samples of the save cost).
  const box = await app.$('#note-body');
  await box.waitForDisplayed({ timeout: 10000 });
  for (let i = 1; i <= 12; i++) {
    await box.setValue(`${NOTE.slice(0, 20)} (${i})`);
    await app.waitUntil(async () => (await draftSaves()).length >= i, { timeout: 10000, timeoutMsg: `draft save ${i} never happened` });
  }
  await box.setValue(NOTE);

  // From here the page's clock runs four times as fast (a minute in 15 s, the warning's 30 s
  // in 7.5 s, time enough for the screenshot below and the mouse; harness.js, speedUpClock),
  // after the typing, whose key presses count as activity on either clock.
  const realClock = await speedUpClock(app, 4);

  // The warning comes before the lock, says how to stay, and moving the mouse cancels it.
  const warning = await waitText(app, '#lock-warning', (t) => /Locking in \d+ s — move the mouse to stay\./.test(t), 70000);
  assert.ok(Number(/\d+/.exec(warning)[0]) <= 30, warning);
  await checkScreen(app, '70-lock-warning');
  await moveMouse();
  await (await app.$('#lock-warning')).waitForDisplayed({ reverse: true, timeout: 10000 });
  assert.ok(await (await app.$('#centre-name')).isDisplayed(), 'still unlocked after the mouse moved');

  // Left alone: the warning again, then the lock.
  await textOf(app, '#lock-warning', 70000);
  await waitLocked(70000);
  await realClock();

  // Back: the same case, the same tab, the note where it was.
  await unlockAs(app, 'demo', PASS);
  await waitText(app, '#case-number', (t) => t === number, 30000);
  assert.equal(await selectedTab(), 'tab-notes');
  await app.waitUntil(async () => (await (await app.$('#note-body')).getValue()) === NOTE, {
    timeout: 10000,
    timeoutMsg: 'the note typed before the lock did not come back',
  });
  assert.match(await textOf(app, '#note-draft-restored'), /Restored from your draft/);
  await checkScreen(app, '71-note-restored-after-lock');

  // Saved: the note is recorded and its draft is gone.
  await click(app, '#note-save');
  await waitText(app, '#notes-list', (t) => t.includes(NOTE));
  assert.equal(await (await app.$('#note-body')).getValue(), '');
  await click(app, '#nav-home');
  await textOf(app, '#home-title');
  const drafts = await app.$('#drafts-list');
  if (await drafts.isExisting()) assert.ok(!(await drafts.getText()).includes(number), 'the saved note left no draft');

  const saves = await draftSaves();
  const line = `| draft save (\`save_form_draft\`, note, 5,000-client demo store) | ${saves.length} | ${pct(saves, 50).toFixed(1)} | ${saves.length >= 20 ? pct(saves, 95).toFixed(1) : '— (n < 20)'} | ${Math.max(...saves).toFixed(1)} |`;
  console.log('| interaction | n | p50 ms | p95 ms | max ms |');
  console.log(line);
  const out = join(dirname(dirname(APP)), 'drafts-timings.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `| interaction | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|\n${line}\n`);
});

test('a half-answered assessment survives a tab switch (after the question) and a lock', async () => {
  await setAutoLock(30);
  const number = await openFirstCase();
  await click(app, '#tab-risk');
  await waitText(app, '#risk-instrument', (t) => t.includes('Atrama risk checklist'));
  await choose(app, '#risk-instrument', 'atrama-spj@2');
  await click(app, '#risk-start');
  await waitText(app, '#risk-item-text', (t) => t.includes('strangled'));
  for (const [key, next] of [['y', 'threats_to_kill'], ['n', 'weapons'], ['y', 'separation']]) {
    await app.keys(key);
    await app.waitUntil(async () => (await (await app.$('#risk-item')).getAttribute('data-item')) === next, {
      timeout: 10000,
      timeoutMsg: `the stepper did not move to ${next}`,
    });
  }
  await waitText(app, '#risk-live', (t) => t.includes('3 of'));

  // Another tab: the question first; "stay" stays.
  await click(app, '#tab-notes');
  assert.match(await textOf(app, '#leave-text'), /not saved yet/);
  await checkScreen(app, '72-leave-question');
  await click(app, '#leave-stay');
  assert.equal(await selectedTab(), 'tab-risk');
  await textOf(app, '#risk-stepper');

  // Kept as a draft and left; back on the tab, the assessment where it was.
  await click(app, '#tab-notes');
  await click(app, '#leave-keep');
  await app.waitUntil(async () => (await selectedTab()) === 'tab-notes', { timeout: 10000, timeoutMsg: 'the notes tab did not open' });
  await click(app, '#tab-risk');
  await waitText(app, '#risk-live', (t) => t.includes('3 of'));
  assert.equal(await (await app.$('#risk-item')).getAttribute('data-item'), 'separation');
  await textOf(app, '#risk-draft-restored');

  // Locked and unlocked: the same case, tab and answers.
  await click(app, '#lock');
  await waitLocked(30000);
  await unlockAs(app, 'demo', PASS);
  await waitText(app, '#case-number', (t) => t === number, 30000);
  assert.equal(await selectedTab(), 'tab-risk');
  await waitText(app, '#risk-live', (t) => t.includes('3 of'));
  assert.equal(await (await app.$('#risk-item')).getAttribute('data-item'), 'separation');
  await checkScreen(app, '73-assessment-restored-after-lock');

  // Cancel asks too; thrown away, the tab starts afresh and leaving asks nothing.
  // The rest answered "no" by keyboard, up to the summary, which has Cancel.
  for (let i = 0; i < 30 && !(await (await app.$('#risk-summary')).isExisting()); i++) {
    const item = await (await app.$('#risk-item')).getAttribute('data-item');
    if (await (await app.$('#risk-item .answer-input')).isExisting()) await click(app, '#risk-next');
    else await app.keys('n');
    await app.waitUntil(
      async () => (await (await app.$('#risk-summary')).isExisting()) || (await (await app.$('#risk-item')).getAttribute('data-item')) !== item,
      { timeout: 10000, timeoutMsg: `the stepper did not move on from ${item}` },
    );
  }
  await click(app, '#risk-cancel');
  assert.equal(await (await app.$('#leave-keep')).isExisting(), false, 'cancel offers no "keep"');
  await click(app, '#leave-discard');
  await textOf(app, '#risk-start');
  await click(app, '#tab-notes');
  assert.equal(await (await app.$('#leave-dialog')).isExisting(), false);
  await app.waitUntil(async () => (await selectedTab()) === 'tab-notes', { timeout: 10000 });
});
