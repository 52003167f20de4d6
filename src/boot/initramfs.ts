/**
 * The boot lab's initramfs: Debian's static busybox plus an /init that
 * prints unambiguous markers the qemu runner waits for. Built as a cpio newc
 * archive, gzip'd, and cached by the hash of its content.
 *
 * What /init does, in order:
 *   mount proc, sysfs, devtmpfs
 *   KTRIM-MARKER start uptime=S tsc=N (the guest reached userspace; N is the
 *     TSC from /bin/ktrim-tsc: virtual ns since machine start under -icount)
 *   insmod extra modules; run the optional test script between
 *   KTRIM-TEST-BEGIN / KTRIM-TEST-END rc=N (the script must print PASS)
 *   KTRIM-MARKER end uptime=S         (the measured window ends here)
 *   `free -m` between KTRIM-FREE-BEGIN / KTRIM-FREE-END
 *   `dmesg` between KTRIM-DMESG-BEGIN / KTRIM-DMESG-END, when the kernel
 *     command line has ktrim.dmesg=1 (outside the measured window, so a slow
 *     UART does not inflate the figures)
 *   KTRIM-DONE, then `reboot -f` (qemu runs with -no-reboot; `poweroff -f`
 *     halts forever on kernels without ACPI). The runner kills qemu at
 *     KTRIM-DONE anyway.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cacheRoot } from '../cache.js';
import { InputError } from '../errors.js';
import { startChild } from '../process.js';
import { writeCpio, type CpioEntry } from './cpio.js';
import { TSC_PROBE_PATH, tscProbeElf } from './tsc-probe.js';

export const MARKERS = {
  start: 'KTRIM-MARKER start',
  end: 'KTRIM-MARKER end',
  testBegin: 'KTRIM-TEST-BEGIN',
  testEnd: 'KTRIM-TEST-END',
  freeBegin: 'KTRIM-FREE-BEGIN',
  freeEnd: 'KTRIM-FREE-END',
  dmesgBegin: 'KTRIM-DMESG-BEGIN',
  dmesgEnd: 'KTRIM-DMESG-END',
  done: 'KTRIM-DONE',
  /** Followed by dmesg's `Run /init as init process` line: the guest metric without a full dump. */
  runInit: 'KTRIM-RUNINIT',
} as const;

/** Kernel command-line flag that makes /init dump dmesg after the end marker. */
export const DMESG_FLAG = 'ktrim.dmesg=1';

export interface InitramfsOptions {
  /** Shell script run by /init after the start marker; it must print PASS. */
  testScript?: string;
  /** Extra files: path inside the image → host file. */
  extraFiles?: Record<string, string>;
  /** Kernel modules (.ko) copied to /lib/modules/ktrim and insmod'ed in this order. */
  modules?: string[];
  /** Where cached images go (default $KTRIM_CACHE/initramfs). */
  cacheDir?: string;
}

export interface InitramfsDeps {
  /** Static busybox (Debian's busybox-static: /bin/busybox). */
  busyboxPath: string;
  /** Applet paths relative to /, as `busybox --list-full` prints them. */
  listApplets(busybox: string): Promise<string[]>;
}

export interface Initramfs {
  path: string;
  /** sha256 of the archive content (before compression). */
  hash: string;
  cached: boolean;
}

/** /init as a busybox sh script. Pure; exported for tests. */
export function initScript(opts: { hasTest: boolean; modules: string[] }): string {
  const lines = [
    '#!/bin/sh',
    '# ktrim boot lab /init: markers for the qemu runner; see src/boot/initramfs.ts',
    'export PATH=/bin:/sbin:/usr/bin:/usr/sbin',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev 2>/dev/null',
    'read up idle < /proc/uptime',
    `echo "${MARKERS.start} uptime=$up tsc=$(/${TSC_PROBE_PATH} 2>/dev/null)"`,
  ];
  for (const m of opts.modules) lines.push(`insmod /lib/modules/ktrim/${m} || echo "KTRIM-INSMOD-FAILED ${m}"`);
  if (opts.hasTest) {
    lines.push(`echo ${MARKERS.testBegin}`, '/bin/sh /ktrim-test.sh', `echo "${MARKERS.testEnd} rc=$?"`);
  }
  lines.push(
    'read up idle < /proc/uptime',
    `echo "${MARKERS.end} uptime=$up"`,
    // One line, before anything long: a dmesg dump cut short (reboot under -icount) must not take the guest metric with it.
    `echo "${MARKERS.runInit} $(dmesg | grep -m1 ' as init process')"`,
    `echo ${MARKERS.freeBegin}`,
    'free -m',
    `echo ${MARKERS.freeEnd}`,
    'case " $(cat /proc/cmdline) " in',
    `  *" ${DMESG_FLAG} "*) echo ${MARKERS.dmesgBegin}; dmesg; echo ${MARKERS.dmesgEnd} ;;`,
    'esac',
    // reboot -f does not wait for the tty: the UART was still sending the dmesg dump when the guest
    // restarted, cutting it short (under -icount, or when the host reads the console slowly). stty
    // sets its modes with TCSETSW, which returns only once the tty has handed all output to the UART;
    // a guest-clock wait cannot do that (under -icount, sleep=off, guest sleeps take no host time).
    'stty echo 2>/dev/null',
    `echo ${MARKERS.done}`,
    'stty echo 2>/dev/null',
    'reboot -f',
    // reboot -f returns only if it failed; never let init exit (that panics).
    'while :; do sleep 3600; done',
    '',
  );
  return lines.join('\n');
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new InputError(`cannot read ${what}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`, path);
  }
}

/** The archive's entries: pure given file contents; exported for tests. */
export function initramfsEntries(input: {
  busybox: Buffer;
  applets: string[];
  init: string;
  testScript?: Buffer;
  extraFiles?: { path: string; data: Buffer }[];
  modules?: { name: string; data: Buffer }[];
}): CpioEntry[] {
  const dirs = new Set(['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'etc', 'root']);
  const entries: CpioEntry[] = [];
  const addDirsFor = (p: string) => {
    const parts = p.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  };
  for (const f of input.extraFiles ?? []) addDirsFor(f.path.replace(/^\/+/, ''));
  if (input.modules?.length) addDirsFor('lib/modules/ktrim/x');
  for (const d of [...dirs].sort()) entries.push({ type: 'dir', path: d });
  // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
  entries.push({ type: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  entries.push({ type: 'file', path: 'bin/busybox', data: input.busybox, mode: 0o755 });
  for (const a of [...new Set(input.applets)].sort()) {
    if (a === 'bin/busybox' || a.includes('..')) continue;
    const depth = a.split('/').length - 1;
    addDirsFor(a);
    entries.push({ type: 'symlink', path: a, target: '../'.repeat(depth) + 'bin/busybox' });
  }
  entries.push({ type: 'file', path: 'init', data: Buffer.from(input.init), mode: 0o755 });
  entries.push({ type: 'file', path: TSC_PROBE_PATH, data: tscProbeElf(), mode: 0o755 });
  if (input.testScript) entries.push({ type: 'file', path: 'ktrim-test.sh', data: input.testScript, mode: 0o755 });
  for (const f of input.extraFiles ?? []) entries.push({ type: 'file', path: f.path, data: f.data, mode: 0o755 });
  for (const m of input.modules ?? []) entries.push({ type: 'file', path: `lib/modules/ktrim/${m.name}`, data: m.data });
  // Directories implied by applets must come before them.
  const known = new Set(entries.filter((e) => e.type === 'dir').map((e) => e.path));
  const missing = [...dirs].filter((d) => !known.has(d)).sort();
  return [...missing.map((d): CpioEntry => ({ type: 'dir', path: d })), ...entries];
}

/** Build (or reuse from the cache) the boot lab initramfs. */
export async function buildInitramfs(opts: InitramfsOptions = {}, deps: InitramfsDeps = defaultInitramfsDeps()): Promise<Initramfs> {
  if (!existsSync(deps.busyboxPath)) {
    throw new InputError(`static busybox not found: install Debian's busybox-static (run \`make debs\`)`, deps.busyboxPath);
  }
  const busybox = await readInput(deps.busyboxPath, 'busybox');
  const applets = await deps.listApplets(deps.busyboxPath);
  const modules = await Promise.all(
    (opts.modules ?? []).map(async (p) => ({ name: basename(p), data: await readInput(p, 'kernel module') })),
  );
  const extraFiles = await Promise.all(
    Object.entries(opts.extraFiles ?? {}).map(async ([path, host]) => ({
      path: path.replace(/^\/+/, ''),
      data: await readInput(host, 'extra file'),
    })),
  );
  const testScript = opts.testScript ? await readInput(opts.testScript, 'test script') : undefined;
  const init = initScript({ hasTest: Boolean(testScript), modules: modules.map((m) => m.name) });
  const archive = writeCpio(initramfsEntries({ busybox, applets, init, testScript, extraFiles, modules }));
  const hash = createHash('sha256').update(archive).digest('hex');
  const dir = opts.cacheDir ?? join(cacheRoot(), 'initramfs');
  const path = join(dir, `ktrim-${hash.slice(0, 16)}.cpio.gz`);
  if (existsSync(path)) return { path, hash, cached: true };
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, gzipSync(archive, { level: 6 }));
  await rename(tmp, path); // atomic: concurrent builders write identical bytes
  return { path, hash, cached: false };
}

/** Ask busybox for its applets (`busybox --list-full`). */
export async function listBusyboxApplets(busybox: string): Promise<string[]> {
  const out: string[] = [];
  const child = startChild([busybox, '--list-full'], { onLine: (l) => l.stream === 'stdout' && l.text && out.push(l.text) });
  child.stdin?.end();
  const r = await child.done;
  if (r.exitCode !== 0) throw new InputError(`\`${busybox} --list-full\` failed (exit ${r.exitCode ?? r.signal})`, busybox);
  return out;
}

export function defaultInitramfsDeps(): InitramfsDeps {
  return { busyboxPath: '/bin/busybox', listApplets: listBusyboxApplets };
}
