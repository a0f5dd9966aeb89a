// The computer going to sleep locks the store: logind's PrepareForSleep(true), sent here on
// the test's own D-Bus session bus (ATRAMA_SLEEP_BUS=session; the installed app listens on
// the system bus), blanks the window, saves the open intake as a draft, and locks — the
// store lock is released, so the CLI may write again — before the computer would sleep.
// When the window cannot answer (its page busy), the shell locks the store by itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { choose, cli, click, closeApp, openApp, startDriver, stopDriver, textOf, unlockAs } from './harness.js';

const PASS = 'miegas be sapnų';
let store;

/** A driver and a new store for one test (closeApp stops the driver and removes both). */
async function begin() {
  store = await startDriver({ ATRAMA_SLEEP_BUS: 'session' });
  cli(store, null, PASS, ['init', '--centre-code', 'SLP-01', '--centre-name', 'Sleep test centre', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
}

after(async () => {
  await stopDriver();
});

/** What logind sends just before the computer sleeps (`going`) and after it woke. */
function prepareForSleep(going) {
  execFileSync('dbus-send', [
    '--session', '--type=signal', '/org/freedesktop/login1',
    'org.freedesktop.login1.Manager.PrepareForSleep', `boolean:${going}`,
  ]);
}

/** Unlocks the app, then checks that while it has the store open the CLI may not write
 *  (setting the retention of closed cases to `years`). */
async function unlockAndHold(app, years) {
  await textOf(app, '#unlock-title', 30000);
  await unlockAs(app, 'ona', PASS);
  assert.throws(
    () => cli(store, 'ona', PASS, ['retention', 'set', '--closed-cases', years]),
    (e) => e.status === 1 && /this store is open in another Atrama window or process/.test(e.stderr),
  );
}

test('the store locks before the computer sleeps; what was typed is kept as a draft', async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, 'run under dbus-run-session (scripts/test-e2e.sh does)');
  await begin();
  const app = await openApp();
  try {
    await unlockAndHold(app, '7');
    // Something typed and not saved: the start of an intake.
    await click(app, '#nav-intake');
    await choose(app, '#intake-source', 'self');

    prepareForSleep(true);
    assert.equal(await textOf(app, '#unlock-title', 10000), 'Unlock');
    // The store is locked: the same command writes now.
    cli(store, 'ona', PASS, ['retention', 'set', '--closed-cases', '7']);
    assert.match(cli(store, 'ona', PASS, ['retention', 'show']), /closed cases purged after: 7 years/);

    // After the wake-up the same person is back in the intake with what they chose (the
    // draft written before the lock, however late its save answered, is the one reopened),
    // and My work lists that one draft, once.
    prepareForSleep(false);
    await unlockAs(app, 'ona', PASS);
    assert.equal(await textOf(app, '#intake-step-title'), 'Referral');
    assert.equal(await (await app.$('#intake-source')).getValue(), 'self', 'the intake came back without what was chosen');
    await click(app, '#nav-home');
    assert.match(await textOf(app, '#drafts-list'), /Self-referral|Self/);
    assert.equal((await app.$$('#drafts-list li')).length, 1, 'the intake was kept as more than one draft');
  } finally {
    await closeApp(app, store);
  }
});

test('when the window does not answer, the shell locks the store itself before the sleep', async () => {
  await begin();
  const app = await openApp();
  try {
    await unlockAndHold(app, '8');
    // The page is busy for 15 s (its script runs without a break), so it cannot take the
    // sleep notice. The shell's own deadline is 1.5 s; the command-line tool below is
    // refused while the store is held and writes within a few seconds once it is released,
    // well inside the 15 s.
    let pageFree = false;
    const busy = app
      .execute(() => {
        const end = Date.now() + 15000;
        while (Date.now() < end) {
          // busy
        }
      })
      .finally(() => {
        pageFree = true;
      });
    // A pause for the script to start (WebDriver cannot be asked while it runs). It does
    // not decide the test: what does is below.
    await new Promise((r) => setTimeout(r, 1000));
    prepareForSleep(true);
    // The shell locks the store by itself: the command-line tool can then write. Waited
    // for (up to 30 s, which only catches a shell that never locks), and it must happen
    // while the page is still busy.
    let written = false;
    for (const deadline = Date.now() + 30000; !written && Date.now() < deadline; ) {
      try {
        cli(store, 'ona', PASS, ['retention', 'set', '--closed-cases', '8']);
        written = true;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(written, 'the shell never released the store while the page was busy');
    assert.ok(!pageFree, 'the store was released only once the page was free again');
    assert.match(cli(store, 'ona', PASS, ['retention', 'show']), /closed cases purged after: 8 years/);
    await busy;
    // Once free, the window shows the unlock screen, never the workspace.
    assert.equal(await textOf(app, '#unlock-title', 10000), 'Unlock');
    prepareForSleep(false);
  } finally {
    await closeApp(app, store);
  }
});

