// Administration → Computers: the list (this computer first, its fingerprint to read aloud),
// adding a computer only with its file and the typed fingerprint (a refusal shown as the
// core says it), the join file, and removal only after a confirmation that says what it does
// and does not do.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import AdminComputers from './AdminComputers.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import type { Computer } from '../lib/bindings/Computer';
import type { PeersOverview } from '../lib/bindings/PeersOverview';

const computer = (name: string, thisOne: boolean, removed: string | null = null): Computer => ({
  installation: {
    install_id: `id-${name}`,
    name,
    fingerprint: thisOne ? 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF' : '1111-2222-3333-4444-5555-6666',
    this_computer: thisOne,
    removed_at: removed,
    last_sent_at: null,
    last_received_at: thisOne ? null : '2026-12-06T10:00:00Z',
    pending_changes: 0,
    exports_to_coordinator: thisOne,
  },
  added_at: '2026-12-01T09:00:00Z',
});

const overview = (computers: Computer[]): PeersOverview => ({
  this_computer: computers.length ? { name: 'desk A', fingerprint: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF' } : null,
  computers,
  folder: null,
  folder_reachable: false,
  last_sync: null,
  reviews: 0,
});

describe('AdminComputers', () => {
  afterEach(cleanup);

  it('lists the computers, this one first with its fingerprint in groups', async () => {
    setBackend(
      fakeBackend({
        peersOverview: () => Promise.resolve(overview([computer('desk A', true), computer('laptop B', false)])),
      }),
    );
    render(AdminComputers);
    const groups = await screen.findByText('AAAA');
    expect(groups.closest('#peers-this-fingerprint')!.querySelectorAll('span')).toHaveLength(6);
    const [own, other, ...more] = screen.getAllByRole('row').slice(1);
    expect(more).toEqual([]);
    expect([own!.getAttribute('data-computer'), other!.getAttribute('data-computer')]).toEqual(['desk A', 'laptop B']);
    expect(own!.textContent).toMatch(/this computer/);
    // This computer cannot be removed from here; the other can.
    expect(within(own!).queryByRole('button')).toBeNull();
    expect(within(other!).getByRole('button', { name: 'Remove laptop B?' })).toBeTruthy();
  });

  it('a centre on one computer says so and makes a join file under the name given', async () => {
    const peersJoinFile = vi
      .fn<Backend['peersJoinFile']>()
      .mockResolvedValue({ path: '/media/stick/atrama-join', size: 9 });
    setBackend(fakeBackend({ peersOverview: () => Promise.resolve(overview([])), peersJoinFile }));
    render(AdminComputers);
    expect(await screen.findByText(/works on one computer so far/)).toBeTruthy();
    const save = screen.getByRole('button', { name: 'Make the join file' }) as HTMLButtonElement;
    await fireEvent.input(screen.getByLabelText('Where to save the join file'), {
      target: { value: '/media/stick/atrama-join' },
    });
    expect(save.disabled).toBe(true); // no name for this computer yet
    await fireEvent.input(screen.getByLabelText('Name of this computer'), { target: { value: 'front desk' } });
    await fireEvent.click(save);
    await vi.waitFor(() => expect(peersJoinFile).toHaveBeenCalledWith('/media/stick/atrama-join', 'front desk'));
    expect(await screen.findByText(/Join file saved to \/media\/stick\/atrama-join/)).toBeTruthy();
  });

  it('adds a computer only with the typed fingerprint, showing the core’s refusal', async () => {
    const peersAdd = vi
      .fn<Backend['peersAdd']>()
      .mockRejectedValueOnce({
        code: 'invalid_input',
        message: 'the fingerprint typed does not match this enrolment file',
      })
      .mockResolvedValueOnce(computer('laptop B', false).installation);
    setBackend(fakeBackend({ peersOverview: () => Promise.resolve(overview([computer('desk A', true)])), peersAdd }));
    render(AdminComputers);
    const submit = (await screen.findByRole('button', { name: 'Add the computer' })) as HTMLButtonElement;
    await fireEvent.input(screen.getByLabelText("The new computer's enrolment file"), {
      target: { value: '/media/b.enrol' },
    });
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Its fingerprint, as read from its screen'), {
      target: { value: 'wrong' },
    });
    await fireEvent.click(submit);
    expect((await screen.findByRole('alert')).textContent).toMatch(/does not match/);
    await fireEvent.input(screen.getByLabelText('Its fingerprint, as read from its screen'), {
      target: { value: '1111 2222 3333 4444 5555 6666' },
    });
    await fireEvent.click(submit);
    await vi.waitFor(() =>
      expect(peersAdd).toHaveBeenLastCalledWith('/media/b.enrol', '1111 2222 3333 4444 5555 6666'),
    );
    expect(await screen.findByText(/laptop B was added/)).toBeTruthy();
  });

  it('removes a computer only after a confirmation saying what removal does and does not do', async () => {
    const peersOverview = vi
      .fn<Backend['peersOverview']>()
      .mockResolvedValueOnce(overview([computer('desk A', true), computer('laptop B', false)]))
      .mockResolvedValue(overview([computer('desk A', true), computer('laptop B', false, '2026-12-07T02:00:00Z')]));
    const peersRemove = vi.fn<Backend['peersRemove']>().mockResolvedValue();
    setBackend(fakeBackend({ peersOverview, peersRemove }));
    render(AdminComputers);
    await fireEvent.click(await screen.findByRole('button', { name: 'Remove laptop B?' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toMatch(/nothing written from now on can be opened on that computer/);
    expect(dialog.textContent).toMatch(/does not erase what is already on that computer/);
    expect(peersRemove).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Remove this computer' }));
    await vi.waitFor(() => expect(peersRemove).toHaveBeenCalledWith('id-laptop B'));
    expect(await screen.findByText('laptop B was removed from this centre.')).toBeTruthy();
    expect(screen.getByText(/^removed /)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Remove laptop B?' })).toBeNull();
  });

  const holding = (c: Computer, holds: boolean): Computer => ({
    ...c,
    installation: { ...c.installation, exports_to_coordinator: holds },
  });

  it('hands the export over only to a current computer, after saying what it means', async () => {
    const before = [
      computer('desk A', true),
      computer('laptop B', false),
      holding(computer('laptop C', false, '2026-12-05T10:00:00Z'), false),
    ];
    const after = [holding(before[0]!, false), holding(before[1]!, true), before[2]!];
    const peersOverview = vi
      .fn<Backend['peersOverview']>()
      .mockResolvedValueOnce(overview(before))
      .mockResolvedValue(overview(after));
    const peersHandOver = vi.fn<Backend['peersHandOver']>().mockResolvedValue();
    setBackend(fakeBackend({ peersOverview, peersHandOver }));
    render(AdminComputers);
    expect((await screen.findByText(/desk A sends the centre's bundles/)).id).toBe('peers-role-holder');
    const select = screen.getByLabelText('Hand over to…') as HTMLSelectElement;
    // Only current computers other than this one: not the removed laptop C.
    expect([...select.options].map((o) => o.textContent).filter((n) => n)).toEqual(['laptop B']);
    expect(screen.queryByRole('button', { name: 'Take over…' })).toBeNull();
    await fireEvent.change(select, { target: { value: 'id-laptop B' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Hand over' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toMatch(/no longer exports bundles/);
    expect(peersHandOver).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Hand over to laptop B' }));
    await vi.waitFor(() => expect(peersHandOver).toHaveBeenCalledWith('id-laptop B'));
    expect(await screen.findByText(/laptop B sends the centre's bundles to the coordination centre\./)).toBeTruthy();
    expect(screen.queryByLabelText('Hand over to…')).toBeNull();
  });

  it('offers a takeover only when the holder was removed, saying honestly what it means', async () => {
    const current = [holding(computer('desk A', true), false), holding(computer('laptop B', false), true)];
    const removed = [current[0]!, holding(computer('laptop B', false, '2026-12-06T12:00:00Z'), true)];
    const peersTakeOver = vi.fn<Backend['peersTakeOver']>().mockResolvedValue();
    setBackend(fakeBackend({ peersOverview: () => Promise.resolve(overview(current)) }));
    render(AdminComputers);
    expect(await screen.findByText(/laptop B sends the centre's bundles/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Take over…' })).toBeNull();
    expect(screen.queryByLabelText('Hand over to…')).toBeNull();
    cleanup();

    const peersOverview = vi
      .fn<Backend['peersOverview']>()
      .mockResolvedValueOnce(overview(removed))
      .mockResolvedValue(overview([holding(removed[0]!, true), holding(removed[1]!, false)]));
    setBackend(fakeBackend({ peersOverview, peersTakeOver }));
    render(AdminComputers);
    expect(await screen.findByText(/laptop B, which sent the centre's bundles .* was removed/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Take over…' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toMatch(/refuses any bundle laptop B exported after that/);
    expect(dialog.textContent).toMatch(/records that were only on laptop B may never reach the coordination centre/);
    expect(dialog.textContent).toMatch(/Take over on one computer only/);
    expect(peersTakeOver).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Take over on this computer' }));
    await vi.waitFor(() => expect(peersTakeOver).toHaveBeenCalledTimes(1));
    expect(await screen.findByText(/This computer now sends the centre's bundles/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Take over…' })).toBeNull();
  });
});
