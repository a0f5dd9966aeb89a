// pdf.js's worker module, loaded by tests in Node (it installs itself; nothing is imported).
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs';
