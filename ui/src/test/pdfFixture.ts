// The two-page PDF fixture of the repository (tests/fixtures/documents/two-pages.pdf), as
// bytes, for component and pdf.js tests (inlined by Vite: no file access in the tests).
import dataUrl from '../../../tests/fixtures/documents/two-pages.pdf?inline';

export function twoPagesPdf(): Uint8Array {
  const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
