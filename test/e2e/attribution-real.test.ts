/**
 * Attribution on real kernels (issue 9 §7): Debian's linux-source-6.1 tree,
 * the real Debian 6.1 boot logs of test/fixtures/boots (no System.map), the
 * tiny no-KALLSYMS fixture with its System.map, and the tiny kernel the e2e
 * tests build. Prints the resolution rates.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIndexFromTree, loadSourceIndex } from '../../src/attribute/index-cache.js';
import { ensureDebianSource } from '../../src/build/source.js';
import { InputError } from '../../src/errors.js';
import { attributeInitcalls, type AttributionResult } from '../../src/initcall/attribute.js';
import { parseBootLog } from '../../src/initcall/parse.js';
import { parseSystemMap } from '../../src/initcall/symbols.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { createLogger } from '../../src/ui/log.js';
import { debianDistroConfig } from './helpers/parity.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

const FIX = join(process.cwd(), 'test/fixtures/boots');
const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const tree = await ensureDebianSource('6.1', { logger });
// Built once per tree into the cache (~10 s of CPU), then read back (< 1 s).
const loaded = await loadSourceIndex(tree, { logger });
const { index } = loaded;
const config61 = await debianDistroConfig('6.1', { logger });
const boot = (name: string, symbols?: ReturnType<typeof parseSystemMap>) =>
  parseBootLog(readFileSync(join(FIX, name), 'utf8'), { source: name, symbols });

function rates(label: string, r: AttributionResult): void {
  const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '-');
  process.stdout.write(
    `attribution ${label}: ${r.rates.resolved}/${r.rates.total} initcalls to a file (${pct(r.rates.resolved, r.rates.total)} %), ` +
      `${r.rates.resolvedOver1ms}/${r.rates.totalOver1ms} of those ≥ 1 ms (${pct(r.rates.resolvedOver1ms, r.rates.totalOver1ms)} %)\n`,
  );
}

// Checked by hand in the 6.1.192 tree: the registration line, and the CONFIG
// symbol of the object's Kbuild line (null: obj-y, built whenever its directory is).
const HAND_CHECKED: Array<[fn: string, file: string, line: number, symbol: string | null, level: string]> = [
  ['serial8250_init', 'drivers/tty/serial/8250/8250_core.c', 1250, 'SERIAL_8250', 'device'],
  ['cmos_init', 'drivers/rtc/rtc-cmos.c', 1568, 'RTC_DRV_CMOS', 'device'],
  ['i8042_init', 'drivers/input/serio/i8042.c', 1674, 'SERIO_I8042', 'device'],
  ['inet6_init', 'net/ipv6/af_inet6.c', 1331, 'IPV6', 'device'],
  ['init_zswap', 'mm/zswap.c', 1563, 'ZSWAP', 'late'],
  ['ksm_init', 'mm/ksm.c', 3330, 'KSM', 'subsys'],
  ['audit_init', 'kernel/audit.c', 1736, 'AUDIT', 'postcore'],
  ['thermal_init', 'drivers/thermal/thermal_core.c', 1513, 'THERMAL', 'postcore'],
  ['regulator_init', 'drivers/regulator/core.c', 6250, 'REGULATOR', 'core'],
  ['cubictcp_register', 'net/ipv4/tcp_cubic.c', 553, 'TCP_CONG_CUBIC', 'device'],
  ['crypto_kdf108_init', 'crypto/kdf_sp800108.c', 148, 'CRYPTO_KDF800108_CTR', 'device'],
  ['init_encrypted', 'security/keys/encrypted-keys/encrypted.c', 1040, 'ENCRYPTED_KEYS', 'late'],
  ['asymmetric_key_init', 'crypto/asymmetric_keys/asymmetric_type.c', 691, 'ASYMMETRIC_KEY_TYPE', 'device'],
  ['init_kprobe_trace', 'kernel/trace/trace_kprobe.c', 1973, 'KPROBE_EVENTS', 'fs'],
  ['init_blk_tracer', 'kernel/trace/blktrace.c', 1608, 'BLK_DEV_IO_TRACE', 'device'],
  ['pnpacpi_init', 'drivers/pnp/pnpacpi/core.c', 314, 'PNPACPI', 'fs'],
  ['populate_rootfs', 'init/initramfs.c', 777, 'BLK_DEV_INITRD', 'rootfs'],
  ['dmi_id_init', 'drivers/firmware/dmi-id.c', 264, 'DMIID', 'arch'],
  ['user_namespaces_init', 'kernel/user_namespace.c', 1411, 'USER_NS', 'subsys'],
  ['blkcg_init', 'block/blk-cgroup.c', 2066, 'BLK_CGROUP', 'subsys'],
  ['gpiolib_dev_init', 'drivers/gpio/gpiolib.c', 4484, 'GPIOLIB', 'core'],
  ['acpi_init', 'drivers/acpi/bus.c', 1445, 'ACPI', 'subsys'],
  ['crypto_algapi_init', 'crypto/algapi.c', 1306, 'CRYPTO_ALGAPI2', 'late'],
  ['dh_init', 'crypto/dh.c', 921, 'CRYPTO_DH', 'subsys'],
  ['init_acpi_pm_clocksource', 'drivers/clocksource/acpi_pm.c', 220, 'X86_PM_TIMER', 'fs'],
  ['load_system_certificate_list', 'certs/system_keyring.c', 209, 'SYSTEM_TRUSTED_KEYRING', 'late'],
  ['ipc_ns_init', 'ipc/shm.c', 153, 'SYSVIPC', 'pure'],
  ['chr_dev_init', 'drivers/char/mem.c', 787, null, 'fs'],
  ['default_bdi_init', 'mm/backing-dev.c', 242, null, 'subsys'],
  ['kswapd_init', 'mm/vmscan.c', 7567, null, 'device'],
];

describe('attribution on Debian linux-source-6.1', () => {
  it('the index covers the tree', () => {
    expect(index.kernelVersion).toBe(loaded.kernelVersion);
    expect(index.fileCount).toBeGreaterThan(20_000);
    expect(index.registrations.size).toBeGreaterThan(8_000);
    expect(index.kbuild.files.size).toBeGreaterThan(20_000);
    expect(index.helpers.get('module_platform_driver')).toEqual({ template: '<arg0>_init', levelId: 'module' });
  });

  it('real Debian 6.1 logs without System.map: ≥ 95 % of the initcalls taking ≥ 1 ms resolve to a file, with levels', () => {
    for (const name of ['debian-6.1-qemu-1.log', 'debian-6.1-modules.log', 'debian-6.1-smp2.log']) {
      const b = boot(name);
      const r = attributeInitcalls([b], index, { treeVersion: loaded.kernelVersion });
      rates(name, r);
      expect(r.warnings).toEqual([]);
      expect(r.rates.totalOver1ms).toBeGreaterThan(50);
      expect(r.rates.resolvedOver1ms / r.rates.totalOver1ms).toBeGreaterThanOrEqual(0.95);
      expect(r.rates.resolved / r.rates.total).toBeGreaterThanOrEqual(0.95);
      // Levels come from the registrations, not "unknown".
      const resolved = r.items.filter((a) => a.file);
      expect(resolved.filter((a) => a.level).length / resolved.length).toBeGreaterThan(0.97);
      // Unresolved rows say why, and never carry a file.
      for (const a of r.items.filter((x) => !x.file)) expect(a.unresolvedReason).toBeTruthy();
    }
  });

  it(`${HAND_CHECKED.length} hand-checked mappings: function → file:line → CONFIG symbol, level`, () => {
    const r = attributeInitcalls([boot('debian-6.1-qemu-1.log')], index);
    const got = HAND_CHECKED.map(([fn, , , symbol]) => {
      const a = r.items.find((x) => x.fn === fn);
      // The symbol must gate the file (a term of one of the ways Kbuild builds it); null: no CONFIG term at all.
      const terms = a?.file ? index.kbuild.files.get(a.file)?.alternatives.flatMap((alt) => alt.terms.map((t) => t.symbol)) : undefined;
      const gate =
        terms === undefined
          ? undefined
          : terms.length === 0
            ? null
            : symbol !== null && terms.includes(symbol)
              ? symbol
              : terms[terms.length - 1];
      return [fn, a?.file, a?.line, gate, a?.level];
    });
    expect(got).toEqual(HAND_CHECKED);
  });

  it('modules: the [module] tag picks e1000 (not e1000e), module level', () => {
    const r = attributeInitcalls([boot('debian-6.1-modules.log')], index);
    const e1000 = r.items.filter((a) => a.fn === 'e1000_init_module');
    expect(e1000.length).toBeGreaterThan(0);
    for (const a of e1000)
      expect([a.file, a.level, a.kbuildModule]).toEqual(['drivers/net/ethernet/intel/e1000/e1000_main.c', 'module', 'e1000']);
    const vpci = r.items.find((a) => a.fn === 'virtio_pci_driver_init');
    expect([vpci?.file, vpci?.macro]).toEqual(['drivers/virtio/virtio_pci_common.c', 'module_pci_driver']);
  });

  it('duplicate names (no System.map): the +0x0/0xSIZE calls of blake2s_mod_init, msr_init by the config, xenbus_init by level', () => {
    const names = ['debian-6.1-qemu-1.log', 'debian-6.1-qemu-2.log', 'debian-6.1-qemu-3.log', 'debian-6.1-smp2.log'];
    const config = parseDotConfig(readFileSync(config61, 'utf8'), config61, { strict: false });
    const r = attributeInitcalls(
      names.map((n) => boot(n)),
      index,
      { config },
    );
    expect(r.warnings).toEqual([]);
    const of = (fn: string) => r.items.filter((a) => a.fn === fn && a.boot === names[0]);
    // Two calls, 0x76 (arch/x86's glue, 23 µs) then 0x1e (lib's self-test, 4.9 ms): both files are built,
    // one each, and only link order (a System.map) can say which is which: said, not guessed.
    expect(of('blake2s_mod_init').map((a) => [a.file, a.unresolvedReason])).toEqual(
      ['0x76, 0x1e', '0x76, 0x1e'].map((s) => [
        null,
        `ambiguous: 2 calls (sizes ${s}) for 2 registrations, all built, one each (lib/crypto/blake2s.c:69, ` +
          "arch/x86/crypto/blake2s-glue.c:75); which is which needs the System.map's link order",
      ]),
    );
    // Equal sizes are still two functions (kvm.c's and vmware.c's, 0x36 each).
    expect(of('activate_jump_labels').map((a) => a.unresolvedReason?.slice(0, 46))).toEqual([
      'ambiguous: 2 calls (sizes 0x36, 0x36) for 2 re',
      'ambiguous: 2 calls (sizes 0x36, 0x36) for 2 re',
    ]);
    // Untagged, so built in: CONFIG_X86_MSR=m rules out arch/x86/kernel/msr.c.
    expect(of('msr_init').map((a) => [a.file, a.how])).toEqual([['arch/x86/events/msr.c', 'config']]);
    // 0x350 and 0x3a: two functions, two files, the same in every boot.
    for (const n of names)
      expect(r.items.filter((a) => a.fn === 'xenbus_init' && a.boot === n).map((a) => a.file)).toEqual([
        'drivers/xen/xenbus/xenbus_probe.c',
        'drivers/xen/xenbus/xenbus_dev_frontend.c',
      ]);
    rates('4 Debian 6.1 boots with their .config', r);
  });

  it('with a System.map (tiny 6.1 fixture): 100 % to a file, by the kmod names', () => {
    const map = parseSystemMap(readFileSync(join(FIX, 'tiny-6.1-nokallsyms.System.map'), 'utf8'));
    const r = attributeInitcalls([boot('tiny-6.1-nokallsyms.log', map)], index, { systemMap: map, treeVersion: loaded.kernelVersion });
    rates('tiny-6.1-nokallsyms.log + System.map', r);
    expect(r.rates.total).toBe(142);
    expect(r.rates.resolved).toBe(142);
    expect(new Set(r.items.map((a) => a.how))).toEqual(new Set(['system-map']));
    const chr = r.items.find((a) => a.fn === 'chr_dev_init');
    expect([chr?.file, chr?.line, chr?.level]).toEqual(['drivers/char/mem.c', 787, 'fs']);
  });

  it(
    'the tiny kernel the e2e tests build: every initcall pointer of its System.map resolves to a file',
    async () => {
      const tiny = await tinyKernel();
      const map = parseSystemMap(readFileSync(tiny.systemMap, 'utf8'), tiny.systemMap);
      // Every initcall the kernel has, in link order, as a log would call them.
      const log = map.initcalls.map((e) => `calling  ${e.fn}+0x0/0x10 @ 1\ninitcall ${e.fn}+0x0/0x10 returned 0 after 1 usecs`).join('\n');
      const b = parseBootLog(log + '\n', { source: 'tiny System.map' });
      const r = attributeInitcalls([b], index, { systemMap: map });
      rates('tiny e2e kernel (all System.map initcalls)', r);
      expect(r.rates.total).toBe(map.initcalls.length);
      expect(r.items.filter((a) => !a.file).map((a) => a.fn)).toEqual([]);
    },
    TINY_KERNEL_TIMEOUT_MS,
  );

  it('bad input: a 6.12 log on the 6.1 tree warns; functions of the other version stay unresolved, not guessed', () => {
    const r = attributeInitcalls([boot('debian-6.12-qemu-1.log')], index, { treeVersion: loaded.kernelVersion });
    expect(r.warnings).toEqual([
      `debian-6.12-qemu-1.log: the log is from kernel 6.12.117+deb12-amd64, the tree is ${loaded.kernelVersion}: attribution may be wrong`,
    ]);
    for (const a of r.items.filter((x) => !x.file))
      expect(a.candidates.length === 0 || a.unresolvedReason?.startsWith('ambiguous')).toBe(true);
  });

  it('bad input: a tree without Kbuild makefiles is an input error naming the tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ktrim-nomake-'));
    try {
      await writeFile(join(dir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 1\n');
      await writeFile(join(dir, 'Kconfig'), '');
      await writeFile(join(dir, 'main.c'), 'module_init(foo_init);\n');
      await expect(buildIndexFromTree(dir)).rejects.toThrow(InputError);
      await expect(loadSourceIndex(dir, { cacheDir: dir })).rejects.toThrow(/no Kbuild makefiles below the top/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
