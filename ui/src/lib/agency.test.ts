import { describe, expect, it } from 'vitest';
import { blankAction, blankConference, conferenceProblems, filledActions, sortedInForce, toggleField } from './agency';

describe('letter fields', () => {
  it('keep the letter order whatever order they are ticked in', () => {
    let f = toggleField([], 'phone', true);
    f = toggleField(f, 'name', true);
    f = toggleField(f, 'risk_level', true);
    expect(f).toEqual(['name', 'phone', 'risk_level']);
    expect(toggleField(f, 'phone', false)).toEqual(['name', 'risk_level']);
  });
});

describe('conference form', () => {
  it('names what is missing and drops empty action rows', () => {
    const f = blankConference('2026-11-02');
    const actions = [{ ...blankAction(), description: ' Apply for an order ' }, blankAction()];
    expect(conferenceProblems(f, actions)).toEqual([
      'conference.needAgency',
      'conference.needLevel',
      'conference.needOwner',
    ]);
    const ok = { ...f, agencies: ['police'], risk_level: 'high', follow_up_on: '2026-11-01' };
    const owned = [{ ...actions[0]!, owner_agency: 'police' }, blankAction()];
    expect(conferenceProblems(ok, owned)).toEqual(['conference.followUpBefore']);
    expect(filledActions(owned)).toEqual([{ description: 'Apply for an order', owner_agency: 'police', due_on: null }]);
  });
});

describe('reference data', () => {
  it('lists code lists, then the directory, then packs', () => {
    const item = (kind: string, item_id: string) => ({
      kind,
      item_id,
      version: '1',
      source: 'X',
      bundle_id: null,
      applied_at: '',
    });
    expect(
      sortedInForce([
        item('instrument_pack', 'b'),
        item('directory', 'directory'),
        item('instrument_pack', 'a'),
        item('code_lists', 'codelists'),
      ]).map((i) => i.item_id),
    ).toEqual(['codelists', 'directory', 'a', 'b']);
  });
});
