import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { ChildRegistry } from '../../../src/children.js';
import { liveChildren, setChildRegistry, startChild, type ChildLine } from '../../../src/process.js';

/** Running (not a zombie waiting for a reaper that may never come). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Poll `cond` until it holds or `deadlineMs` passed; a bounded wait for an event we cannot subscribe to. */
async function becomes(cond: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe('startChild', () => {
  it('streams lines stamped as they arrive and keeps raw bytes verbatim', async () => {
    const lines: ChildLine[] = [];
    const raw = new PassThrough();
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    // The child prints "two" only after it read a line we send once "one" arrived:
    // "one" must be stamped before we answered, "two" after (no clock thresholds).
    let answeredMs = 0;
    const child = startChild(['sh', '-c', 'printf "one\\r\\n"; read x; printf "two\\nthree"; printf "err\\n" >&2'], {
      onLine: (l) => {
        lines.push(l);
        if (l.text === 'one\r') {
          answeredMs = performance.now();
          child.stdin!.write('go\n');
        }
      },
      rawLog: raw,
    });
    const res = await child.done;
    expect(res.exitCode).toBe(0);
    expect(res.killed).toBe(false);
    const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(out).toEqual(['one\r', 'two', 'three']); // unterminated last line still delivered
    expect(lines.find((l) => l.stream === 'stderr')?.text).toBe('err');
    const one = lines.find((l) => l.text === 'one\r')!;
    const two = lines.find((l) => l.text === 'two')!;
    expect(one.hostMs).toBeLessThanOrEqual(answeredMs); // stamped on arrival, not at exit
    expect(two.hostMs).toBeGreaterThan(answeredMs);
    expect(Buffer.concat(chunks).toString('latin1')).toContain('one\r\ntwo\nthree');
    expect(liveChildren().has(child)).toBe(false);
  });

  it('kills the whole process group, grandchildren included', async () => {
    // The shell starts a background sleep and prints its pid, then waits.
    const grandchildSeen = deferred<number>();
    const child = startChild(['sh', '-c', 'sleep 300.4242 & echo $!; wait'], {
      onLine: (l) => {
        if (/^\d+$/.test(l.text)) grandchildSeen.resolve(Number(l.text));
      },
    });
    const grandchild = await grandchildSeen.promise;
    expect(alive(grandchild)).toBe(true);
    const res = await child.kill(2000);
    expect(res.killed).toBe(true);
    // The group was SIGKILLed once the leader was reaped; poll (bounded) until the kernel has it gone.
    expect(await becomes(() => !alive(grandchild), 2000)).toBe(true);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const ready = deferred<void>();
    const child = startChild(['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'], {
      onLine: (l) => l.text === 'ready' && ready.resolve(),
    });
    await ready.promise; // the trap is in place
    const res = await child.kill(300);
    expect(res.signal).toBe('SIGKILL');
    expect(res.killed).toBe(true);
  });

  it('reports a timeout as such', async () => {
    const child = startChild(['sleep', '30'], { timeoutMs: 200 });
    const res = await child.done;
    expect(res.timedOut).toBe(true);
    expect(res.exitCode).toBeUndefined();
  });

  it('gives the child a piped stdin', async () => {
    const lines: string[] = [];
    const child = startChild(['sh', '-c', 'read x; echo got:$x'], { onLine: (l) => lines.push(l.text) });
    child.stdin!.write('hello\n');
    await child.done;
    expect(lines).toEqual(['got:hello']);
  });

  it('records each live child in the registry and forgets it once reaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ktrim-registry-'));
    setChildRegistry(new ChildRegistry(dir));
    try {
      const child = startChild(['sh', '-c', 'read x'], {});
      const files = readdirSync(dir);
      expect(files).toEqual([expect.stringMatching(new RegExp(`^${child.pid}-\\d+\\.json$`))]);
      const entry = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
      expect(entry).toMatchObject({ pid: child.pid, pgid: child.pid, argv: ['sh', '-c', 'read x'], owner: { pid: process.pid } });
      child.stdin!.write('\n');
      await child.done;
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      setChildRegistry(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the child with the parent-death signal set, in place (its own argv)', async () => {
    const lines: string[] = [];
    const child = startChild(['setpriv', '--dump'], { onLine: (l) => lines.push(l.text) });
    await child.done;
    expect(lines).toContain('Parent death signal: KILL');
    expect((await startChild(['sh', '-c', 'tr "\\0" " " </proc/$$/cmdline'], { onLine: (l) => lines.push(l.text) }).done).exitCode).toBe(0);
    expect(lines.at(-1)).toBe('sh -c tr "\\0" " " </proc/$$/cmdline ');
  });

  it('fails a missing command as before (not wrapped into setpriv)', async () => {
    const child = startChild(['ktrim-no-such-command-xyz'], {});
    const res = await child.done;
    expect(res.exitCode).toBeUndefined();
  });

  it('sees no leftover children from this file', () => {
    // Exact argv, running (not zombie): `pgrep -f` would also match unrelated
    // command lines that merely contain the text; the odd duration keeps
    // other programs' `sleep 300` out of it.
    const leftovers = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\0' + '300.4242\0' && alive(Number(pid));
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
  });
});
