// The two halves of the leak check (issue 27.5), kept apart from the session that feeds them
// so that tests/e2e/leakscan.test.js can check them on their own:
//
// - `scanFileSystem`: walks the whole file system the test's user can reach and looks for
//   markers in every path name and in the content of every file changed since the session
//   began (a marker is a fresh random string, so a file holding one was written after it was
//   made: its ctime, which no program can set back, is later).
// - `traceCommand` / `readTraces`: the app and every process it starts run under
//   `strace -f`, which records every file opened for writing, renamed or removed and the
//   bytes of every write to a file, so a temporary file written and deleted during the
//   session is caught too.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Every variant of `text` looked for: as typed, upper case, capitalised; UTF-8 and UTF-16LE. */
export function needles(text) {
  const forms = [...new Set([text, text.toUpperCase(), text[0].toUpperCase() + text.slice(1)])];
  return forms.flatMap((f) => [
    { form: `${f} (UTF-8)`, bytes: Buffer.from(f, 'utf8') },
    { form: `${f} (UTF-16LE)`, bytes: Buffer.from(f, 'utf16le') },
  ]);
}

/** Where each marker's variants occur in `bytes`: "form" strings. */
export function found(bytes, markers) {
  const hits = [];
  for (const m of markers) for (const v of needles(m)) if (bytes.includes(v.bytes)) hits.push(v.form);
  return hits;
}

/**
 * Directories the walk does not enter, and why. `/proc` and `/sys` are the kernel's views
 * (not files anyone writes), `/dev` is devices (its one writable file system, `/dev/shm`, is
 * walked). Build outputs and version control (`target`, `node_modules`, `.git`, anywhere)
 * are gigabytes written by cargo, npm and git, not by the app; the trace shows the app
 * writes nothing there (`readTraces` reports any such write as a problem).
 */
export const SKIPPED = {
  '/proc': 'the kernel’s process view',
  '/sys': 'the kernel’s device view',
  '/dev': 'devices (/dev/shm is walked)',
};
export const SKIPPED_NAMES = new Set(['target', 'node_modules', '.git']);

/**
 * Walks `/` and `/dev/shm` (not following links), leaving out `SKIPPED`, directories named in
 * `SKIPPED_NAMES` and the absolute paths in `skip` (the test's own trace, which holds what
 * the app sent through its sockets). Returns { hits, files, read, unreadable, ms }: a hit is
 * "form in the name|content of path".
 */
export function scanFileSystem({ markers, since, skip = [] }) {
  const t0 = Date.now();
  const skipSet = new Set([...Object.keys(SKIPPED), ...skip]);
  const all = markers.map((m) => ({ m, variants: needles(m) }));
  const longest = Math.max(...all.flatMap((a) => a.variants.map((v) => v.bytes.length)));
  const r = { hits: [], files: 0, read: 0, unreadable: 0 };
  const chunk = Buffer.alloc(4 << 20);
  const scanContent = (path) => {
    let fd;
    try {
      fd = openSync(path, 'r');
    } catch {
      r.unreadable++;
      return;
    }
    r.read++;
    try {
      // Chunks overlapping by the longest needle, so nothing is missed at a boundary.
      let carry = Buffer.alloc(0);
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        const window = Buffer.concat([carry, chunk.subarray(0, n)]);
        for (const { variants } of all) {
          for (const v of variants) if (window.includes(v.bytes)) r.hits.push(`${v.form} in the content of ${path}`);
        }
        carry = window.subarray(Math.max(0, window.length - longest + 1));
      }
    } catch {
      r.unreadable++;
    } finally {
      closeSync(fd);
    }
  };
  const walk = (path) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return; // gone meanwhile
    }
    const lower = path.toLowerCase();
    for (const { m } of all) if (lower.includes(m)) r.hits.push(`${m} in the name ${path}`);
    if (st.isDirectory()) {
      let names;
      try {
        names = readdirSync(path);
      } catch {
        r.unreadable++;
        return;
      }
      for (const name of names) {
        const child = path === '/' ? `/${name}` : join(path, name);
        if (skipSet.has(child) || SKIPPED_NAMES.has(name)) continue;
        walk(child);
      }
    } else if (st.isFile()) {
      r.files++;
      if (st.ctimeMs >= since || st.mtimeMs >= since) scanContent(path);
    }
  };
  walk('/');
  walk('/dev/shm');
  r.hits = [...new Set(r.hits)];
  r.ms = Date.now() - t0;
  return r;
}

/** The file system calls traced: opening, creating, renaming, linking, removing, writing. */
export const TRACED_CALLS = [
  'open', 'openat', 'openat2', 'creat', 'rename', 'renameat', 'renameat2', 'link', 'linkat',
  'symlink', 'symlinkat', 'unlink', 'unlinkat', 'truncate', 'ftruncate', 'mknod', 'mknodat',
  'write', 'pwrite64', 'writev', 'pwritev', 'pwritev2',
];

/**
 * The strace arguments that trace `program`: every process it starts (-f), descriptors shown
 * with their paths (-y), bytes that are not printable as \x escapes (-x), whole buffers up
 * to 64 MiB (-s).
 */
export function traceArgs(output) {
  return ['-f', '-qq', '-y', '-x', '-s', String(64 << 20), '-e', `trace=${TRACED_CALLS.join(',')}`, '-e', 'signal=none', '-o', output];
}

/** Decodes one strace string literal body (without its quotes), as printed with -x. */
export function decodeStraceString(body) {
  const out = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const e = body[++i];
    const simple = { n: 10, t: 9, r: 13, v: 11, f: 12, '"': 34, '\\': 92 };
    if (e in simple) out.push(simple[e]);
    else if (e === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(e)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(body[j] ?? '')) j++;
      out.push(parseInt(body.slice(i, j), 8));
      i = j - 1;
    } else {
      throw new Error(`unknown escape \\${e} in a strace string`);
    }
  }
  return Buffer.from(out);
}

/** strace -f cuts a call when another thread prints: joins `<unfinished ...>` with its
 *  `<... call resumed>` line. Yields whole lines. */
export function* joinedLines(lines) {
  const pending = new Map();
  for (const raw of lines) {
    const line = raw.replace(/\n$/, '');
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const pid = line.slice(0, sp);
    if (line.endsWith('<unfinished ...>')) {
      pending.set(pid, line.slice(0, -'<unfinished ...>'.length).trimEnd());
      continue;
    }
    const m = /^(\S+)\s+<\.\.\. \w+ resumed>\s?(.*)$/.exec(line);
    if (m && pending.has(m[1])) {
      const head = pending.get(m[1]);
      pending.delete(m[1]);
      yield head + (m[2].startsWith(')') || m[2].startsWith(',') ? '' : ' ') + m[2];
      continue;
    }
    yield line;
  }
  for (const head of pending.values()) yield head;
}

const WRITE = /^(write|pwrite64|writev|pwritev|pwritev2)\((\d+)<([^>]*)>, /;
const DIRFD = '(?:(\\w+(?:<[^>]*>)?|\\d+<[^>]*>), )?';
const OPEN = new RegExp(`^(open|openat|openat2|creat)\\(${DIRFD}"((?:[^"\\\\]|\\\\.)*)"(.*)\\)\\s+=\\s+(-?\\d+)`);
const MOVE = /^(rename|renameat|renameat2|link|linkat|symlink|symlinkat)\(/;
const REMOVE = new RegExp(`^(unlink|unlinkat)\\(${DIRFD}"((?:[^"\\\\]|\\\\.)*)"`);
const STRING = /"((?:[^"\\]|\\.)*)"(\.\.\.)?/g;

/** Whether a descriptor's path (as strace -y shows it) is a file on a file system. */
export function isFilePath(path) {
  return path.startsWith('/') && (!path.startsWith('/dev/') || path.startsWith('/dev/shm/'));
}

/**
 * Reads strace lines (of every traced process) and returns:
 * - `written`: files opened for writing or created (path → count), `removed`, `moved`
 *   (rename and link lines, whole);
 * - `writes`: writes to files, `bytes` written to files;
 * - `hits`: a marker in the bytes written to a file ("form written to path") or in a path name;
 * - `problems`: writes into skipped build folders, or a buffer strace cut short (then the
 *   check cannot see all bytes).
 */
export function readTraces(lines, markers) {
  const r = { written: new Map(), removed: [], moved: [], writes: 0, bytes: 0, hits: [], problems: [] };
  const inSkipped = (p) => p.split('/').some((part) => SKIPPED_NAMES.has(part));
  const nameHits = (p, what) => {
    const lower = p.toLowerCase();
    for (const m of markers) if (lower.includes(m)) r.hits.push(`${m} in the name ${p} (${what})`);
  };
  for (const full of joinedLines(lines)) {
    const sp = full.indexOf(' ');
    const call = full.slice(sp + 1).trimStart();
    let m = WRITE.exec(call);
    if (m) {
      const path = m[3];
      if (!isFilePath(path)) continue;
      r.writes++;
      if (inSkipped(path)) r.problems.push(`a write into a build folder: ${path}`);
      const parts = [];
      for (const s of call.matchAll(STRING)) {
        if (s[2]) r.problems.push(`strace cut a buffer written to ${path}: the check cannot see all of it`);
        parts.push(decodeStraceString(s[1]));
      }
      const bytes = Buffer.concat(parts);
      r.bytes += bytes.length;
      for (const form of found(bytes, markers)) r.hits.push(`${form} written to ${path}`);
      continue;
    }
    m = OPEN.exec(call);
    if (m) {
      const [, fn, dirfd, rawPath, rest, ret] = m;
      if (Number(ret) < 0) continue;
      const writing = fn === 'creat' || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(rest);
      if (!writing) continue;
      let path = decodeStraceString(rawPath).toString('utf8');
      const base = dirfd && /<([^>]*)>/.exec(dirfd);
      if (!path.startsWith('/') && base) path = join(base[1], path);
      if (!isFilePath(path) && path.startsWith('/')) continue;
      r.written.set(path, (r.written.get(path) ?? 0) + 1);
      nameHits(path, 'opened for writing');
      if (inSkipped(path)) r.problems.push(`a file opened for writing in a build folder: ${path}`);
      continue;
    }
    if (MOVE.test(call)) {
      if (/\)\s+=\s+-1/.test(call)) continue;
      r.moved.push(call);
      for (const s of call.matchAll(STRING)) nameHits(decodeStraceString(s[1]).toString('utf8'), 'renamed or linked');
      continue;
    }
    m = REMOVE.exec(call);
    if (m && !/\)\s+=\s+-1/.test(call)) {
      let path = decodeStraceString(m[3]).toString('utf8');
      const base = m[2] && /<([^>]*)>/.exec(m[2]);
      if (!path.startsWith('/') && base) path = join(base[1], path);
      r.removed.push(path);
    }
  }
  r.hits = [...new Set(r.hits)];
  r.problems = [...new Set(r.problems)];
  return r;
}

/** All lines of the trace files named. */
export function* traceLines(files) {
  // With -x, strace writes every byte that is not printable ASCII as an escape.
  for (const f of files) yield* readFileSync(f, 'utf8').split('\n');
}
