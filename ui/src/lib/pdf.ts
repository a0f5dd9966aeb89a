// PDF documents shown inside the app with pdf.js, from bytes in memory: nothing is written
// to disk and nothing is fetched. pdf.js (and its worker, a file of this app's own bundle:
// no CDN) is loaded only when a PDF is first opened, so it costs the rest of the app
// nothing.
import type { PDFDocumentProxy } from 'pdfjs-dist';

let loading: Promise<typeof import('pdfjs-dist')> | null = null;

async function pdfjs(): Promise<typeof import('pdfjs-dist')> {
  loading ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(
    ([lib, worker]) => {
      lib.GlobalWorkerOptions.workerSrc = worker.default;
      return lib;
    },
  );
  return loading;
}

/** Opens a PDF from its bytes (pdf.js takes them over: pass a copy if they are needed after). */
export async function openPdf(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  const lib = await pdfjs();
  return lib.getDocument({
    data: bytes,
    // The page's CSP allows no eval, and nothing may be fetched: fonts and images come from
    // the file itself.
    isEvalSupported: false,
    useWorkerFetch: false,
    enableXfa: false,
    stopAtErrors: false,
  }).promise;
}

/** Renders page `n` (1-based) of `doc` onto `canvas`, `width` CSS pixels wide. */
export async function renderPage(
  doc: PDFDocumentProxy,
  n: number,
  canvas: HTMLCanvasElement,
  width: number,
): Promise<void> {
  const page = await doc.getPage(n);
  const unscaled = page.getViewport({ scale: 1 });
  const scale = width / unscaled.width;
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: scale * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  await page.render({ canvas, viewport }).promise;
  page.cleanup();
}

export type DocumentKind = 'pdf' | 'image' | 'text' | 'other';

/** How a document is shown: by its media type, or as a PDF when it has a PDF's signature. */
export function documentKind(mediaType: string, bytes: Uint8Array): DocumentKind {
  const head = String.fromCharCode(...bytes.subarray(0, 5));
  if (mediaType === 'application/pdf' || head === '%PDF-') return 'pdf';
  if (mediaType.startsWith('image/')) return 'image';
  if (mediaType.startsWith('text/')) return 'text';
  return 'other';
}
