// End to end on the real app: a risk assessment with the built-in checklist stepped through
// by keyboard, the band raised by professional judgement with a reason, the recommended
// referral created from its button, the safety plan's review set from the recommendation,
// the plan written, and its print preview holding only what the client chose. The store
// is made with the command-line tool, which also loads an instrument pack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApp, checkScreen, type, click, textOf, choose, waitText, startDriver, stopDriver, cli, unlockAs } from './harness.js';

const PASS = 'rizikos vertinimas e2e';
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'instruments');

let store;

before(async () => {
  store = await startDriver();
  cli(store, null, PASS, ['init', '--centre-code', 'KLP-R', '--centre-name', 'Risk test centre', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  const loaded = cli(store, 'ona', PASS, ['instrument', 'import', join(FIXTURES, 'count-v1.json')]);
  assert.match(loaded, /Loaded test-count version 1/);
});

after(stopDriver);

/** Presses `key` in the stepper and waits until it shows item `next` (or the summary). */
async function answer(app, key, next) {
  await app.keys(key);
  if (next === 'summary') {
    await textOf(app, '#risk-summary');
  } else {
    await app.waitUntil(async () => (await (await app.$('#risk-item')).getAttribute('data-item')) === next, {
      timeout: 10000,
      timeoutMsg: `the stepper did not move to ${next} after ${key}`,
    });
  }
}

test('assessment with override and recommended referral; safety plan with print preview', async () => {
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'ona', PASS);

    // A case, opened through the intake.
    await click(app, '#nav-intake');
    await choose(app, '#intake-source', 'self');
    await click(app, '#intake-next');
    await type(app, '#intake-given', 'Rūta');
    await choose(app, '#intake-sex', 'female');
    await click(app, '#intake-next');
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'First incident');
    await click(app, '#intake-incident-forms input[value="physical"]');
    await choose(app, '#intake-incident-place', 'home');
    await choose(app, '#intake-incident-perp-0-relationship', 'current_spouse');
    await choose(app, '#intake-incident-perp-0-sex', 'male');
    await click(app, '#intake-next');
    await click(app, '#intake-next');
    await choose(app, '#intake-consent-services', 'yes');
    await click(app, '#intake-next');
    await click(app, '#intake-finish');
    const caseNumber = await textOf(app, '#case-number');
    assert.equal(await textOf(app, '#case-risk'), 'No risk assessment yet');

    // The Risk tab: the built-in checklist, with its "not validated" statement.
    await click(app, '#tab-risk');
    await waitText(app, '#risk-instrument', (t) => t.includes('Atrama risk checklist') && t.includes('Test count checklist'));
    await choose(app, '#risk-instrument', 'atrama-spj@2');
    await click(app, '#risk-start');
    assert.match(await textOf(app, '#risk-notice'), /not a validated actuarial tool/);
    await waitText(app, '#risk-item-text', (t) => t.includes('strangled'));
    // Y/N by keyboard: strangulation 2, threats to kill 2, separation 1, escalation 1,
    // controlling 1, fear 1 = 8 (medium); no children, so their item is skipped.
    await answer(app, 'y', 'threats_to_kill');
    await answer(app, 'y', 'weapons');
    await answer(app, 'n', 'separation');
    await answer(app, 'y', 'escalation');
    await answer(app, 'y', 'pregnancy');
    await answer(app, 'n', 'stalking');
    await answer(app, 'd', 'children');
    await answer(app, 'n', 'police_callouts');
    await answer(app, 'n', 'substance_misuse');
    await answer(app, 'n', 'suicide_threats');
    await answer(app, 'n', 'sexual_violence');
    await answer(app, 'n', 'control_jealousy');
    await answer(app, 'y', 'client_fear');
    await answer(app, 'y', 'own_words');
    await waitText(app, '#risk-live', (t) => t.includes('Score 8') && t.includes('Medium') && t.includes('“Don\'t know”: 1'));
    await type(app, '#risk-item textarea', 'That he finds the new flat');
    await click(app, '#risk-next');
    assert.equal(await textOf(app, '#risk-computed-band'), 'Medium');
    await checkScreen(app, '20-risk-summary');

    // Judgement raises the band; a reason is required.
    await choose(app, '#risk-override', 'high');
    await click(app, '#risk-save');
    await textOf(app, '#risk-reason');
    assert.equal(await textOf(app, '#risk-final-band'), 'High');
    await type(app, '#risk-reason', 'He was seen outside her workplace twice this week');
    await click(app, '#risk-save');
    await waitText(app, '#risk-notice-saved', (t) => t === 'Risk assessment saved.');
    await waitText(app, '#risk-history', (t) => t.includes('8') && t.includes('Medium') && t.includes('High') && t.includes('seen outside her workplace'));
    await waitText(app, '#case-risk', (t) => t.startsWith('Risk: High') && t.includes('by judgement'));
    await waitText(app, '#risk-actions', (t) => t.includes('Consider a multi-agency risk meeting.'));
    await checkScreen(app, '21-risk-history-actions');

    // The recommended referral opens the referral form with the agency filled in.
    await click(app, '#risk-actions button[data-action-kind="referral"]');
    await textOf(app, '#referral-agency');
    assert.equal(await (await app.$('#referral-agency')).getValue(), 'shelter');
    await click(app, '#referral-save');
    await waitText(app, '#case-notice', (t) => t === 'Referral saved.');
    await waitText(app, '#referrals-table', (t) => /shelter|crisis/i.test(t));

    // The recommended review within 24 hours opens the safety plan (issue 26): the review
    // date filled in, the assessment's concerns offered, nothing saved yet.
    await click(app, '#tab-risk');
    await click(app, '#risk-actions button[data-action-kind="safety_plan_review"]');
    const set = await waitText(app, '#plan-notice', (t) => t.startsWith('Opened from the risk assessment'));
    assert.equal(await (await app.$('#case-notice')).isExisting(), false, 'the old message went with the context');
    await waitText(app, '#plan-offered-concerns', (t) => t.includes('strangled'));
    assert.equal(await textOf(app, '#plan-none'), 'No safety plan yet.');
    const review = await (await app.$('#plan-review')).getValue();
    assert.match(review, /^\d{2}\/\d{2}\/\d{4}$/, `review date set, in the app's format: ${set}`);
    await click(app, '#plan-add-concerns');
    await waitText(app, '#plan-concerns', () => true);
    assert.match(await (await app.$('#plan-concerns')).getValue(), /strangled/);

    // The safety plan: written in sections, saved as its first version.
    await type(app, '#plan-concerns', 'That he waits for me after work');
    await type(app, '#plan-safe_places', 'My sister Asta, Liepų g. 4');
    await type(app, '#plan-bag', 'Kept at the neighbour, second floor');
    await click(app, '#plan-save');
    await waitText(app, '#plan-notice', (t) => t === 'Safety plan saved as a new version.');
    await waitText(app, '#plan-versions', (t) => t.includes('Version 1') && t.includes('current') && !t.includes('Version 2'));
    assert.equal(await (await app.$('#plan-review')).getValue(), review);

    // Print preview: only the warning until the client chooses; then only what was chosen.
    await click(app, '#plan-preview');
    const sheet = await textOf(app, '#plan-sheet');
    assert.match(sheet, /Keep this paper where the person who harms you cannot find it/);
    for (const text of ['waits for me', 'Liepų', 'neighbour', caseNumber, 'Rūta']) {
      assert.ok(!sheet.includes(text), `'${text}' is on the paper before it was chosen`);
    }
    assert.equal(await (await app.$('#plan-print-button')).isEnabled(), false);
    await click(app, '#print-safe_places');
    const chosen = await waitText(app, '#plan-sheet', (t) => t.includes('My sister Asta'));
    assert.ok(!chosen.includes('waits for me') && !chosen.includes('neighbour'), chosen);
    assert.ok(!chosen.includes(caseNumber), 'the case number is on the paper');
    assert.equal(await (await app.$('#plan-print-button')).isEnabled(), true);
    await checkScreen(app, '22-safety-plan-print-preview');
    await click(app, '#plan-preview-close');

    // The review is in My work.
    await click(app, '#nav-home');
    await waitText(app, '#plan-reviews-queue', (t) => t.includes(caseNumber));
    await checkScreen(app, '23-my-work-plan-review');
  } finally {
    await app.deleteSession();
  }
});
