/**
 * The writers of scripts/kconfig/confdata.c: conf_write() (a full .config,
 * what `conf --olddefconfig` leaves in .config: the heading, then a walk of
 * the menu tree writing every symbol with SYMBOL_WRITE once, menu titles as
 * `#\n# Title\n#` blocks, `# end of Title` after each visible menu, strings
 * escaped, `n` as `# CONFIG_X is not set`), conf_write_defconfig()
 * (savedefconfig: only what differs from the defaults) and
 * print_symbol_for_listconfig (listnewconfig's lines).
 */
import { escapeStringValue } from './dotconfig.js';
import type { Tristate } from './expr.js';
import { menuNext, type KSymbol, type MenuNode } from './symbol.js';
import { KconfigState, SYMBOL_WRITE } from './value.js';

/** escape_string_value: the one escaper, dotconfig.ts's (kept under this name for callers). */
export const escapeString = escapeStringValue;

function symbolLine(state: KconfigState, sym: KSymbol): string | null {
  if (sym.type === 'unknown') return null;
  const val = state.value(sym);
  if ((sym.type === 'bool' || sym.type === 'tristate') && val[0] === 'n') return `# CONFIG_${sym.name} is not set\n`;
  return `CONFIG_${sym.name}=${sym.type === 'string' ? escapeString(val) : val}\n`;
}

/** Byte-for-byte what `conf --olddefconfig` writes to .config. */
export function writeConfig(state: KconfigState): string {
  const tree = state.tree;
  const out: string[] = [];
  out.push('#\n', '# Automatically generated file; DO NOT EDIT.\n', `# ${tree.root.prompt?.text ?? 'Main menu'}\n`, '#\n');
  if (!state.confChanged) state.clearAllValid();
  let needNewline = false;
  let menu: MenuNode | null = tree.root.list;
  while (menu) {
    const sym = menu.sym;
    if (!sym) {
      if (state.menuIsVisible(menu)) {
        out.push(`\n#\n# ${menu.prompt!.text ?? ''}\n#\n`);
        needNewline = false;
      }
    } else if (!sym.isChoice && state.markWritten(sym)) {
      if (needNewline) {
        out.push('\n');
        needNewline = false;
      }
      const line = symbolLine(state, sym);
      if (line) out.push(line);
    }
    if (menu.list) {
      menu = menu.list;
      continue;
    }
    // end_check
    let m: MenuNode | null = menu;
    menu = null;
    while (m) {
      if (!m.sym && m !== tree.root && m.prompt && m.prompt.kind === 'menu' && state.menuIsVisible(m)) {
        out.push(`# end of ${m.prompt.text ?? ''}\n`);
        needNewline = true;
      }
      if (m.next) {
        menu = m.next;
        break;
      }
      m = m.parent;
    }
  }
  state.clearWritten();
  state.confChanged = false;
  return out.join('');
}

/** print_symbol_for_listconfig: `n` as `=n`. */
function listLine(state: KconfigState, sym: KSymbol): string {
  if (sym.type === 'unknown') return '';
  const val = state.value(sym);
  return `CONFIG_${sym.name}=${sym.type === 'string' ? escapeString(val) : val}\n`;
}

/**
 * sym_get_string_default: the value the symbol would have without a user
 * value (default limited by its condition, raised by select and imply).
 */
export function stringDefault(state: KconfigState, sym: KSymbol): string {
  const v611 = state.tree.dialect === 'v6.11';
  let val: Tristate = 0;
  let str = '';
  const prop = state.activeDefault(sym);
  if (prop) {
    if (sym.type === 'bool' || sym.type === 'tristate') {
      val = Math.min(state.evalExpr(prop.expr), state.values.propTri[prop.id]) as Tristate;
    } else if (prop.expr?.k === 'sym') {
      str = state.value(prop.expr.sym);
    }
  }
  val = Math.max(val, state.selectedLevel(sym)) as Tristate;
  if (val === 1 && !sym.choice && state.tristate(state.tree.modules) === 0) val = 2;
  if (sym.type === 'bool' && val === 1) val = 2;
  val = Math.max(val, state.impliedLevel(sym)) as Tristate;
  switch (sym.type) {
    case 'bool':
    case 'tristate':
      return val === 2 ? 'y' : val === 1 ? 'm' : 'n';
    case 'int':
      return v611 && !str ? '0' : str;
    case 'hex':
      return v611 && !str ? '0x0' : str;
    case 'string':
      return str;
    default:
      return '';
  }
}

/**
 * conf_write_defconfig (`conf --savedefconfig`): the symbols a user can
 * change whose value differs from their default, in menu order; a choice's
 * default member set to y is left out. Works on a copy: `state` is untouched.
 */
export function savedefconfig(state: KconfigState): string {
  const s = new KconfigState(state.tree, state.values);
  const v611 = s.tree.dialect === 'v6.11';
  s.clearAllValid();
  const out: string[] = [];
  const root = s.tree.root;
  for (let menu = menuNext(root, root); menu; menu = menuNext(menu, root)) {
    const sym = menu.sym;
    if (!sym) {
      // ≤ 6.10 asks menu_is_visible (it evaluates the prompt) and walks on either way.
      if (!v611) s.menuIsVisible(menu);
      continue;
    }
    if (sym.isChoice) continue;
    s.calc(sym);
    if (!(s.values.flags[sym.id] & SYMBOL_WRITE)) continue;
    s.values.flags[sym.id] &= ~SYMBOL_WRITE;
    if (!s.isChangeable(sym)) continue;
    if (s.value(sym) === stringDefault(s, sym)) continue;
    if (v611) {
      const choice = sym.choiceMenu;
      if (choice && sym === s.choiceDefaultOf(choice.sym!) && s.tristate(sym) === 2) continue;
    } else if (sym.choice) {
      const cs = sym.choice;
      if (!cs.optional && sym === s.choiceDefault(cs) && sym.type === 'bool' && s.tristate(sym) === 2) continue;
    }
    const line = symbolLine(s, sym);
    if (line) out.push(line);
  }
  return out.join('');
}

/**
 * `conf --listnewconfig` (check_conf): every visible, changeable symbol the
 * input .config did not set, as `CONFIG_X=value` (`=n` included).
 */
export function listNewConfig(state: KconfigState): string {
  const v611 = state.tree.dialect === 'v6.11';
  const out: string[] = [];
  const check = (menu: MenuNode): void => {
    if (!state.menuIsVisible(menu)) return;
    const sym = menu.sym;
    if (sym && !state.hasUserValue(sym) && (state.isChangeable(sym) || (!v611 && sym.isChoice && state.tristate(sym) === 2)) && sym.name) {
      out.push(listLine(state, sym));
    }
    for (let c = menu.list; c; c = c.next) check(c);
  };
  check(state.tree.root);
  return out.join('');
}
