// The one draft helper every form uses (keepDraft + openForms), through the Notes section:
// a note typed is kept as a draft and comes back where it was; saving removes it; a lock
// writes it at once; leaving with unsaved input asks, and keeps or throws it away.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import Notes from '../components/cases/Notes.svelte';
import Referrals from '../components/cases/Referrals.svelte';
import { setBackend, type Backend, type AppPhase } from './backend';
import { fakeBackend } from './backend/testing';
import type { DraftKey } from './bindings/DraftKey';
import type { Draft } from './bindings/Draft';
import { codes } from './codes.svelte';
import { openForms } from './forms.svelte';
import { draftRoute, nav } from './nav.svelte';
import { session } from './session.svelte';
import { catalogue, detail } from '../test/fixtures';

const id = (k: DraftKey) => `${k.kind}/${k.case_id}/${k.record_id}`;

/** A backend whose drafts live in a map, as the core keeps them (one per key). */
function withDrafts(extra: Partial<Backend> = {}) {
  const kept = new Map<string, string>();
  const saveFormDraft = vi.fn<Backend['saveFormDraft']>((key, title, body) => {
    kept.set(id(key), body);
    const d: Draft = {
      id: 'd',
      kind: key.kind,
      title,
      body,
      updated_at: '',
      case_id: key.case_id,
      record_id: key.record_id,
    };
    return Promise.resolve(d);
  });
  const discardFormDraft = vi.fn<Backend['discardFormDraft']>((key) => {
    kept.delete(id(key));
    return Promise.resolve();
  });
  const formDraft = vi.fn<Backend['formDraft']>((key) => {
    const body = kept.get(id(key));
    return Promise.resolve(
      body === undefined
        ? null
        : { id: 'd', kind: key.kind, title: '', body, updated_at: '', case_id: key.case_id, record_id: key.record_id },
    );
  });
  setBackend(
    fakeBackend({ codeLists: () => Promise.resolve(catalogue), saveFormDraft, discardFormDraft, formDraft, ...extra }),
  );
  return { kept, saveFormDraft, discardFormDraft };
}

const noteKey = (d: ReturnType<typeof detail>) => `note/${d.case.id}/null`;

async function typeNote(text: string) {
  const box = (await screen.findByLabelText('New note')) as HTMLTextAreaElement;
  await fireEvent.input(box, { target: { value: text } });
  return box;
}

describe('keepDraft', () => {
  beforeEach(async () => {
    codes.clear();
    nav.reset();
  });
  afterEach(() => {
    cleanup();
    openForms.clear();
  });

  it('keeps a note being typed as a draft, which comes back when the section opens again', async () => {
    const b = withDrafts();
    await codes.load('en');
    const d = detail();
    render(Notes, { detail: d, onchanged: vi.fn() });
    await typeNote('She called from a friend’s phone');
    await vi.waitFor(() => expect(b.kept.get(noteKey(d))).toContain('She called from a friend’s phone'));
    expect(b.saveFormDraft).toHaveBeenCalledWith(
      { kind: 'note', case_id: d.case.id, record_id: null },
      expect.any(String),
      expect.any(String),
    );
    cleanup();

    render(Notes, { detail: d, onchanged: vi.fn() });
    await vi.waitFor(() =>
      expect((screen.getByLabelText('New note') as HTMLTextAreaElement).value).toBe('She called from a friend’s phone'),
    );
    expect(screen.getByRole('status').textContent).toContain('Restored from your draft');
  });

  it('removes the draft once the note is saved', async () => {
    const addNote = vi.fn<Backend['addNote']>().mockResolvedValue('n1');
    const b = withDrafts({ addNote });
    await codes.load('en');
    const d = detail();
    const onchanged = vi.fn();
    render(Notes, { detail: d, onchanged });
    await typeNote('to be saved');
    await vi.waitFor(() => expect(b.kept.has(noteKey(d))).toBe(true));
    await fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(b.kept.has(noteKey(d))).toBe(false);
    expect(b.discardFormDraft).toHaveBeenCalled();
    expect(openForms.dirty()).toBe(false);
  });

  it('writes what was just typed before the app locks', async () => {
    const order: string[] = [];
    const b = withDrafts({
      lock: () => {
        order.push('lock');
        return Promise.resolve<AppPhase>({ phase: 'locked' });
      },
    });
    b.saveFormDraft.mockImplementation((key, title, body) => {
      order.push(`draft ${body}`);
      b.kept.set(id(key), body);
      return Promise.resolve({
        id: 'd',
        kind: key.kind,
        title,
        body,
        updated_at: '',
        case_id: key.case_id,
        record_id: key.record_id,
      });
    });
    await codes.load('en');
    render(Notes, { detail: detail(), onchanged: vi.fn() });
    await typeNote('typed a moment before the lock');
    await tick();
    // At once: not after the pause that follows typing.
    await session.lock();
    expect(order).toEqual(['draft {"body":"typed a moment before the lock","restricted":null}', 'lock']);
  });

  it('asks before leaving a form with unsaved input; keep keeps the draft, discard removes it', async () => {
    const b = withDrafts();
    await codes.load('en');
    const d = detail();
    nav.openCase(d.case.id, 'notes');
    render(Notes, { detail: d, onchanged: vi.fn() });
    await typeNote('half a note');
    await tick();

    nav.openCase(d.case.id, 'risk');
    expect(nav.route).toEqual({ name: 'case', caseId: d.case.id, section: 'notes' });
    expect(openForms.asking?.keepable).toBe(true);
    await openForms.answer('stay');
    expect(nav.route).toMatchObject({ section: 'notes' });

    nav.openCase(d.case.id, 'risk');
    await openForms.answer('keep');
    expect(nav.route).toMatchObject({ section: 'risk' });
    expect(b.kept.get(noteKey(d))).toContain('half a note');

    nav.openCase(d.case.id, 'notes');
    await typeNote('half a note, then more');
    await tick();
    nav.go({ name: 'home' });
    await openForms.answer('discard');
    expect(nav.route).toEqual({ name: 'home' });
    expect(b.kept.has(noteKey(d))).toBe(false);
  });

  it('leaves at once when nothing typed would be lost', async () => {
    withDrafts();
    await codes.load('en');
    const d = detail();
    render(Notes, { detail: d, onchanged: vi.fn() });
    await screen.findByLabelText('New note');
    nav.openCase(d.case.id, 'risk');
    expect(openForms.asking).toBeNull();
    expect(nav.route).toMatchObject({ section: 'risk' });
  });
});

describe('the place kept at a lock', () => {
  it('brings the same person back to the same case and tab, and anyone else to My work', () => {
    nav.reset();
    nav.go({ name: 'case', caseId: 'c-1', section: 'risk' });
    nav.leaveFor('ona');
    expect(nav.route).toEqual({ name: 'home' });
    nav.enterFor('ona');
    expect(nav.route).toEqual({ name: 'case', caseId: 'c-1', section: 'risk' });

    nav.leaveFor('ona');
    nav.enterFor('tomas');
    expect(nav.route).toEqual({ name: 'home' });
    // Kept once only: a second unlock of the same person starts at My work.
    nav.enterFor('ona');
    expect(nav.route).toEqual({ name: 'home' });
  });

  it('reopens a new intake as the draft its save before the lock wrote, even when the save answered after the lock', () => {
    nav.reset();
    nav.go({ name: 'intake', draftId: null });
    nav.intakeDraft = null;
    nav.leaveFor('ona');
    nav.intakeSaved('d-9');
    nav.enterFor('ona');
    expect(nav.route).toEqual({ name: 'intake', draftId: 'd-9' });
    // An intake reopened from its draft keeps that draft.
    nav.go({ name: 'intake', draftId: 'd-3' });
    nav.leaveFor('ona');
    nav.intakeSaved('d-3');
    nav.enterFor('ona');
    expect(nav.route).toEqual({ name: 'intake', draftId: 'd-3' });
  });
});

describe('a form opened pre-filled (a recommended action)', () => {
  afterEach(() => {
    cleanup();
    openForms.clear();
  });

  it('keeps what is typed into it, and keeps it as a draft', async () => {
    const b = withDrafts();
    await codes.load('en');
    const d = detail();
    render(Referrals, { detail: d, onchanged: vi.fn(), start: { agency_type: 'police' } });
    const date = (await screen.findByLabelText('Date')) as HTMLInputElement;
    await fireEvent.input(date, { target: { value: '2026-10-01' } });
    await tick();
    await tick();
    expect((screen.getByLabelText('Date') as HTMLInputElement).value).toBe('2026-10-01');
    await vi.waitFor(() => expect(b.kept.get(`referral/${d.case.id}/null`)).toContain('2026-10-01'));
  });
});

describe('where a draft is finished (My work)', () => {
  it('opens an intake draft in the intake, a form draft on its case and tab', () => {
    expect(draftRoute({ id: 'd1', kind: 'intake', case_id: null })).toEqual({ name: 'intake', draftId: 'd1' });
    expect(draftRoute({ id: 'd2', kind: 'note', case_id: 'c-1' })).toEqual({
      name: 'case',
      caseId: 'c-1',
      section: 'notes',
    });
    expect(draftRoute({ id: 'd3', kind: 'risk_assessment', case_id: 'c-1' })).toEqual({
      name: 'case',
      caseId: 'c-1',
      section: 'risk',
    });
    expect(draftRoute({ id: 'd4', kind: 'case_analysis', case_id: 'c-1' })).toEqual({ name: 'analysis' });
  });
});
