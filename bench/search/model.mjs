// A model of a kernel built from real data, for comparing config searches
// without make or qemu (issue 10 §5):
//   - the config space: Debian's linux-source-6.1 Kconfig tree through ktrim's
//     engine (loadKernelKconfig, olddefconfigFrom: the same olddefconfig `make`
//     runs), starting from Debian's own 6.1 distro config;
//   - the costs: the three captured Debian 6.1 boots (test/fixtures/boots/),
//     each initcall's median duration, attributed to its source file and that
//     file's Kbuild condition by ktrim's attribution (what `propose` uses);
//   - "build and boot" simulated: a config's boot time (to /init) =
//     fixed cost + the initcalls whose object is still built in (kbuildState
//     'y' under the config) + seeded noise of the chosen metric; a config with
//     a boot-essential symbol off does not boot.
// Imports the built code (dist/): run `npx tsc -p tsconfig.build.json` first.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianSource } from '../../dist/build/source.js';
import { cacheRoot } from '../../dist/cache.js';
import { rankBoots } from '../../dist/initcall/rank.js';
import { LAB_NEEDS, triValue } from '../../dist/kconfig/gate.js';
import { kbuildState } from '../../dist/kconfig/kbuild.js';
import { olddefconfigFrom } from '../../dist/kconfig/incremental.js';
import { writeConfig } from '../../dist/kconfig/write.js';
import { parseDotConfig } from '../../dist/kconfig/dotconfig.js';
import { attributionByKey } from '../../dist/propose/propose.js';
import { loadProposeInputs } from '../../dist/propose/run.js';

export const LOGS = [1, 2, 3].map((i) => join('test/fixtures/boots', `debian-6.1-qemu-${i}.log`));

/**
 * Boot-to-boot noise of each metric (relative sd of the value) and the host
 * seconds one boot costs, as bench/metric.bench.mjs measured them on Debian's
 * generic 6.1 kernel (bench/RESULTS.md "metric.bench.mjs", 2026-12-01, TCG,
 * load 15–25): host 9.34 %, 36.2 s; guest 22.54 %, 38.7 s; icount 0.01 %
 * (1725.44–1725.73 ms: nearly deterministic; minimize decides on one boot),
 * 64.2 s. Idle figures are lower for host/guest (issue 10: ≈ 4.5 % and 4 %).
 */
export const METRIC_NOISE = {
  host: { relSd: 0.0934, deterministic: false, hostSecondsPerBoot: 36.2 },
  guest: { relSd: 0.2254, deterministic: false, hostSecondsPerBoot: 38.7 },
  icount: { relSd: 0.0001, deterministic: true, hostSecondsPerBoot: 64.2 },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** mulberry32: a small seeded PRNG, so every run of the bench draws the same noise. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { next, normal };
}

function distroConfigPath() {
  const dir = join(cacheRoot(), 'kconfig-parity', 'debian');
  const name = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('config-6.1-')) : undefined;
  if (!name) throw new Error(`no Debian 6.1 config in ${dir}: run the kconfig parity e2e test once (it downloads it)`);
  return join(dir, name);
}

/** Load the model: ~10 s (Kconfig tree, source index from its cache, attribution). */
export async function loadKernelModel({ logger } = {}) {
  const source = await ensureDebianSource('6.1', { logger });
  const configPath = distroConfigPath();
  const inputs = await loadProposeInputs({ source, config: configPath, logs: LOGS, arch: 'x86_64', logger });
  const { tree, boots, gate } = inputs;
  const report = rankBoots(boots);
  const attr = attributionByKey(boots, inputs.attribution.items);
  const initcalls = [];
  for (const r of report.initcalls) {
    if (!r.stats || r.async) continue;
    const file = attr.get(r.key)?.file ?? null;
    const obj = file ? (inputs.index.kbuild.files.get(file) ?? null) : null;
    initcalls.push({ key: r.key, fn: r.fn, file, obj, ms: r.stats.median / 1000 });
  }
  const initcallMs = initcalls.reduce((s, i) => s + i.ms, 0);
  // Everything up to /init that is not an initcall (firmware excluded: kernel clock).
  const toInitMs = median(boots.map((b) => b.landmarks.runInitUs / 1000));
  const fixedMs = toInitMs - initcallMs;
  const startState = gate.state;
  const on = (state, name) => triValue(state, tree, name) !== 'n';
  // What the boot lab needs (LAB_NEEDS: configs/tiny-serial.config's symbols, the one list
  // `minimize` keeps by default), those the start config has on.
  const essential = LAB_NEEDS.filter((n) => tree.byName.has(n) && on(startState, n));

  /** Noise-free outcome of booting the kernel a state builds. */
  function evaluate(state) {
    const missing = essential.filter((n) => !on(state, n));
    const value = (name) => triValue(state, tree, name);
    let ms = fixedMs;
    let active = 0;
    for (const ic of initcalls) {
      if (ic.obj && kbuildState(ic.obj, value).state !== 'y') continue;
      ms += ic.ms;
      active++;
    }
    return { boots: missing.length === 0, missing, timeMs: ms, activeInitcalls: active };
  }

  return {
    source,
    configPath,
    tree,
    startState,
    startText: writeConfig(startState),
    boots,
    attribution: inputs.attribution,
    index: inputs.index,
    gate,
    initcalls,
    initcallMs,
    toInitMs,
    fixedMs,
    essential,
    evaluate,
    /** olddefconfig of a full .config text, from the start state (what `make olddefconfig` gives). */
    stateOfText(text) {
      return olddefconfigFrom(startState, parseDotConfig(text, 'trial.config', { strict: false }));
    },
    on,
  };
}

/**
 * A simulated boot lab over the model: build() runs olddefconfig, boot()
 * draws one boot's metric value. Counts builds and boots. Shaped like
 * src/lab/lab.ts's Lab so the real search runs on it unchanged.
 */
export function simulatedLab(model, { metric = 'guest', seed = 1 } = {}) {
  const noise = METRIC_NOISE[metric];
  const r = rng(seed);
  const kernels = new Map();
  const counts = { builds: 0, boots: 0, failedBuilds: 0, failedBoots: 0, buildCacheHits: 0 };
  const built = new Set();
  return {
    counts,
    async build(configText) {
      const state = model.stateOfText(configText);
      const text = writeConfig(state);
      const id = `sim-${kernels.size}`;
      if (built.has(text)) counts.buildCacheHits++;
      else {
        built.add(text);
        counts.builds++;
      }
      kernels.set(id, { state, text, truth: model.evaluate(state) });
      const build = {
        bzImage: id,
        systemMap: '',
        config: '',
        buildLog: '',
        buildDir: '',
        objDir: '',
        sourceId: 'sim',
        configKey: id,
        seconds: 0,
        buildSeconds: 0,
        imageBytes: 0,
        cacheHit: false,
        drift: [],
        driftText: '',
        commands: [],
      };
      return { ok: true, build, configText: text };
    },
    async boot(kernel) {
      const k = kernels.get(kernel);
      if (!k) throw new Error(`simulated lab: unknown kernel ${kernel}`);
      counts.boots++;
      if (!k.truth.boots) {
        counts.failedBoots++;
        return { ok: false, kind: 'boot-failed', ending: 'panic', detail: `Kernel panic - not syncing: no ${k.truth.missing.join(', ')}` };
      }
      const valueMs = k.truth.timeMs * (1 + noise.relSd * r.normal());
      const boot = {
        ending: 'marker',
        endingDetail: 'end marker reached',
        runs: [],
        guest: { initUptimeUs: valueMs * 1000 },
        host: { initMs: valueMs },
      };
      return { ok: true, boot, valueMs };
    },
  };
}
