/**
 * Write a full .config like confdata.c conf_write() (what
 * `conf --olddefconfig` leaves in .config): the heading, then a walk of the
 * menu tree writing every symbol with SYMBOL_WRITE once, menu titles as
 * `#\n# Title\n#` blocks, `# end of Title` after each visible menu, strings
 * escaped, `n` as `# CONFIG_X is not set`.
 */
import type { KconfigState } from './eval.js';
import type { KSymbol, MenuNode } from './symbol.js';

/** escape_string_value: quote, and backslash `"` and `\`. */
export function escapeString(value: string): string {
  return '"' + value.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

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
