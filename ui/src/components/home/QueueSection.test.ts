// A queue of "My work": heading with the count, the queue, or the words for an empty one.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import QueueSection from './QueueSection.svelte';

const queue = createRawSnippet(() => ({ render: () => '<p id="the-queue">rows</p>' }));

describe('QueueSection', () => {
  afterEach(() => cleanup());

  it('titles the queue with its size and shows it', () => {
    render(QueueSection, { id: 'mine', title: 'My open cases', size: 2, none: 'None.', children: queue });
    const heading = screen.getByRole('heading', { level: 2 });
    expect(heading.id).toBe('mine-title');
    expect(heading.textContent?.replace(/\s+/g, ' ').trim()).toBe('My open cases 2 cases');
    expect(heading.closest('section')?.getAttribute('aria-labelledby')).toBe('mine-title');
    expect(document.getElementById('the-queue')).not.toBeNull();
    expect(screen.queryByText('None.')).toBeNull();
  });

  it('says so when the queue is empty, with or without the count', () => {
    render(QueueSection, {
      id: 'recent',
      title: 'Recently opened',
      size: 0,
      none: 'No case opened yet.',
      counted: false,
      children: queue,
    });
    expect(screen.getByRole('heading', { level: 2 }).textContent?.trim()).toBe('Recently opened');
    expect(screen.getByText('No case opened yet.')).toBeTruthy();
    expect(document.getElementById('the-queue')).toBeNull();
  });
});
