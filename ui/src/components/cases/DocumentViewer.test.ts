// The document viewer: what the core returns is shown from memory — an image through a
// blob: URL that is revoked on close, text in a <pre>, a PDF (the fixture) as one canvas per
// page drawn by pdf.js. pdf.js cannot draw in jsdom, so opening and drawing are replaced
// here (the real pdf.js reads this fixture in pdf.test.ts; the e2e run draws it).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import DocumentViewer from './DocumentViewer.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { Document } from '../../lib/bindings/Document';
import * as pdf from '../../lib/pdf';
import { twoPagesPdf } from '../../test/pdfFixture';

vi.mock('../../lib/pdf', async (original) => ({
  ...(await original<typeof import('../../lib/pdf')>()),
  openPdf: vi.fn(),
  renderPage: vi.fn(),
}));

const fixture = twoPagesPdf();
const meta = { owner_centre: 'KLP-01', version: '1', created_at: '2026-11-21T09:00:00Z', created_by: 'ona' };
const doc = (file_name: string, media_type: string): Document => ({
  id: '01900000-0000-7000-8000-0000000d0c01',
  file_name,
  media_type,
  size: 1,
  sha256: '00',
  meta,
});
const content = (bytes: Uint8Array) =>
  vi.fn<Backend['documentContent']>().mockImplementation(() => Promise.resolve(bytes.slice().buffer));

describe('DocumentViewer', () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('shows an image through a blob: URL and revokes it when closed', async () => {
    const create = vi.fn(() => 'blob:tauri://localhost/4a1e');
    const revoke = vi.fn();
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke });
    const documentContent = content(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    setBackend(fakeBackend({ documentContent }));
    const view = render(DocumentViewer, { doc: doc('scan.png', 'image/png'), onclose: vi.fn() });
    const img = (await screen.findByRole('img', { name: 'scan.png' })) as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('blob:tauri://localhost/4a1e');
    const blob = (create.mock.calls[0] as unknown as [Blob])[0];
    expect(blob.type).toBe('image/png');
    expect(blob.size).toBe(4);
    expect(revoke).not.toHaveBeenCalled();
    view.unmount();
    expect(revoke).toHaveBeenCalledWith('blob:tauri://localhost/4a1e');
  });

  it('shows text in a <pre>', async () => {
    setBackend(
      fakeBackend({ documentContent: content(new TextEncoder().encode('Līga called at 10:00.\nSafe to text.')) }),
    );
    render(DocumentViewer, { doc: doc('call.txt', 'text/plain'), onclose: vi.fn() });
    await vi.waitFor(() =>
      expect(document.querySelector('pre')?.textContent).toBe('Līga called at 10:00.\nSafe to text.'),
    );
  });

  it('draws each page of a PDF onto its own canvas, from the bytes the core returned', async () => {
    const destroy = vi.fn(() => Promise.resolve());
    const fakeDoc = { numPages: 2, destroy };
    vi.mocked(pdf.openPdf).mockResolvedValue(fakeDoc as never);
    vi.mocked(pdf.renderPage).mockResolvedValue();
    // The media type says nothing: the PDF signature decides.
    setBackend(fakeBackend({ documentContent: content(fixture) }));
    const onclose = vi.fn();
    const view = render(DocumentViewer, { doc: doc('statement', 'application/octet-stream'), onclose });
    expect((await screen.findByText('2 pages')).id).toBe('pdf-pages');
    const sent = vi.mocked(pdf.openPdf).mock.calls[0]![0];
    expect([...sent]).toEqual([...fixture]);
    expect(fixture.length).toBeGreaterThan(500);
    await vi.waitFor(() => expect(pdf.renderPage).toHaveBeenCalledTimes(2));
    const canvases = [...document.querySelectorAll('canvas')];
    expect(canvases.map((c) => c.id)).toEqual(['pdf-page-1', 'pdf-page-2']);
    expect(vi.mocked(pdf.renderPage).mock.calls.map(([d, n, c]) => [d, n, c])).toEqual([
      [fakeDoc, 1, canvases[0]],
      [fakeDoc, 2, canvases[1]],
    ]);
    expect(screen.getByText('Page 2 of 2, statement')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onclose).toHaveBeenCalled();
    view.unmount();
    expect(destroy).toHaveBeenCalled();
  });

  it('says so when the core cannot give the document', async () => {
    setBackend(
      fakeBackend({ documentContent: () => Promise.reject({ code: 'not_found', message: 'no document 42' }) }),
    );
    render(DocumentViewer, { doc: doc('gone.pdf', 'application/pdf'), onclose: vi.fn() });
    expect((await screen.findByRole('alert')).textContent).toBe('The document could not be shown: no document 42');
  });
});
