// realLab's build on the fake kernel tree (test/fixtures/fake-kernel) with
// real make: a config that fails to build is an answer about that config.
import { describe, it, expect, afterAll } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realLab } from '../../../src/lab/lab.js';
import { createMemoryLogger } from '../../../src/ui/log.js';

const tmp = mkdtempSync(join(tmpdir(), 'ktrim-lab-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('realLab build', () => {
  it('a config that fails to build is { ok: false, build-failed } with make’s first error, and no E: line beside it', async () => {
    const source = join(tmp, 'linux');
    cpSync(join(process.cwd(), 'test/fixtures/fake-kernel'), source, { recursive: true });
    const logger = createMemoryLogger();
    const lab = realLab({ source, metric: 'icount', timeoutS: 10 }, { logger, cacheDir: join(tmp, 'cache') });
    const r = await lab.build('CONFIG_PRINTK=y\nCONFIG_SYNTAX_ERROR=y\n');
    expect(r).toMatchObject({ ok: false, kind: 'build-failed' });
    expect(r.ok === false && r.detail).toContain("kernel/syntax_error.c:3:9: error: expected ';' before '}' token");
    expect(logger.lines.filter((l) => l.startsWith('E:'))).toEqual([]);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^I: make bzImage: make exit 2 after [\d.]+ s$/));
  });
});
