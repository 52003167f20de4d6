import { describe, expect, it } from '@jest/globals';
import { Lexer, type Token } from '../../../src/kconfig/lexer.js';
import { Preprocessor } from '../../../src/kconfig/preprocess.js';

function lexAll(text: string, env: Record<string, string> = {}): Token[] {
  // where() runs only once lexing has started, after `lexer` is set.
  const pp: Preprocessor = new Preprocessor({ env, shell: { run: () => '' }, where: () => ({ file: lexer.file, line: lexer.line }) });
  const lexer: Lexer = new Lexer(pp);
  lexer.pushFile('Kconfig', text);
  const out: Token[] = [];
  for (;;) {
    const t = lexer.next();
    out.push(t);
    if (t.type === 'help') {
      out.push(lexer.next()); // EOL
      out.push(lexer.readHelp());
    }
    if (t.type === 'EOF') return out;
  }
}
const shape = (ts: Token[]) => ts.map((t) => (t.text !== undefined ? `${t.type}:${t.text}` : t.type));

describe('Kconfig lexer', () => {
  it('tells keywords from words by whole-token match', () => {
    expect(shape(lexAll('config FOO_1\n\tbool "x" if configure && !on_2\n'))).toEqual([
      'config',
      'WORD:FOO_1',
      'EOL',
      'bool',
      'WORD_QUOTE:x',
      'if',
      'WORD:configure',
      '&&',
      '!',
      'WORD:on_2',
      'EOL',
      'EOF',
    ]);
  });

  it('reads operators longest first and drops comments and blank lines', () => {
    expect(shape(lexAll('\n\n# comment\ndefault A<=B||C!=D # trailing\n'))).toEqual([
      'default',
      'WORD:A',
      '<=',
      'WORD:B',
      '||',
      'WORD:C',
      '!=',
      'WORD:D',
      'EOL',
      'EOF',
    ]);
  });

  it('unescapes strings in either quote and keeps the other quote', () => {
    const ts = lexAll(`prompt "a \\"b\\" 'c' \\\\ d"\nprompt 'x "y"'\n`);
    expect(ts[1].text).toBe(`a "b" 'c' \\ d`);
    expect(ts[4].text).toBe('x "y"');
  });

  it('joins lines ending in a backslash and counts lines', () => {
    const ts = lexAll('depends on A && \\\n\tB\nconfig C\n');
    expect(shape(ts)).toEqual(['depends', 'on', 'WORD:A', '&&', 'WORD:B', 'EOL', 'config', 'WORD:C', 'EOL', 'EOF']);
    expect(ts.find((t) => t.text === 'C')!.line).toBe(3);
  });

  it('keeps an assignment value raw (no expansion) up to the end of line', () => {
    expect(shape(lexAll('cc-opt = $(success,$(CC) $(1))  \nX := a\n'))).toEqual([
      'WORD:cc-opt',
      '=',
      'ASSIGN_VAL:$(success,$(CC) $(1))  ',
      'EOL',
      'WORD:X',
      ':=',
      'ASSIGN_VAL:a',
      'EOL',
      'EOF',
    ]);
  });

  it('expands $(...) inside words and strings, dropping words that expand to nothing', () => {
    expect(shape(lexAll('source "arch/$(SRCARCH)/Kconfig"\n$(EMPTY)\nconfig $(PFX)_X\n', { SRCARCH: 'x86', PFX: 'ARCH' }))).toEqual([
      'source',
      'WORD_QUOTE:arch/x86/Kconfig',
      'EOL',
      'config',
      'WORD:ARCH_X',
      'EOL',
      'EOF',
    ]);
  });

  it('reads help text by indentation, keeping relative indent and inner blank lines', () => {
    const ts = lexAll('config A\n\tbool "a"\n\thelp\n\t  First line.\n\n\t    Indented more.\n\t  Last.   \n\tdefault y\nconfig B\n');
    const help = ts.find((t) => t.type === 'HELPTEXT')!;
    expect(help.text).toBe('First line.\n\n  Indented more.\nLast.\n');
    // `default y` is indented less than the help text: it ends the help and is lexed as tokens.
    expect(shape(ts.slice(ts.indexOf(help) + 1))).toEqual(['default', 'WORD:y', 'EOL', 'config', 'WORD:B', 'EOL', 'EOF']);
  });

  it('ends help at a line in column 0', () => {
    const ts = lexAll('config A\n\thelp\n\t  text\nconfig B\n');
    expect(ts.find((t) => t.type === 'HELPTEXT')!.text).toBe('text');
    expect(shape(ts).slice(-4)).toEqual(['config', 'WORD:B', 'EOL', 'EOF']);
  });
});
