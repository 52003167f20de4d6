import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { Preprocessor, shellOutputToValue } from '../../../src/kconfig/preprocess.js';

function make(env: Record<string, string> = {}, shellOut: Record<string, string> = {}) {
  const calls: string[] = [];
  const infos: string[] = [];
  const warns: string[] = [];
  const pp = new Preprocessor({
    env,
    shell: {
      run: (c) => {
        calls.push(c);
        return shellOut[c] ?? '';
      },
    },
    where: () => ({ file: 'arch/Kconfig', line: 42 }),
    info: (t) => infos.push(t),
    warn: (t) => warns.push(t),
  });
  return { pp, calls, infos, warns };
}

describe('Kconfig preprocessor', () => {
  it('expands recursive variables late and simple variables at once', () => {
    const { pp } = make();
    pp.addVariable('b', 'one', 'simple');
    pp.addVariable('rec', '$(b)', 'recursive');
    pp.addVariable('simple', '$(b)', 'simple');
    pp.addVariable('b', 'two', 'simple');
    expect(pp.expandString('$(rec) $(simple)')).toBe('two one');
  });

  it('appends with a space, keeping the flavor (+= on a new variable is recursive)', () => {
    const { pp } = make();
    pp.addVariable('x', 'a', 'simple');
    pp.addVariable('x', 'b', 'append');
    pp.addVariable('y', '$(x)', 'append');
    pp.addVariable('x', 'c', 'simple');
    expect(pp.expandString('[$(x)] [$(y)]')).toBe('[c] [c]');
  });

  it('calls user functions with $(1), $(2) and nested commas in parentheses', () => {
    const { pp } = make();
    pp.addVariable('pair', '<$(1)|$(2)>', 'recursive');
    pp.addVariable('comma', ',', 'simple');
    expect(pp.expandString('$(pair,a,f(x,y))')).toBe('<a|f(x,y)>');
    expect(pp.expandString('$(pair,$(comma),b)')).toBe('<,|b>');
  });

  it('falls back to the environment and records what was used', () => {
    const { pp } = make({ CC: 'gcc', UNUSED: 'u' });
    expect(pp.expandString('$(CC) $(NOT_SET) $ $$x')).toBe('gcc  $ $$x');
    expect([...pp.usedEnv]).toEqual([['CC', 'gcc']]);
  });

  it('runs $(shell,...) through the runner with the expanded command', () => {
    const { pp, calls } = make({ CC: 'gcc' }, { 'gcc --version | head -1': 'gcc 12' });
    expect(pp.expandString('v=$(shell,$(CC) --version | head -1)')).toBe('v=gcc 12');
    expect(calls).toEqual(['gcc --version | head -1']);
  });

  it('implements filename, lineno, info and warning-if', () => {
    const { pp, infos, warns } = make();
    expect(pp.expandString('$(filename):$(lineno)$(info,hello)$(warning-if,y,careful)$(warning-if,n,quiet)')).toBe('arch/Kconfig:42');
    expect(infos).toEqual(['hello']);
    expect(warns).toEqual(['arch/Kconfig:42: careful']);
  });

  it('fails on error-if, unterminated references and self-reference with file:line', () => {
    const { pp } = make();
    expect(() => pp.expandString('$(error-if,y,compiler too old)')).toThrow(new InputError('compiler too old', 'arch/Kconfig', 42));
    expect(() => pp.expandString('$(error-if,n,fine)')).not.toThrow();
    expect(() => pp.expandString('$(foo')).toThrow(/arch\/Kconfig:42: unterminated reference/);
    pp.addVariable('loop', '$(loop)', 'recursive');
    expect(() => pp.expandString('$(loop)')).toThrow(/Recursive variable 'loop' references itself/);
    expect(() => pp.expandString('$(info,a,b)')).toThrow(/too many function arguments passed to 'info'/);
  });

  it('post-processes shell output like do_shell()', () => {
    expect(shellOutputToValue('a\nb\n\n')).toBe('a b');
    expect(shellOutputToValue('x'.repeat(5000)).length).toBe(4095);
  });
});
