// @vitest-environment node
// pdf.js itself on the fixture PDF (in Node: its worker runs in this thread), and how a
// document's kind is chosen.
import { describe, expect, it, vi } from 'vitest';
import { documentKind, openPdf } from './pdf';
import { twoPagesPdf } from '../test/pdfFixture';

// The app's build of pdf.js is for browsers; Node needs its legacy build (same API).
vi.mock('pdfjs-dist', () => import('pdfjs-dist/legacy/build/pdf.mjs'));

const fixture = twoPagesPdf;

describe('documentKind', () => {
  it('knows a PDF by its media type or by its signature', () => {
    expect(documentKind('application/pdf', new Uint8Array())).toBe('pdf');
    expect(documentKind('application/octet-stream', fixture())).toBe('pdf');
    expect(documentKind('image/png', new Uint8Array([0x89, 0x50]))).toBe('image');
    expect(documentKind('text/plain', new TextEncoder().encode('hello'))).toBe('text');
    expect(documentKind('application/zip', new Uint8Array([0x50, 0x4b]))).toBe('other');
  });
});

describe('openPdf', () => {
  it('reads the fixture from memory: two pages of A6 with their text', async () => {
    // In Node, pdf.js runs its worker in this thread when the worker module is loaded.
    await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    const doc = await openPdf(fixture());
    try {
      expect(doc.numPages).toBe(2);
      const page = await doc.getPage(1);
      expect(page.getViewport({ scale: 1 }).width).toBe(298);
      const text = await page.getTextContent();
      const words = text.items.map((i) => ('str' in i ? i.str : '')).join(' ');
      expect(words).toContain('Atrama test document');
    } finally {
      await doc.destroy();
    }
  });

  it('refuses bytes that are not a PDF', async () => {
    await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    await expect(openPdf(new TextEncoder().encode('not a pdf at all'))).rejects.toThrow(/PDF/);
  });
});
