// The leak check's own parts (tests/e2e/leakscan.js), on their own: the strace reader finds a
// marker written to a file that was then deleted, in either encoding, in a write cut by
// another thread's line, and skips writes to sockets and pipes; the walk finds a planted
// file in /var/tmp and leaves files unchanged since the session began unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStraceString, readTraces, scanFileSystem, traceArgs } from './leakscan.js';

const M = 'qzunitmarkerabcdefgh';

test('the trace reader finds markers written to files, whole or cut, and only to files', () => {
  const hex = (s, enc) => [...Buffer.from(s, enc)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const r = readTraces(
    [
      `10 openat(AT_FDCWD</w>, "t.tmp", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0600) = 7</w/t.tmp>`,
      `10 write(7</w/t.tmp>, "name: ${M}\\n", 27) = 27`,
      `11 pwrite64(8</w/u.db>, "${hex(M.toUpperCase(), 'utf16le')}", 40, 4096 <unfinished ...>`,
      `12 write(3<socket:[991]>, "${M}", 20) = 20`,
      `11 <... pwrite64 resumed>) = 40`,
      `13 writev(4<pipe:[5]>, [{iov_base="${M}", iov_len=20}], 1) = 20`,
      `10 unlinkat(AT_FDCWD</w>, "t.tmp", 0) = 0`,
      `14 write(9</w/big>, "abc"..., 100000) = 100000`,
    ],
    [M],
  );
  assert.deepEqual(r.hits.sort(), [`${M.toUpperCase()} (UTF-16LE) written to /w/u.db`, `${M} (UTF-8) written to /w/t.tmp`].sort());
  assert.deepEqual(r.removed, ['/w/t.tmp']);
  assert.deepEqual([...r.written.keys()], ['/w/t.tmp']);
  assert.equal(r.writes, 3);
  assert.deepEqual(r.problems, ['strace cut a buffer written to /w/big: the check cannot see all of it']);
  assert.deepEqual([...decodeStraceString('a\\"b\\n\\x00\\303\\xa9')], [0x61, 0x22, 0x62, 0x0a, 0x00, 0xc3, 0xa9]);
});

test('strace with the leak check arguments records a file written and deleted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atrama-leakscan-'));
  try {
    const out = join(dir, 'trace');
    execFileSync('strace', [...traceArgs(out), '--', 'sh', '-c', `printf '%s' "$1" > "$2/x.tmp"; rm "$2/x.tmp"`, 'sh', M, dir]);
    const r = readTraces(readFileSync(out, 'utf8').split('\n'), [M]);
    assert.deepEqual(r.hits, [`${M} (UTF-8) written to ${dir}/x.tmp`]);
    assert.ok(r.removed.includes(`${dir}/x.tmp`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the walk reads files changed since the session began, anywhere, and no others', () => {
  const dir = mkdtempSync('/var/tmp/atrama-leakscan-');
  try {
    writeFileSync(join(dir, 'fresh.bin'), Buffer.from(`x ${M}`, 'utf16le'));
    const old = join(dir, 'old.txt');
    writeFileSync(old, M);
    const since = Date.now() - 1000;
    utimesSync(old, new Date(0), new Date(0)); // mtime back; its ctime still says now
    const r = scanFileSystem({ markers: [M], since, skip: ['/work'] });
    assert.ok(r.hits.includes(`${M} (UTF-16LE) in the content of ${dir}/fresh.bin`), r.hits.join('\n'));
    assert.ok(r.hits.includes(`${M} (UTF-8) in the content of ${old}`), r.hits.join('\n'));
    const later = scanFileSystem({ markers: [M], since: Date.now() + 60000, skip: ['/work'] });
    assert.deepEqual(later.hits.filter((h) => h.includes(dir)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
