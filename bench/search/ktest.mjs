// ktest's make_min_config (tools/testing/ktest/ktest.pl in the 6.1 tree),
// replayed on the model: one build + one boot per symbol it disables, pass/fail
// only, in its order. What is kept of ktest.pl:
//   - min_configs: the start config's set symbols, minus what allnoconfig
//     sets to the same value ("set by allnoconfig ... ignored"); a symbol
//     allnoconfig sets to another value is kept (never tested);
//   - each round sorts min_configs by depcount (most depended-on first; ties in
//     .config order, where ktest has Perl's hash order), puts the configs that
//     "did not change .config" last, and takes the first one whose removal
//     changes the config after olddefconfig — testing its parents (the symbols
//     in its `depends on`, and those that select it) first (test_this_config);
//   - build + boot: a pass removes it and every min_config no longer set; a
//     failure keeps it for good (IGNORE_CONFIG);
//   - done when no config is left whose removal changes anything (after one
//     retry with the "no change" marks cleared: take_two).
// Deviations: depcount and parents come from ktrim's parsed Kconfig tree, not
// ktest's line-based reading (same relations, `if` blocks included); ktest
// writes min+keep lines and runs olddefconfig, here each trial is
// olddefconfigFrom(the last passing config, X=n) — the same result except for
// symbols ktest leaves unwritten and lets default back on.
import { triValue } from '../../dist/kconfig/gate.js';
import { olddefconfigFrom } from '../../dist/kconfig/incremental.js';
import { runConfMode } from '../../dist/kconfig/conf.js';

function exprSymbols(e, out) {
  if (!e) return out;
  if (e.k === 'sym') {
    if (!e.sym.isConst && e.sym.name) out.push(e.sym.name);
  } else if (e.k === 'and' || e.k === 'or') {
    exprSymbols(e.l, out);
    exprSymbols(e.r, out);
  } else if (e.k === 'not') exprSymbols(e.e, out);
  else if (e.k === 'cmp' || e.k === 'range') {
    for (const s of [e.l, e.r]) if (!s.isConst && s.name) out.push(s.name);
  }
  return out;
}

/** ktest's %depends (parents) and %depcount, from the parsed tree. */
function dependencies(tree) {
  const parents = new Map();
  const depcount = new Map();
  const bump = (n) => depcount.set(n, (depcount.get(n) ?? 0) + 1);
  for (const sym of tree.symbols) {
    if (!sym.name || sym.isConst) continue;
    const ps = [...new Set(exprSymbols(sym.dirDep, []))];
    for (const p of ps) bump(p);
    for (const prop of sym.selectedBy) {
      const by = prop.menu?.sym?.name;
      if (by) {
        ps.push(by);
        bump(by);
      }
    }
    parents.set(sym.name, ps);
  }
  return { parents, depcount };
}

/**
 * Run make_min_config on the model. `lab` has build(state) → outcome and
 * counts; returns builds, boots, the final state and a log of decisions.
 */
export function ktestMakeMinConfig(model, { maxBuilds = Infinity, onProgress } = {}) {
  const { tree } = model;
  const { parents, depcount } = dependencies(tree);
  const val = (state, n) => triValue(state, tree, n);
  const allno = runConfMode(tree, 'allnoconfig').state;

  // min_configs in .config order (the tie-break): set symbols of the start config.
  const order = new Map();
  const minConfigs = new Set();
  const keep = new Set();
  let i = 0;
  for (const sym of tree.symbols) {
    if (!sym.name || sym.isConst || sym.isChoice) continue;
    const v = val(model.startState, sym.name);
    if (v !== 'y' && v !== 'm') continue; // bools/tristates set on; ints/strings are not "disabled"
    order.set(sym.name, i++);
    const a = val(allno, sym.name);
    if (a === v) continue; // set by allnoconfig ... ignored
    if (a !== 'n') keep.add(sym.name);
    else minConfigs.add(sym.name);
  }
  const startCount = minConfigs.size;

  let current = model.startState;
  const nochange = new Set();
  const counts = { builds: 0, boots: 0, failedBoots: 0, olddefconfigs: 0, passes: 0 };
  let takeTwo = false;

  const trial = (name) => {
    counts.olddefconfigs++;
    return olddefconfigFrom(current, { [name]: 'n' });
  };

  for (;;) {
    if (counts.builds >= maxBuilds) break;
    let tests = [...minConfigs].sort((a, b) => (depcount.get(b) ?? 0) - (depcount.get(a) ?? 0) || order.get(a) - order.get(b));
    // Put configs that did not modify the config at the end (all of them: reset).
    const changing = tests.filter((t) => !nochange.has(t));
    if (changing.length === 0) nochange.clear();
    else tests = [...changing, ...tests.filter((t) => nochange.has(t))];

    const processed = new Set();
    const testThis = (name) => {
      if (processed.has(name)) return undefined;
      processed.add(name);
      if (nochange.has(name)) return undefined;
      for (const p of parents.get(name) ?? []) {
        if (!minConfigs.has(p)) continue;
        const f = testThis(p);
        if (f) return f;
      }
      const st = trial(name);
      if (val(st, name) === 'n') return { name, state: st };
      nochange.add(name);
      return undefined;
    };
    let found;
    for (const t of tests) {
      found = testThis(t);
      if (found) break;
    }
    if (!found) {
      if (!takeTwo) {
        nochange.clear();
        takeTwo = true;
        continue;
      }
      break; // No more configs found that we can disable
    }
    takeTwo = false;
    counts.builds++;
    counts.boots++;
    const truth = model.evaluate(found.state);
    if (!truth.boots) {
      counts.failedBoots++;
      minConfigs.delete(found.name);
      keep.add(found.name); // needed to boot the box... keeping
    } else {
      counts.passes++;
      minConfigs.delete(found.name);
      current = found.state;
      for (const n of [...minConfigs]) if (val(current, n) === 'n') minConfigs.delete(n); // "is not set, disabling"
    }
    onProgress?.(counts, minConfigs.size);
  }
  return { counts, startCount, keptCount: keep.size, leftCount: minConfigs.size, state: current, truth: model.evaluate(current) };
}
