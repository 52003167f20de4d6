import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { checkRequested, formatMergeMessage, formatMissingRequest, mergeFragments, requestDrift } from '../../../src/kconfig/merge.js';
import { formatDiffconfig } from '../../../src/kconfig/diffconfig.js';
import { configDrift } from '../../../src/build/config-request.js';
import { InputError } from '../../../src/errors.js';

const FIX = join(process.cwd(), 'test/fixtures/dotconfig');
const text = (name: string) => readFileSync(join(FIX, name), 'utf8');
const read = (name: string) => parseDotConfig(text(name), name);
const pairs = (entries: { name: string; raw: string }[]) => entries.map((e) => `${e.name}=${e.raw}`);

// Expected outputs come from running the kernel's merge_config.sh on the same files (README.md there).
describe('merge_config.sh semantics', () => {
  it('later fragments win; the merged lines are in the script order; "redefined" messages match', () => {
    const r = mergeFragments(read('a.config'), [read('frag-kvm.config'), read('frag-mod.config')]);
    expect(pairs(r.entries)).toEqual(pairs(read('merge-a-kvm-mod.config').entries));
    const log = text('merge-a-kvm-mod.log');
    const messages = r.messages.map(formatMergeMessage).join('');
    const fromScript = log
      .split('\n')
      .filter((l) => !/^(Using|Merging|#)/.test(l))
      .join('\n')
      .replace(/\n+$/, '\n\n');
    expect(messages).toBe(fromScript);
    expect(r.messages.map((m) => `${m.kind} ${m.name}`)).toEqual([
      'redefined SMP',
      'redefined E1000',
      'redefined MODULES',
      'redefined E1000',
      'redefined NR_CPUS',
    ]);
    expect(r.values.get('E1000')!.raw).toBe('m');
    expect(parseDotConfig(r.text).values.get('NR_CPUS')!.raw).toBe('4');
  });

  it('-y keeps y over a fragment m, -r lists redundant values', () => {
    const r = mergeFragments(read('a.config'), [read('frag-kvm.config'), read('frag-mod.config')], {
      builtin: true,
      warnRedundant: true,
    });
    expect(pairs(r.entries)).toEqual(pairs(read('merge-y-r-a-kvm-mod.config').entries));
    const log = text('merge-y-r-a-kvm-mod.log');
    const fromScript = log
      .split('\n')
      .filter((l) => !/^(Using|Merging|#)/.test(l))
      .join('\n')
      .replace(/\n+$/, '\n\n');
    expect(r.messages.map(formatMergeMessage).join('')).toBe(fromScript);
    expect(r.values.get('E1000')!.raw).toBe('y');
  });

  it('strict mode fails on the first redefinition, naming the fragment', () => {
    expect(() => mergeFragments(read('a.config'), [read('frag-kvm.config')], { strict: true })).toThrow(InputError);
    expect(() => mergeFragments(read('a.config'), [read('frag-kvm.config')], { strict: true })).toThrow(
      'frag-kvm.config: CONFIG_SMP is redefined (# CONFIG_SMP is not set -> CONFIG_SMP=y) and strict mode was asked for',
    );
  });

  it('reports requested values missing from the final .config as the script prints them, by the one drift rule', () => {
    const merged = mergeFragments(parseDotConfig(''), [read('frag-request.config')]);
    const final = read('merge-request-final.config');
    const missing = checkRequested(merged, final);
    expect(missing.map((m) => m.name)).toEqual(['E1000', 'NR_CPUS']);
    // The script also lists the requested `# CONFIG_NOT_A_SYMBOL is not set` (absent from the final
    // .config); absent means n, so it stuck: the one rule (requestDrift, also `ktrim build`'s drift) keeps it.
    const script = text('merge-request-check.log');
    const notASymbol = script.slice(
      script.indexOf('Value requested for CONFIG_NOT_A_SYMBOL'),
      script.indexOf('Value requested for CONFIG_NR_CPUS'),
    );
    expect(notASymbol).toContain('# CONFIG_NOT_A_SYMBOL is not set');
    expect(missing.map(formatMissingRequest).join('')).toBe(script.replace(notASymbol, ''));
    expect(formatDiffconfig(requestDrift(merged, final))).toBe('-E1000 y\n NR_CPUS 4 -> 1\n');
    expect(configDrift(merged, final)).toEqual(requestDrift(merged, final));
  });
});
