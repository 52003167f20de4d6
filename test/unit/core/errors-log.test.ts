import { describe, it, expect } from '@jest/globals';
import { BootError, BuildError, ExitCode, InputError, InterruptedError, KtrimError } from '../../../src/errors.js';
import { createLogger, formatCommand, shellQuote } from '../../../src/ui/log.js';
import { PassThrough } from 'node:stream';

describe('errors', () => {
  it('carry exit codes: 1 input, 2 build/boot, 130/143 signals', () => {
    expect(new InputError('bad').exitCode).toBe(ExitCode.input);
    expect(new BuildError('x').exitCode).toBe(2);
    expect(new BootError('x').exitCode).toBe(2);
    expect(new InterruptedError('SIGINT').exitCode).toBe(130);
    expect(new InterruptedError('SIGTERM').exitCode).toBe(143);
    expect(new InputError('x')).toBeInstanceOf(KtrimError);
  });
  it('name the file and line', () => {
    expect(new InputError('not a config line', '.config', 12).message).toBe('.config:12: not a config line');
    expect(new InputError('empty file', 'boot.log').message).toBe('boot.log: empty file');
  });
});

describe('logger', () => {
  it('quotes command lines so they can be pasted into a shell', () => {
    expect(shellQuote('O=/tmp/x')).toBe('O=/tmp/x');
    expect(shellQuote('console=ttyS0 quiet')).toBe("'console=ttyS0 quiet'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(formatCommand(['make', '-j2', 'CC=ccache gcc'], { ARCH: 'x86_64' })).toBe("ARCH=x86_64 make -j2 'CC=ccache gcc'");
  });
  it('prints plain I:/W:/E: lines when not on a TTY', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (c) => (out += c));
    const log = createLogger({ stream: stream as unknown as NodeJS.WriteStream, tty: false });
    log.info('hello');
    log.warn('careful');
    log.error('broken');
    log.command(['qemu-system-x86_64', '-append', 'console=ttyS0']);
    const s = log.step('building');
    s.succeed('built in 3 s');
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain.split('\n').filter(Boolean)).toEqual([
      'I: hello',
      'W: careful',
      'E: broken',
      'I: $ qemu-system-x86_64 -append console=ttyS0',
      'I: building',
      'I: built in 3 s',
    ]);
  });
});
