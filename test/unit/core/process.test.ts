import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { liveChildren, startChild, type ChildLine } from '../../../src/process.js';

/** Running (not a zombie waiting for a reaper that may never come). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('startChild', () => {
  it('streams lines with increasing host timestamps and keeps raw bytes verbatim', async () => {
    const lines: ChildLine[] = [];
    const raw = new PassThrough();
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    const child = startChild(['sh', '-c', 'printf "one\\r\\n"; sleep 0.2; printf "two\\nthree"; printf "err\\n" >&2'], {
      onLine: (l) => lines.push(l),
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
    expect(two.hostMs - one.hostMs).toBeGreaterThanOrEqual(150); // stamped on arrival, not at exit
    expect(Buffer.concat(chunks).toString('latin1')).toContain('one\r\ntwo\nthree');
    expect(liveChildren().has(child)).toBe(false);
  });

  it('kills the whole process group, grandchildren included', async () => {
    // The shell starts a background sleep and prints its pid, then waits.
    let grandchild = 0;
    const child = startChild(['sh', '-c', 'sleep 300 & echo $!; wait'], {
      onLine: (l) => {
        if (/^\d+$/.test(l.text)) grandchild = Number(l.text);
      },
    });
    for (let i = 0; i < 50 && !grandchild; i++) await new Promise((r) => setTimeout(r, 20));
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(true);
    const res = await child.kill(2000);
    expect(res.killed).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const child = startChild(['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'], {
      onLine: () => {},
    });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const res = await child.kill(300);
    expect(res.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(3000);
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

  it('sees no leftover children from this file', () => {
    // Exact argv, running (not zombie): `pgrep -f` would also match unrelated
    // command lines that merely contain the text.
    const leftovers = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\0' + '300\0' && alive(Number(pid));
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
  });
});
