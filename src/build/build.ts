/**
 * buildKernel(): a kernel built out of tree (O=) under the cache, one build
 * directory per (source, config) key:
 *
 *   $KTRIM_CACHE/builds/<source-id>/<config-key>/
 *     kconfig/      O= dir where the base + fragment become a .config (olddefconfig)
 *     obj/          O= dir of the build proper
 *     build.log     every make step's output, verbatim
 *     result.json   written atomically last: its presence means "complete"
 *
 * A cache hit reads result.json and runs no make. A miss copies the nearest
 * complete build of the same source (fewest differing symbols, `cp -a` so
 * mtimes survive) and lets Kbuild rebuild only what the changed symbols
 * touch. A killed build leaves no result.json; the next run resumes in obj/.
 * proper-lockfile keeps two ktrims out of the same build directory.
 */
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { machine } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { cacheRoot } from '../cache.js';
import { BuildError, InputError } from '../errors.js';
import { interruption, startChild } from '../process.js';
import { parseDotConfig, type DotConfig } from '../kconfig/dotconfig.js';
import { formatDiffconfig } from '../kconfig/diffconfig.js';
import { resolveMakeArch } from './arch.js';
import { configDistance, configDrift, configKey, mergeOnBase, readConfigRequest } from './config-request.js';
import { bareCompiler, compilerErrors, compilerSetup, formatMakeCommand, makeArgv, onPath, srcArch } from './make.js';
import { sourceIdentity } from './source-id.js';
import { BASE_TARGETS, type BuildDeps, type BuildRequest, type BuildResult, type MakeRun } from './types.js';

const RESULT = 'result.json';
const RESULT_VERSION = 1;

interface StoredResult extends Omit<BuildResult, 'seconds' | 'cacheHit' | 'makeCommands'> {
  version: number;
  builtAt: string;
  makeCommands: string[];
}

/** Where builds of this source live. */
export function buildsRoot(cacheDir: string, sourceId: string): string {
  return join(cacheDir, 'builds', sourceId);
}

async function readStored(buildDir: string): Promise<StoredResult | undefined> {
  try {
    const r = JSON.parse(await readFile(join(buildDir, RESULT), 'utf8')) as StoredResult;
    if (r.version !== RESULT_VERSION || !existsSync(r.bzImage)) return undefined;
    return r;
  } catch {
    return undefined;
  }
}

function fromStored(r: StoredResult, t0: number): BuildResult {
  const { version: _v, builtAt: _b, ...rest } = r;
  return {
    ...rest,
    reusedFrom: undefined,
    reusedDistance: undefined,
    cacheHit: true,
    makeCommands: [],
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Complete builds of a source (those with a result.json), other than `except`. */
async function completeBuilds(root: string, except: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  return names
    .map((n) => join(root, n))
    .filter((d) => d !== except && existsSync(join(d, RESULT)) && existsSync(join(d, 'obj', '.config')));
}

/** What must match for a build's objects to be worth reusing: another compiler or arch recompiles every file. */
export interface Toolchain {
  arch: string;
  /** Without ccache/distcc wrappers (bareCompiler). */
  compiler: string;
  makeVars: readonly string[];
}

/**
 * The complete build whose .config is closest to `config`, among those made
 * with the same arch and compiler (LLVM= and CROSS_COMPILE= included): make's
 * .cmd files would rebuild all of a foreign one (a `--cc` wrapper's build as
 * donor cost a full 19-minute rebuild). Equal make variables come first, then
 * the fewest differing symbols; a result written before make variables were
 * stored had none.
 */
export async function nearestBuild(
  root: string,
  except: string,
  config: DotConfig,
  toolchain: Toolchain,
): Promise<{ dir: string; distance: number } | undefined> {
  let best: { dir: string; distance: number; varsDiffer: boolean } | undefined;
  const key = (vars: readonly string[]) => JSON.stringify([...vars].sort());
  const compilerVars = (vars: readonly string[]) => key(vars.filter((v) => /^(LLVM|CROSS_COMPILE)=/.test(v)));
  for (const dir of await completeBuilds(root, except)) {
    let stored: Pick<StoredResult, 'arch' | 'cc' | 'makeVars'>;
    try {
      stored = JSON.parse(await readFile(join(dir, RESULT), 'utf8')) as StoredResult;
    } catch {
      continue;
    }
    const vars = stored.makeVars ?? [];
    if (stored.arch !== toolchain.arch || bareCompiler(stored.cc ?? 'gcc') !== toolchain.compiler) continue;
    if (compilerVars(vars) !== compilerVars(toolchain.makeVars)) continue;
    const varsDiffer = key(vars) !== key(toolchain.makeVars);
    const other = parseDotConfig(await readFile(join(dir, 'obj', '.config'), 'utf8'), join(dir, 'obj', '.config'), { strict: false });
    const distance = configDistance(config, other);
    const better = !best || (varsDiffer !== best.varsDiffer ? !varsDiffer : distance < best.distance);
    if (better) best = { dir, distance, varsDiffer };
  }
  return best && { dir: best.dir, distance: best.distance };
}

async function run(argv: string[], what: string, onLine?: (text: string) => void): Promise<void> {
  const child = startChild(argv, { onLine: onLine && ((l) => l.stream === 'stdout' && onLine(l.text)) });
  const res = await child.done;
  if (res.exitCode !== 0 && !(argv[0] === 'grep' && res.exitCode === 1)) {
    throw new BuildError(`${what} failed: ${argv.join(' ')} (exit ${res.exitCode ?? res.signal})`);
  }
}

/**
 * Copy a build directory with `cp -a` (nanosecond mtimes kept, so make sees
 * only the real changes) into `tmp`, to be renamed to `finalDir`. Kbuild's
 * own .cmd files name objtree paths relatively, but tools/ (objtool) records
 * absolute output paths: rewrite those in the copied .cmd/.d files, or
 * objtool is rebuilt and, as every object depends on it, the whole kernel.
 */
export async function copyBuildDir(from: string, tmp: string, finalDir: string): Promise<void> {
  await run(['cp', '-a', from, tmp], 'copying the nearest build');
  const stale: string[] = [];
  await run(['grep', '-rlF', '--include=*.cmd', '--include=*.d', from, tmp], 'scanning the copied build', (l) => stale.push(l));
  for (const f of stale) {
    const text = await readFile(f, 'utf8');
    await writeFile(f, text.split(from).join(finalDir));
  }
}

/** Resolve a relative path the user gave against the current directory, for messages and make. */
const abs = (p: string) => resolve(p);

export async function buildKernel(req: BuildRequest, deps: BuildDeps): Promise<BuildResult> {
  const t0 = performance.now();
  const log = deps.logger;
  const env = deps.env ?? process.env;
  const cacheDir = deps.cacheDir ?? cacheRoot(env);
  const hasTool = deps.hasTool ?? ((n: string) => onPath(n, env));

  const source = await sourceIdentity(abs(req.source));
  for (const dirty of ['.config', 'include/config']) {
    if (existsSync(join(source.path, dirty))) {
      throw new InputError(
        `source tree is not clean (${dirty} exists); ktrim builds with O= and never modifies the tree: run 'make mrproper' there yourself`,
        source.path,
      );
    }
  }
  const request = readConfigRequest(
    abs(req.config),
    req.base === undefined || (BASE_TARGETS as readonly string[]).includes(req.base) ? req.base : abs(req.base),
  );
  // ARCH as plain make would set it (--arch, then $ARCH, then SUBARCH); passed to make explicitly.
  const arch = resolveMakeArch({ arch: req.arch, makeVars: req.makeVars, env, machine: deps.machine ?? machine() }).ARCH;
  const target = req.target ?? (srcArch(arch) === 'x86' ? 'bzImage' : 'Image');
  const makeVars = req.makeVars ?? [];
  for (const v of makeVars) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) throw new InputError(`--make-var ${JSON.stringify(v)}: expected NAME=VALUE`);
  }
  const setup = compilerSetup({
    cc: req.cc,
    jobs: req.jobs,
    ccache: req.ccache,
    llvm: makeVars.some((v) => /^LLVM=/.test(v)),
    crossCompile: makeVars.find((v) => v.startsWith('CROSS_COMPILE='))?.slice('CROSS_COMPILE='.length),
    cacheDir,
    env,
    hasTool,
  });
  const toolchain: Toolchain = { arch, compiler: bareCompiler(setup.cc ?? 'gcc'), makeVars: [...makeVars].sort() };
  const key = configKey(request, { arch, target, compiler: toolchain.compiler, makeVars });
  const root = buildsRoot(cacheDir, source.id);
  const buildDir = join(root, key);
  log.debug(`source ${source.path} (${source.kind}) id ${source.id}; config key ${key}`);

  const hit = await readStored(buildDir);
  if (hit) {
    log.info(`cache hit: ${buildDir}`);
    return fromStored(hit, t0);
  }

  await mkdir(buildDir, { recursive: true });
  const release = await lockfile.lock(buildDir, {
    lockfilePath: join(buildDir, '.lock'),
    stale: 60_000,
    retries: { retries: 24 * 3600, minTimeout: 1000, maxTimeout: 1000 },
  });
  try {
    const again = await readStored(buildDir); // another ktrim finished it while we waited
    if (again) {
      log.info(`cache hit (built meanwhile): ${buildDir}`);
      return fromStored(again, t0);
    }
    return await buildLocked();
  } finally {
    await release();
  }

  async function buildLocked(): Promise<BuildResult> {
    const buildLog = join(buildDir, 'build.log');
    const rawLog = createWriteStream(buildLog, { flags: 'w' });
    const makeCommands: string[] = [];
    const errorLines: string[] = [];
    const tail: string[] = [];
    const runMake = async (objDir: string, targets: string[], what: string): Promise<void> => {
      const run: MakeRun = {
        argv: makeArgv({ source: source.path, objDir, arch, jobs: setup.jobs, cc: setup.cc, makeVars, targets }),
        env: setup.env,
        rawLog,
        onLine: (l) => {
          // startChild hands lines over as latin1; gcc writes UTF-8 (its ‘quotes’).
          const text = /[\x80-\xff]/.test(l.text) ? Buffer.from(l.text, 'latin1').toString('utf8') : l.text;
          if (/error|Error \d/.test(text)) errorLines.push(text);
          tail.push(text);
          if (tail.length > 15) tail.shift();
        },
      };
      const cmd = formatMakeCommand(run);
      makeCommands.push(cmd);
      log.command(run.argv, Object.keys(run.env).length ? run.env : undefined);
      rawLog.write(`$ ${cmd}\n`);
      errorLines.length = 0;
      tail.length = 0;
      const ts = performance.now();
      const step = log.step(`${what} ...`);
      let lastUpdate = 0;
      const onLine = run.onLine!;
      run.onLine = (l) => {
        onLine(l);
        if (l.hostMs - lastUpdate > 200 && /^\s+[A-Z]+\s/.test(l.text)) {
          lastUpdate = l.hostMs;
          step.update(`${what}: ${l.text.trim()}`);
        }
      };
      const out = await deps.make.run(run);
      const took = ((performance.now() - ts) / 1000).toFixed(1);
      if (out.exitCode === 0) step.succeed(`${what}: ${took} s`);
      // make stopped by our own Ctrl-C is no build failure: the one E: line is the interruption's.
      else if (interruption()) step.succeed(`${what}: stopped after ${took} s (${interruption()!.message})`);
      else step.fail(`${what}: make exit ${out.exitCode ?? out.signal} after ${took} s`);
      if (out.exitCode !== 0) {
        const errs = compilerErrors(errorLines);
        const detail = errs.length ? errs.map((e) => e.text) : tail.slice(-8);
        throw new BuildError(
          `${what} failed (make exit ${out.exitCode ?? out.signal}); ${errs.length ? 'first errors' : 'last lines'}:\n` +
            detail.map((l) => `  ${l}`).join('\n') +
            `\nfull log: ${buildLog}`,
        );
      }
    };

    try {
      // Half-made copies left by a killed ktrim (we hold the lock: nobody else is writing them).
      for (const n of await readdir(buildDir)) {
        if (/^(obj|kconfig)\.tmp-\d+$/.test(n)) await rm(join(buildDir, n), { recursive: true, force: true });
      }
      for (const n of setup.notes) log.info(n);
      // 1. The .config: base + fragment (or the full file), then olddefconfig.
      const kconfigDir = join(buildDir, 'kconfig');
      if (!existsSync(kconfigDir)) {
        // Kconfig's own tools (scripts/kconfig/conf) take ~10 s to build: copy them from a previous build.
        const donor = (await completeBuilds(root, buildDir)).find((d) => existsSync(join(d, 'kconfig', 'scripts', 'kconfig', 'conf')));
        const tmp = join(buildDir, `kconfig.tmp-${process.pid}`);
        await rm(tmp, { recursive: true, force: true });
        if (donor) await copyBuildDir(join(donor, 'kconfig'), tmp, kconfigDir);
        else await mkdir(tmp);
        await rename(tmp, kconfigDir);
      }
      const dotconfig = join(kconfigDir, '.config');
      if (request.base === undefined) {
        await copyFile(request.file, dotconfig);
      } else if ('target' in request.base) {
        await runMake(kconfigDir, [request.base.target], `make ${request.base.target}`);
        const base = parseDotConfig(await readFile(dotconfig, 'utf8'), dotconfig, { strict: false });
        await writeFile(dotconfig, mergeOnBase(base, request.requested));
      } else {
        await writeFile(dotconfig, mergeOnBase(request.base.config, request.requested));
      }
      await runMake(kconfigDir, ['olddefconfig'], 'make olddefconfig');
      const finalText = await readFile(dotconfig, 'utf8');
      const final = parseDotConfig(finalText, dotconfig, { strict: false });

      // 2. Did every requested symbol keep its value?
      const drift = configDrift(request.requested, final);
      const driftText = formatDiffconfig(drift);
      if (drift.length) {
        log.warn(`${drift.length} requested symbol(s) changed by olddefconfig (requested -> final, diffconfig format):`);
        for (const l of driftText.trimEnd().split('\n')) log.warn(l);
        if (req.strict) {
          const list = drift.map((d) => (d.op === '-' ? `${d.name} ${d.before} -> (gone)` : `${d.name} ${d.before} -> ${d.after}`));
          throw new InputError(`--strict: olddefconfig changed ${drift.length} requested symbol(s): ${list.join(', ')}`, request.file);
        }
      }

      // 3. The O= dir: resume ours, else copy the nearest complete build, else start empty.
      const objDir = join(buildDir, 'obj');
      let reused: { dir: string; distance: number } | undefined;
      if (!existsSync(objDir)) {
        reused = await nearestBuild(root, buildDir, final, toolchain);
        const tmp = join(buildDir, `obj.tmp-${process.pid}`);
        await rm(tmp, { recursive: true, force: true });
        if (reused) {
          log.info(`reusing ${reused.dir} (${reused.distance} symbol(s) differ): cp -a`);
          await copyBuildDir(join(reused.dir, 'obj'), tmp, objDir);
        } else {
          await mkdir(tmp);
        }
        await rename(tmp, objDir);
      } else {
        log.info(`resuming the unfinished build in ${objDir}`);
      }
      const objConfig = join(objDir, '.config');
      // Same content: keep the old mtime, so make sees nothing new.
      if (!existsSync(objConfig) || readFileSync(objConfig, 'utf8') !== finalText) await writeFile(objConfig, finalText);

      // 4. Build.
      const tb = performance.now();
      await runMake(objDir, [target], `make ${target}`);
      const buildSeconds = (performance.now() - tb) / 1000;
      rawLog.end();

      const bzImage = target === 'vmlinux' ? join(objDir, 'vmlinux') : join(objDir, 'arch', srcArch(arch), 'boot', target);
      if (!existsSync(bzImage)) throw new BuildError(`make ${target} succeeded but ${bzImage} is missing; full log: ${buildLog}`);
      const imageBytes = (await stat(bzImage)).size;
      const stored: StoredResult = {
        version: RESULT_VERSION,
        builtAt: new Date().toISOString(),
        bzImage,
        systemMap: join(objDir, 'System.map'),
        config: objConfig,
        buildLog,
        buildDir,
        objDir,
        sourceId: source.id,
        configKey: key,
        buildSeconds,
        imageBytes,
        reusedFrom: reused?.dir,
        reusedDistance: reused?.distance,
        drift,
        driftText,
        makeCommands,
        arch,
        target,
        jobs: setup.jobs,
        cc: setup.cc,
        makeVars: [...toolchain.makeVars],
      };
      await writeFileAtomic(join(buildDir, RESULT), JSON.stringify(stored, null, 2) + '\n');
      const { version: _v, builtAt: _b, ...rest } = stored;
      const seconds = (performance.now() - t0) / 1000;
      log.info(`built ${bzImage} (${imageBytes} bytes) in ${seconds.toFixed(1)} s`);
      return { ...rest, cacheHit: false, seconds };
    } finally {
      if (!rawLog.writableEnded) rawLog.end();
    }
  }
}
