// Issue 27.6: the focus never moves while someone types on the unlock screen. The user name
// and the passphrase are typed key by key with pauses, as a person types, from the moment
// the user field exists (across the window's first rendering, when a native `autofocus`
// used to be applied late and pulled the end of the passphrase into the user field), and
// a second launch of the app arrives in the middle of the passphrase (the running app then
// un-minimises, shows and focuses its window: `show_main_window` in src-tauri/src/lib.rs).
// Both fields must hold exactly what was typed, and the unlock must then succeed. There is
// no retry: one misplaced character fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { APP, appEnv, openApp, click, textOf, startDriver, stopDriver, cli } from './harness.js';

const USER = 'ona';
const PASS = 'šviesa lange ir lietus os';
const PAUSE_MS = 60;

before(async () => {
  const store = await startDriver();
  cli(store, null, PASS, ['init', '--centre-code', 'FOCUS-1', '--centre-name', 'Focus test centre', '--country', 'LT', '--language', 'en', '--admin', USER]);
});

after(stopDriver);

const pause = () => new Promise((r) => setTimeout(r, PAUSE_MS));

/** Starts a second launch of the app (it hands over to the running one and exits). */
function secondLaunch() {
  const child = spawn(APP, [], { env: appEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (status, signal) => resolve({ status, signal, stderr })));
}

test('typing on the unlock screen stays where it is typed, across the first rendering and a second launch', async () => {
  const app = await openApp();
  try {
    // From the moment the field is there, not after the screen settled.
    const user = await app.$('#unlock-user');
    await user.waitForExist({ timeout: 30000 });
    const pass = await app.$('#unlock-passphrase');
    // The screen focuses the user field itself; the person just types.
    await app.waitUntil(async () => (await app.execute(() => document.activeElement?.id)) === 'unlock-user', {
      timeout: 15000,
      timeoutMsg: 'the unlock screen never focused the user field',
    });
    for (const key of USER) {
      await app.keys(key);
      await pause();
    }
    await app.keys('Tab');
    await pause();
    assert.equal(await app.execute(() => document.activeElement?.id), 'unlock-passphrase', 'Tab moves from the user field to the passphrase');
    let launched;
    let n = 0;
    for (const key of PASS) {
      await app.keys(key);
      await pause();
      if (++n === 5) launched = secondLaunch();
    }
    const second = await launched;
    assert.equal(second.status, 0, `the second launch did not hand over: ${second.signal ?? ''} ${second.stderr}`);
    // Keys typed after the second launch went through land in the passphrase too.
    for (const key of ' ir') {
      await app.keys(key);
      await pause();
    }
    assert.equal(await user.getValue(), USER, 'the user field holds exactly the user name');
    assert.equal(await pass.getValue(), `${PASS} ir`, 'the passphrase field holds exactly the passphrase');
    assert.equal(await app.execute(() => document.activeElement?.id), 'unlock-passphrase');
    // Undo the extra word with Backspace (as a person would) and unlock.
    for (let i = 0; i < 3; i++) await app.keys('Backspace');
    assert.equal(await pass.getValue(), PASS);
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#centre-name', 30000), 'Focus test centre');
  } finally {
    await app.deleteSession();
  }
});
