// Words practitioners recognise (issue 28), on the real app: the screens the terminology pass
// changed — My work, a case, the joint case analysis, the intake's consent step and Settings —
// are shown in Lithuanian, Latvian, Russian and Azerbaijani, each checked for the glossary's
// term and against every banned variant of assets/i18n/glossary.json as rendered (code-list
// labels included), with a screenshot per language. tests/it/glossary.rs checks the files;
// this checks what a person sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkScreen, choose, cli, click, openApp, startDriver, stopDriver, textOf, unlockAs, waitText } from './harness.js';

const PASS = 'terminology passphrase';
const GLOSSARY = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'i18n', 'glossary.json'), 'utf8'),
);
let app;

// The glossary's patterns use Rust's Unicode \b and \w; JavaScript's are ASCII-only.
const W = '[\\p{L}\\p{N}_]';
const jsPattern = (p) =>
  new RegExp(
    p.replaceAll('\\b', `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`).replaceAll('\\w', W),
    'giu',
  );

/** Banned variants of `lang` in `text`, outside the phrases the glossary allows. */
function banned(lang, text) {
  const found = [];
  for (const concept of GLOSSARY.concepts) {
    for (const rule of concept.banned?.[lang] ?? []) {
      // Keys are not visible on screen; a rule that is allowed under some keys is checked by
      // the file test only.
      if (rule.allow_keys) continue;
      const allowed = (rule.allow ?? []).flatMap((a) => [...text.matchAll(jsPattern(a))].map((m) => [m.index, m.index + m[0].length]));
      for (const m of text.matchAll(jsPattern(rule.pattern))) {
        const inside = allowed.some(([s, e]) => s <= m.index && m.index + m[0].length <= e);
        if (!inside) found.push(`${concept.concept}: "${m[0]}"`);
      }
    }
  }
  return found;
}

const bodyText = () => app.execute(() => document.body.innerText);

async function screen(lang, name, expected) {
  const text = await bodyText();
  assert.deepEqual(banned(lang, text), [], `${lang} ${name}`);
  if (expected) assert.match(text, expected, `${lang} ${name} uses the glossary's term`);
  await checkScreen(app, `70-terms-${name}-${lang}`);
}

before(async () => {
  const store = await startDriver();
  cli(store, null, PASS, ['init', '--centre-code', 'TRM-01', '--centre-name', 'Terminology centre', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(store, 'ona', PASS, ['demo', '--clients', '30', '--months', '12', '--seed', '7']);
  app = await openApp();
});

after(async () => {
  if (app) await app.deleteSession();
  await stopDriver();
});

test('the plant of a banned variant is caught by the on-screen check (positive control)', () => {
  assert.deepEqual(banned('lt', 'Uždaryti atvejai'), ['case: "atvejai"']);
  assert.deepEqual(banned('lt', 'Atvejo aptarimai'), []);
  assert.deepEqual(banned('ru', 'В случае опасности'), []);
  assert.deepEqual(banned('ru', 'Закрытые случаи'), ['case: "случаи"']);
});

const TERMS = {
  // language: [the analysis title's term, the case list's term]
  lt: [/bylų analizė/i, /Bylos/],
  lv: [/lietu analīze/i, /Lietas/],
  ru: [/анализ дел/i, /Дела/],
  az: [/İşlərin birgə təhlili/i, /İşlər/],
};

test('the changed screens in lt, lv, ru and az use the glossary terms and no banned variant', async () => {
  await textOf(app, '#unlock-title', 30000);
  await unlockAs(app, 'ona', PASS);
  await textOf(app, '#home-title');
  for (const [lang, [analysis, cases]] of Object.entries(TERMS)) {
    await click(app, '#nav-settings');
    await textOf(app, '#settings-title');
    await choose(app, '#settings-language', lang);
    await waitText(app, '#nav-home', (t) => t !== 'My work');
    await screen(lang, 'settings');

    await click(app, '#nav-home');
    await textOf(app, '#home-title');
    await screen(lang, 'my-work');

    await click(app, '#nav-cases');
    await waitText(app, '#case-list', (t) => /TRM-01-\d{4}-\d{4}/.test(t), 20000);
    await screen(lang, 'cases', cases);
    await click(app, '#case-list button');
    await textOf(app, '#tab-overview');
    await screen(lang, 'case');

    await click(app, '#nav-analysis');
    await textOf(app, '#analysis-title');
    await screen(lang, 'analysis', analysis);
  }
  await click(app, '#nav-settings');
  await choose(app, '#settings-language', 'en');
});
