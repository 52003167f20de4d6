// The boot lab initramfs: archive checked with GNU cpio (an independent
// reader), /init checked with busybox sh -n, caching by content hash.
import { describe, it, expect } from '@jest/globals';
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeCpio } from '../../../src/boot/cpio.js';
import { buildInitramfs, initScript, MARKERS } from '../../../src/boot/initramfs.js';
import { fakeInitramfsDeps, tempDir } from './fake.js';

async function cpio(args: string[], archive: Buffer): Promise<string> {
  const r = await execa('cpio', ['--quiet', ...args], { input: archive, encoding: 'utf8' });
  return r.stdout;
}

describe('writeCpio', () => {
  it('writes newc that GNU cpio lists with the right types, modes, targets and devices', async () => {
    const archive = writeCpio([
      { type: 'dir', path: 'bin' },
      { type: 'file', path: '/bin/hello', data: Buffer.from('hi\n'), mode: 0o755 },
      { type: 'symlink', path: 'bin/sh', target: 'hello' },
      { type: 'chardev', path: 'console', major: 5, minor: 1 },
    ]);
    expect(archive.length % 4).toBe(0);
    const listing = (await cpio(['-itv'], archive)).split('\n').map((l) => l.replace(/\s+/g, ' '));
    expect(listing[0]).toMatch(/^drwxr-xr-x 2 root root 0 .* bin$/);
    expect(listing[1]).toMatch(/^-rwxr-xr-x 1 root root 3 .* bin\/hello$/);
    expect(listing[2]).toMatch(/^lrwxrwxrwx 1 root root 5 .* bin\/sh -> hello$/);
    expect(listing[3]).toMatch(/^crw------- 1 root root 5, 1 .* console$/);
    expect(await cpio(['-i', '--to-stdout', 'bin/hello'], archive)).toBe('hi');
  });
});

describe('initScript', () => {
  it('is valid busybox sh and prints the markers in order', async () => {
    const text = initScript({ hasTest: true, modules: ['virtio_blk.ko'] });
    const r = await execa('/bin/busybox', ['sh', '-n', '-c', text], { reject: false });
    expect(r.exitCode).toBe(0);
    const order = [
      MARKERS.start,
      'insmod /lib/modules/ktrim/virtio_blk.ko',
      MARKERS.testBegin,
      MARKERS.testEnd,
      MARKERS.end,
      MARKERS.runInit,
      MARKERS.freeBegin,
      'free -m',
      MARKERS.dmesgBegin,
      MARKERS.done,
      'reboot -f',
    ];
    const at = order.map((m) => text.indexOf(m));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).not.toContain('poweroff');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
  });
});

describe('buildInitramfs', () => {
  it('packs busybox, applet links, /init, /dev/console and the test script; caches by content', async () => {
    const dir = tempDir();
    const deps = fakeInitramfsDeps(dir);
    const script = join(dir, 'test.sh');
    writeFileSync(script, 'echo PASS\n');
    const extra = join(dir, 'data.txt');
    writeFileSync(extra, 'payload');
    const cacheDir = join(dir, 'cache');
    const a = await buildInitramfs({ testScript: script, extraFiles: { '/etc/data.txt': extra }, cacheDir }, deps);
    expect(a.cached).toBe(false);
    expect(a.path).toBe(join(cacheDir, `ktrim-${a.hash.slice(0, 16)}.cpio.gz`));
    const archive = gunzipSync(readFileSync(a.path));
    const names = (await cpio(['-it'], archive)).split('\n');
    expect(names).toEqual(
      expect.arrayContaining([
        'init',
        'bin/busybox',
        'bin/sh',
        'sbin/reboot',
        'usr/bin/free',
        'dev/console',
        'ktrim-test.sh',
        'etc/data.txt',
        'proc',
        'sys',
      ]),
    );
    const long = (await cpio(['-itv'], archive)).split('\n');
    expect(long.find((l) => / usr\/bin\/free -> /.test(l))).toMatch(/usr\/bin\/free -> \.\.\/\.\.\/bin\/busybox$/);
    expect(await cpio(['-i', '--to-stdout', 'ktrim-test.sh'], archive)).toBe('echo PASS');
    expect(await cpio(['-i', '--to-stdout', 'init'], archive)).toContain('/bin/sh /ktrim-test.sh');

    const again = await buildInitramfs({ testScript: script, extraFiles: { '/etc/data.txt': extra }, cacheDir }, deps);
    expect(again).toEqual({ ...a, cached: true });
    writeFileSync(script, 'echo PASS; true\n');
    const changed = await buildInitramfs({ testScript: script, extraFiles: { '/etc/data.txt': extra }, cacheDir }, deps);
    expect(changed.hash).not.toBe(a.hash);
  });

  it('adds kernel modules under /lib/modules/ktrim and loads them from /init', async () => {
    const dir = tempDir();
    const ko = join(dir, 'dummy.ko');
    writeFileSync(ko, 'ELF-ish');
    const r = await buildInitramfs({ modules: [ko], cacheDir: join(dir, 'cache') }, fakeInitramfsDeps(dir));
    const archive = gunzipSync(readFileSync(r.path));
    expect(await cpio(['-i', '--to-stdout', 'lib/modules/ktrim/dummy.ko'], archive)).toBe('ELF-ish');
    expect(await cpio(['-i', '--to-stdout', 'init'], archive)).toContain(
      'insmod /lib/modules/ktrim/dummy.ko || echo "KTRIM-INSMOD-FAILED dummy.ko"',
    );
  });

  it('names the missing file in one line', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nope.sh');
    await expect(buildInitramfs({ testScript: missing, cacheDir: dir }, fakeInitramfsDeps(dir))).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(new RegExp(`^${missing}: cannot read test script: no such file or directory`)),
    });
    await expect(
      buildInitramfs({ cacheDir: dir }, { busyboxPath: join(dir, 'no-busybox'), listApplets: async () => [] }),
    ).rejects.toMatchObject({
      message: `${join(dir, 'no-busybox')}: static busybox not found: install Debian's busybox-static (run \`make debs\`)`,
    });
  });
});
