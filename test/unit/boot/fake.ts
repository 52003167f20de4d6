// Shared set-up for the boot lab unit tests: the fake qemu script, a minimal
// "bzImage" (just the boot header magic), and initramfs deps that do not need
// the real busybox.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BootDeps } from '../../../src/boot/boot.js';
import type { InitramfsDeps } from '../../../src/boot/initramfs.js';
import { readVmHwmKb, type QemuDeps } from '../../../src/boot/qemu.js';

export const FAKE_QEMU = resolve('test/fixtures/fake-qemu/qemu-system-x86_64');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ktrim-boot-test-'));
}

/** 1 KiB with `HdrS` at 0x202, as the x86 boot protocol puts it. */
export function fakeBzImage(dir: string): string {
  const buf = Buffer.alloc(1024);
  buf.write('HdrS', 0x202, 'latin1');
  const path = join(dir, 'bzImage');
  writeFileSync(path, buf);
  return path;
}

export function fakeInitramfsDeps(dir: string): InitramfsDeps {
  const busyboxPath = join(dir, 'busybox');
  writeFileSync(busyboxPath, '#!/bin/sh\necho fake busybox\n');
  return { busyboxPath, listApplets: async () => ['bin/sh', 'sbin/reboot', 'usr/bin/free'] };
}

export function fakeQemuDeps(overrides: Partial<QemuDeps> = {}): QemuDeps {
  return { qemuBinary: FAKE_QEMU, kvmUsable: () => false, readPeakRssKb: readVmHwmKb, rssSampleMs: 10, ...overrides };
}

export function fakeBootDeps(dir: string, overrides: Partial<QemuDeps> = {}): BootDeps {
  return { qemu: fakeQemuDeps(overrides), initramfs: fakeInitramfsDeps(dir), cacheDir: join(dir, 'cache') };
}
