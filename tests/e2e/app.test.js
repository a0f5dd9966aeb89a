// End-to-end test of the real desktop app (the built Tauri binary with the real Rust core),
// driven through tauri-driver and WebKitWebDriver under Xvfb. Run by scripts/test-e2e.sh,
// which builds the app and provides ATRAMA_APP and a display.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote } from 'webdriverio';

const APP = process.env.ATRAMA_APP;
const SHOTS = process.env.ATRAMA_SCREENSHOTS ?? join(tmpdir(), 'atrama-e2e-shots');
const CENTRE = 'Klaipėdos pagalbos centras E2E';
const PASS = 'tylus rytas prie jūros';

let driver;
let storeRoot;

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function openApp() {
  const browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'warn',
    // WebKitWebDriver speaks classic WebDriver only: keep webdriverio 9 from asking for BiDi.
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: APP },
    },
  });
  await browser.setTimeout({ implicit: 0 });
  return browser;
}

async function shot(browser, name) {
  mkdirSync(SHOTS, { recursive: true });
  await browser.saveScreenshot(join(SHOTS, `${name}.png`));
}

async function type(browser, selector, text) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await el.setValue(text);
}

async function click(browser, selector) {
  const el = await browser.$(selector);
  await el.waitForClickable({ timeout: 10000 });
  await el.click();
}

async function textOf(browser, selector, timeout = 15000) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout });
  return el.getText();
}

before(async () => {
  assert.ok(APP, 'ATRAMA_APP must name the built desktop binary');
  storeRoot = mkdtempSync(join(tmpdir(), 'atrama-e2e-'));
  driver = spawn('tauri-driver', [], {
    env: { ...process.env, ATRAMA_STORE: join(storeRoot, 'store') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // WebKitWebDriver first: tauri-driver's own /status proxies to it.
  await waitForHttp('http://127.0.0.1:4445/status', 20000);
  await waitForHttp('http://127.0.0.1:4444/status', 20000);
});

after(() => {
  driver?.kill();
  if (storeRoot) rmSync(storeRoot, { recursive: true, force: true });
});

test('setup, lock, wrong passphrase, unlock, restart', async () => {
  let app = await openApp();
  try {
    // First run: the setup screen.
    assert.equal(await textOf(app, '#setup-title'), 'Set up this computer');
    await type(app, '#setup-code', 'klp-e2e');
    await type(app, '#setup-name', CENTRE);
    await type(app, '#setup-admin', 'ona');
    await type(app, '#setup-passphrase', PASS);
    await type(app, '#setup-again', PASS);
    await click(app, '#setup-next');

    // The recovery key, shown once, typed back in part.
    await textOf(app, '#recovery-key');
    const groups = await app.$$('#recovery-key span').map((el) => el.getText());
    const key = groups.join('-');
    assert.equal(groups.length, 8, `recovery key shows 8 groups: ${key}`);
    assert.match(key, /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    await shot(app, '01-recovery-key');
    await click(app, '#recovery-written');
    await type(app, '#confirm-group-3', groups[0] === groups[2] ? groups[2] : groups[0]);
    await type(app, '#confirm-group-6', groups[5]);
    await click(app, '#confirm-submit');
    if (groups[0] !== groups[2]) {
      // A wrong group is refused and the store is not created.
      assert.match(await textOf(app, '#confirm-error'), /group 3 does not match/);
      assert.deepEqual(readdirSync(storeRoot), []);
      await (await app.$('#confirm-group-3')).setValue(groups[2]);
      await click(app, '#confirm-submit');
    }

    // Unlocked: the centre's name, then Lock.
    assert.equal(await textOf(app, '#centre-name', 30000), CENTRE);
    await shot(app, '02-home');
    const files = readdirSync(join(storeRoot, 'store'));
    assert.ok(files.includes('atrama.db') && files.includes('keyslots.json'), files.join(','));
    for (const f of files) {
      const bytes = readFileSync(join(storeRoot, 'store', f));
      assert.ok(!bytes.includes(Buffer.from('SQLite format 3')), `${f} has a plaintext SQLite header`);
      assert.ok(!bytes.includes(Buffer.from('E2E')), `${f} holds the centre name in clear`);
    }
    await click(app, '#lock');

    // Locked: the neutral unlock screen, which does not name the centre.
    assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
    assert.ok(!(await (await app.$('body')).getText()).includes(CENTRE));
    await type(app, '#unlock-user', 'ona');
    await type(app, '#unlock-passphrase', 'not the passphrase');
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#unlock-error'), "wrong passphrase for user 'ona'");
    await shot(app, '03-wrong-passphrase');
    assert.equal(await (await app.$('#unlock-passphrase')).getValue(), '');

    await type(app, '#unlock-passphrase', PASS);
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#centre-name', 30000), CENTRE);
  } finally {
    await app.deleteSession();
  }

  // A later run of the app opens on the unlock screen.
  app = await openApp();
  try {
    assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
    await type(app, '#unlock-user', 'ONA');
    await type(app, '#unlock-passphrase', PASS);
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#centre-name', 30000), CENTRE);
  } finally {
    await app.deleteSession();
  }
});
