// Shared harness of the end-to-end tests: starts tauri-driver with a throwaway store and
// webview profile, opens the real desktop app (ATRAMA_APP, built by scripts/test-e2e.sh) and
// offers small, patient helpers over webdriverio. Every *.test.js file in this folder calls
// startDriver() in its `before` and stopDriver() in its `after`; files run one at a time.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { remote } from 'webdriverio';

export const APP = process.env.ATRAMA_APP;
// tauri-driver's port (and WebKitWebDriver's, the next one): set ATRAMA_E2E_PORT to run two
// end-to-end suites side by side on one machine.
export const PORT = Number(process.env.ATRAMA_E2E_PORT ?? 4444);
export const SHOTS = process.env.ATRAMA_SCREENSHOTS ?? join(tmpdir(), 'atrama-e2e-shots');
// What WebKitWebDriver launches: the app itself, or a wrapper that runs it (scripts/no-network.sh
// sets ATRAMA_APP_WRAPPER to a script that runs ATRAMA_APP under strace).
export const LAUNCHED = process.env.ATRAMA_APP_WRAPPER || APP;

export async function waitForHttp(url, ms) {
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

/** Opens the app; `launched` names what WebKitWebDriver starts instead of LAUNCHED (a wrapper
 *  that traces the app, as tests/e2e/leak.test.js uses). */
export async function openApp(launched = LAUNCHED) {
  const browser = await remote({
    hostname: '127.0.0.1',
    port: PORT,
    logLevel: 'warn',
    // WebKitWebDriver speaks classic WebDriver only: keep webdriverio 9 from asking for BiDi.
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: launched },
    },
  });
  await browser.setTimeout({ implicit: 0 });
  return browser;
}

export async function shot(browser, name) {
  mkdirSync(SHOTS, { recursive: true });
  // WebKitGTK takes a WebDriver screenshot after the page's next paint; without accelerated
  // compositing (the app's choice on a computer without a GPU, as under Xvfb) a page with
  // nothing left to draw never paints again and the request never returns. So keep one
  // transparent pixel changing on every frame while the screenshot is taken.
  await browser.execute(() => {
    const pixel = document.createElement('div');
    pixel.id = 'e2e-paint-pixel';
    pixel.setAttribute('aria-hidden', 'true');
    Object.assign(pixel.style, {
      position: 'fixed', left: '0', bottom: '0', width: '1px', height: '1px',
      opacity: '0.01', pointerEvents: 'none',
    });
    document.body.appendChild(pixel);
    let on = false;
    const tick = () => {
      if (!pixel.isConnected) return;
      on = !on;
      pixel.style.background = on ? '#000' : '#fff';
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  try {
    await browser.saveScreenshot(join(SHOTS, `${name}.png`));
  } finally {
    await browser.execute(() => document.getElementById('e2e-paint-pixel')?.remove());
  }
}

export async function type(browser, selector, text) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await el.setValue(text);
}

/** Scrolls `selector` to the middle of the window when something (the fixed menu) covers it. */
async function uncover(browser, selector) {
  await browser.execute((sel) => {
    const target = document.querySelector(sel);
    const r = target?.getBoundingClientRect();
    if (!r) return;
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    if (top && (top === target || target.contains(top))) return;
    window.scrollBy(0, r.top + r.height / 2 - window.innerHeight / 2);
  }, selector);
}

function xdotool(args) {
  return execFileSync('xdotool', args, { encoding: 'utf8' }).trim();
}

/** The screen position of the app's main window (Xvfb has no window manager to move it). */
function mainWindowOrigin() {
  const id = xdotool(['search', '--onlyvisible', '--name', '^Atrama$']).split('\n')[0];
  const g = Object.fromEntries(xdotool(['getwindowgeometry', '--shell', id]).split('\n').map((l) => l.split('=')));
  return [Number(g.X), Number(g.Y)];
}

/**
 * Presses the middle of `selector` with the real X pointer (xdotool), not WebDriver's
 * events: what a person's mouse does, with native popups and their pointer grabs. Nothing
 * is scrolled first (that would close an open dropdown list).
 */
export async function pointerClick(browser, selector) {
  const r = await browser.execute((sel) => {
    const b = document.querySelector(sel)?.getBoundingClientRect();
    return b ? [b.x, b.y, b.width, b.height] : null;
  }, selector);
  assert.ok(r, `${selector} is not on the page`);
  const [x, y] = mainWindowOrigin();
  xdotool(['mousemove', '--sync', String(Math.round(x + r[0] + r[2] / 2)), String(Math.round(y + r[1] + r[3] / 2))]);
  xdotool(['click', '1']);
}

/** How many of the app's native popup windows (a GTK menu of a `<select>`) are on screen. */
export function nativePopups() {
  let ids = [];
  try {
    ids = xdotool(['search', '--onlyvisible', '--name', '^atrama-desktop$']).split('\n').filter(Boolean);
  } catch {
    return 0; // xdotool exits 1 when nothing matches
  }
  return ids.filter((id) => Number(Object.fromEntries(xdotool(['getwindowgeometry', '--shell', id]).split('\n').map((l) => l.split('='))).WIDTH) > 1).length;
}

export async function click(browser, selector) {
  const el = await browser.$(selector);
  // The menu (and on a case, its header) stays at the top while the page scrolls: an element
  // just under it is "in view" for WebDriver but covered, so bring it to the middle first, as
  // a person scrolls to what she wants to press.
  await el.waitForExist({ timeout: 10000 });
  await uncover(browser, selector);
  await el.waitForClickable({ timeout: 10000 });
  try {
    await el.click();
  } catch (e) {
    const over = await browser.execute((sel) => {
      const r = document.querySelector(sel)?.getBoundingClientRect();
      const top = r && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return top ? `${top.tagName.toLowerCase()}#${top.id}.${[...top.classList].join('.')}` : '(nothing)';
    }, selector);
    throw new Error(`clicking ${selector} failed; at its centre is ${over}`, { cause: e });
  }
}

export async function textOf(browser, selector, timeout = 15000) {
  const el = await browser.$(selector);
  try {
    await el.waitForDisplayed({ timeout });
  } catch (e) {
    // Say what the window showed instead (test data only: the stores here are throwaway).
    const body = await (await browser.$('body')).getText().catch(() => '(no body)');
    throw new Error(`${selector} not shown within ${timeout} ms; the window showed: ${JSON.stringify(body)}`, { cause: e });
  }
  return el.getText();
}

export async function choose(browser, selector, value) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await uncover(browser, selector);
  await el.selectByAttribute('value', value);
}

/** Waits until the text of `selector` satisfies `ok`, then returns it. */
export async function waitText(browser, selector, ok, timeout = 15000) {
  let last = '';
  await browser.waitUntil(
    async () => {
      const el = await browser.$(selector);
      if (!(await el.isDisplayed())) return false;
      last = await el.getText();
      return ok(last);
    },
    { timeout, timeoutMsg: `${selector} never matched; last text: ${JSON.stringify(last)}` },
  );
  return last;
}

/** Makes the page's clock (`Date.now`) run `factor` times as fast from this moment, with no
 *  jump, as Playwright's clock API does for its tests: an inactivity lock of one minute then
 *  comes after 60 / `factor` s. The app's idle timer reads `Date.now` at each tick (once a
 *  second), so it sees a minute pass in 60 / `factor` s; `factor` stays well under the clock
 *  jump that means "the computer slept" (30 s between two ticks), so a tick delayed by a
 *  busy machine is not taken for a sleep unless it is 30 / `factor` s late. Only the page's
 *  clock changes; the app, its timers and the Rust core run as they are. Returns a function
 *  that gives the page the real clock back (time then steps back, which only puts a lock
 *  later, and is never taken for a sleep). */
export async function speedUpClock(browser, factor) {
  await browser.execute((k) => {
    const real = window.__atramaRealNow ?? Date.now.bind(Date);
    window.__atramaRealNow = real;
    const start = real();
    const from = Date.now();
    Date.now = () => from + (real() - start) * k;
  }, factor);
  return () =>
    browser.execute(() => {
      if (window.__atramaRealNow) Date.now = window.__atramaRealNow;
    });
}

export async function unlockAs(browser, user, pass) {
  // Typed once, with no retry: the focus never moves while someone types on the unlock
  // screen (tests/e2e/unlock-focus.test.js), so a misplaced character fails the test.
  await type(browser, '#unlock-user', user);
  await type(browser, '#unlock-passphrase', pass);
  await click(browser, '#unlock-submit');
  await textOf(browser, '#centre-name', 30000);
}


let driver;
let driverLog;
let driverEnv;
const roots = [];
let folders = {};

/** The environment the app under the driver was given (to start a second copy beside it). */
export function appEnv() {
  return driverEnv;
}

/**
 * Starts tauri-driver for an app whose store lives in a fresh temporary folder; returns that
 * store folder. `extraEnv` is passed to the app (e.g. ATRAMA_INBOX for a test folder). With
 * `log`, the standard output and error of tauri-driver, WebKitWebDriver and the app (which
 * inherit them) are appended to that file instead of the test's output.
 */
export async function startDriver(extraEnv = {}, { log } = {}) {
  assert.ok(APP, 'ATRAMA_APP must name the built desktop binary');
  const storeRoot = mkdtempSync(join(tmpdir(), 'atrama-e2e-'));
  const profileRoot = mkdtempSync(join(tmpdir(), 'atrama-e2e-profile-'));
  roots.push(storeRoot, profileRoot);
  folders = { storeRoot, profileRoot };
  const store = join(storeRoot, 'store');
  driverLog = log ? openSync(log, 'a') : undefined;
  const output = driverLog ?? 'inherit';
  // A fresh webview profile and config folder too, so that preferences (language), the
  // remembered window size and a remembered store folder never leak between runs.
  driverEnv = {
    ...process.env,
    ATRAMA_STORE: store,
    XDG_DATA_HOME: join(profileRoot, 'data'),
    XDG_CACHE_HOME: join(profileRoot, 'cache'),
    XDG_CONFIG_HOME: join(profileRoot, 'config'),
    ...extraEnv,
  };
  driver = spawn('tauri-driver', ['--port', String(PORT), '--native-port', String(PORT + 1)], {
    env: driverEnv,
    stdio: ['ignore', output, output],
  });
  // WebKitWebDriver first: tauri-driver's own /status proxies to it.
  await waitForHttp(`http://127.0.0.1:${PORT + 1}/status`, 20000);
  await waitForHttp(`http://127.0.0.1:${PORT}/status`, 20000);
  return store;
}

/**
 * The live processes of the app opened on `store` (the app and its webview helpers, which
 * inherit ATRAMA_STORE from the driver), leaving out the drivers themselves.
 */
export function appProcesses(store) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (/(tauri-driver|WebKitWebDriver)$/.test(exe)) continue;
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`ATRAMA_STORE=${store}`)) continue;
      if (/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      found.push({ pid: Number(pid), exe });
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

async function waitGone(store, ms) {
  const deadline = Date.now() + ms;
  while (appProcesses(store).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return appProcesses(store);
}

/**
 * Closes the app opened on `store` and the driver, making sure the app and its webview
 * processes have ended (so that the next app on the same store starts clean and the
 * webview's folders can be removed).
 */
export async function closeApp(app, store) {
  await app.deleteSession().catch(() => {});
  await endApp(store);
  await stopDriver();
}

/**
 * Waits until the app opened on `store` (its session already deleted) and its webview
 * processes have ended; the app, if it outlives its session, is ended by its process id.
 * The limits only catch a process that never ends.
 */
export async function endApp(store) {
  for (const { pid } of (await waitGone(store, 10000)).filter((p) => p.exe === APP)) process.kill(pid, 'SIGTERM');
  assert.deepEqual(await waitGone(store, 60000), [], 'the app and its webview processes end');
}

/** The temporary folders of the running driver: { storeRoot, profileRoot }. */
export function driverFolders() {
  return folders;
}

/**
 * Stops tauri-driver and removes every temporary folder this file made (with `keep`, leaves
 * them for the caller to inspect and remove).
 */
export async function stopDriver({ keep = false } = {}) {
  if (driver) {
    const exited = new Promise((r) => driver.once('exit', r));
    driver.kill();
    await exited;
    driver = undefined;
  }
  // An app whose WebDriver session was never closed outlives the driver and keeps the test
  // runner's output pipe open (the run would never end): stop any left.
  try {
    execFileSync('pkill', ['-TERM', '-f', `^${APP}( |$)`]);
  } catch {
    // none left (pkill exits 1 when nothing matched)
  }
  if (driverLog !== undefined) {
    closeSync(driverLog);
    driverLog = undefined;
  }
  if (keep) return;
  // The webview may still be writing its caches for a moment after the driver has gone.
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

/** The command-line tool beside the app (target/debug/atrama, or /usr/bin/atrama when the
 *  installed package is tested). */
export const CLI = APP ? join(dirname(APP), 'atrama') : undefined;

/**
 * Runs the command-line tool on `store` as `user` with `passphrase` (never on the command
 * line: through ATRAMA_PASSPHRASE) and returns its standard output.
 */
export function cli(store, user, passphrase, args) {
  return execFileSync(CLI, ['--store', store, ...(user ? ['--user', user] : []), ...args], {
    env: { ...process.env, ATRAMA_PASSPHRASE: passphrase },
    encoding: 'utf8',
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on what the window shows now and returns its serious and critical
 * violations (rule id, impact, the first few offending elements).
 */
export async function axeViolations(browser) {
  // The script body is axe itself: WebDriver runs it as a function, which sets window.axe.
  if (!(await browser.execute(() => typeof window.axe === 'object'))) {
    await browser.execute(`${AXE_SOURCE}; return true;`);
  }
  const found = await browser.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ['violations'] })
      .then((r) =>
        done(
          r.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })),
        ),
      )
      .catch((e) => done([{ id: 'axe-error', impact: 'critical', nodes: [String(e)] }]));
  });
  return found;
}

/** Screenshot of a main screen plus an axe-core check: no serious or critical violations. */
export async function checkScreen(browser, name) {
  await shot(browser, name);
  const violations = await axeViolations(browser);
  assert.deepEqual(violations, [], `axe-core found serious/critical violations on ${name}`);
}
