/**
 * `ktrim report LOG...`: parse initcall_debug boot logs and rank initcalls by
 * cost over N boots; `--compare LOG...` puts a second set of boots beside
 * them. Reads the logs, never writes to them; `-o FILE` writes a new file
 * atomically.
 */
import type { CommandModule } from 'yargs';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { checkOutput, writeOutput } from '../output.js';
import { contextFrom, type CommandContext, type GlobalArgs } from './context.js';
import { InputError } from '../errors.js';
import { BootLogParser } from '../initcall/parse.js';
import { parseSystemMap } from '../initcall/symbols.js';
import type { ParsedBoot, SymbolMap } from '../initcall/types.js';
import { compareReports, rankBoots, type GroupBy, type InitcallReport } from '../initcall/rank.js';
import { renderText } from '../report/text.js';
import { renderJson, renderJsonComparison } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderCompareMarkdown, renderCompareText } from '../report/compare.js';
import type { ViewOptions } from '../report/format.js';
import { cleanText } from '../report/escape.js';
import { ATTRIBUTED_GROUP_BYS, type AttributedGroupBy } from '../propose/group.js';

export const REPORT_FORMATS = ['text', 'json', 'md', 'svg', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
const GROUP_BYS: readonly GroupBy[] = ['fn', 'module', 'level', ...ATTRIBUTED_GROUP_BYS];

export interface ReportArgs extends GlobalArgs {
  logs: string[];
  format?: string;
  json?: boolean;
  top?: number | string;
  minUs?: number | string;
  groupBy?: string;
  systemMap?: string;
  /** Kernel source tree and .config: --group-by symbol|dir|file. */
  source?: string;
  config?: string;
  compare?: string[];
  output?: string;
}

/** Bytes checked by binaryReason() before the first byte is parsed. */
const SNIFF_BYTES = 65536;

/**
 * Open a user's input for streaming: a regular file, a pipe or FIFO, a /proc
 * file (stat size 0, read it anyway), or `-` for stdin. Every failure is a
 * one-line InputError naming it.
 */
async function openInput(path: string, what: string, stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<AsyncIterable<Buffer>> {
  if (path === '-') {
    if (stdin.isTTY) throw new InputError(`stdin is a terminal: pipe ${what} in (dmesg | ktrim report -)`, path);
    return stdin as AsyncIterable<Buffer>;
  }
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read (${code})`, path);
  }
  if (st.isDirectory()) throw new InputError(`is a directory, not ${what}`, path);
  // Character devices (/dev/kmsg, a tty) never end: refuse them rather than hang.
  if (!st.isFile() && !st.isFIFO() && !st.isSocket()) throw new InputError('is not a regular file or a pipe', path);
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * Stream a user's input through `sink` in decoded text chunks, after checking
 * its first bytes are text. Returns the number of bytes read.
 */
async function streamInput(path: string, what: string, sink: (text: string) => void, stdin = process.stdin): Promise<number> {
  const source = await openInput(path, what, stdin);
  const decoder = new StringDecoder('utf8');
  let head: Buffer[] | undefined = [];
  let headBytes = 0;
  let total = 0;
  const check = () => {
    const first = Buffer.concat(head!);
    head = undefined;
    const why = binaryReason(first);
    if (why) throw new InputError(why, path);
    sink(decoder.write(first));
  };
  try {
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += buf.length;
      if (head) {
        head.push(buf);
        headBytes += buf.length;
        if (headBytes >= SNIFF_BYTES) check();
      } else sink(decoder.write(buf));
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  if (total === 0) throw new InputError(`${path === '-' ? 'empty input' : 'empty file'}, expected ${what}`, path);
  if (head) check();
  sink(decoder.end());
  return total;
}

/** Read a user's file (or `-`, a pipe, a /proc file) whole as bytes; every failure is a one-line InputError naming it. */
export async function readInputFile(path: string, what: string, stdin = process.stdin): Promise<Buffer> {
  const source = await openInput(path, what, stdin);
  const parts: Buffer[] = [];
  try {
    for await (const chunk of source) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (err) {
    throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length === 0) throw new InputError(`${path === '-' ? 'empty input' : 'empty file'}, expected ${what}`, path);
  return bytes;
}

const COMPRESSED: [string, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

/**
 * Why `bytes` is not a text log, or undefined when it is one. Serial captures
 * hold stray control bytes (a NUL while the UART comes up, escape sequences),
 * so only a sizeable share of control bytes in the first 64 KiB counts.
 */
export function binaryReason(bytes: Uint8Array): string | undefined {
  for (const [name, magic] of COMPRESSED) {
    if (magic.every((b, i) => bytes[i] === b)) return `is ${name}-compressed: decompress it first`;
  }
  const sample = bytes.subarray(0, 65536);
  let control = 0;
  for (const b of sample) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b && b !== 0x08 && b !== 0x0c) control++;
  }
  if (control > Math.max(8, sample.length * 0.01)) return 'is a binary file, not a text boot log';
  return undefined;
}

/**
 * Load, check and parse one boot log (`-`: stdin), streamed: linear time,
 * memory bounded by one boot whatever the size of the capture.
 */
export async function loadBootLog(path: string, symbols?: SymbolMap, stdin = process.stdin): Promise<ParsedBoot> {
  const parser = new BootLogParser({ source: path, symbols });
  await streamInput(path, 'a boot log', (text) => parser.push(text), stdin);
  const boot = parser.end();
  if (boot.initcalls.length === 0) {
    throw new InputError(
      'no initcall lines ("calling … @ PID"): boot with initcall_debug and capture KERN_DEBUG (loglevel=8, or dmesg)',
      path,
    );
  }
  return boot;
}

export async function loadSystemMap(path: string): Promise<SymbolMap> {
  const bytes = await readInputFile(path, 'a System.map');
  const why = binaryReason(bytes);
  if (why) throw new InputError(why, path);
  return parseSystemMap(bytes.toString('utf8'), path);
}

function reportWarnings(ctx: CommandContext, boots: readonly ParsedBoot[], report: InitcallReport): void {
  const MAX_PER_FILE = 5;
  for (const b of boots) {
    for (const w of b.warnings.slice(0, MAX_PER_FILE)) ctx.logger.warn(cleanText(`${b.source}:${w.line}: ${w.message}`));
    if (b.warnings.length > MAX_PER_FILE) ctx.logger.warn(`${b.source}: ${b.warnings.length - MAX_PER_FILE} more warnings`);
  }
  for (const w of report.warnings) ctx.logger.warn(cleanText(w));
}

/** The boot whose total initcall time is the median one: the most typical timeline to draw. */
export function medianBoot(boots: readonly ParsedBoot[]): ParsedBoot {
  const sorted = [...boots].sort((a, b) => a.totalInitcallUs - b.totalInitcallUs);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function parseFormat(args: ReportArgs): ReportFormat {
  if (args.json) {
    if (args.format !== undefined && args.format !== 'json') throw new InputError(`--json conflicts with --format ${args.format}`);
    return 'json';
  }
  const f = args.format ?? 'text';
  if (!(REPORT_FORMATS as readonly string[]).includes(f))
    throw new InputError(`unknown --format "${f}": use one of ${REPORT_FORMATS.join(', ')}`);
  return f as ReportFormat;
}

function checkCount(name: string, raw: number | string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(v) || v < 0 || !Number.isInteger(v)) throw new InputError(`${name} takes a whole number ≥ 0, not "${raw}"`);
  return v;
}

/** An unknown option reaches the input list (see the builder): refuse it as yargs' strict mode would. */
function checkInputNames(paths: readonly string[]): void {
  const bad = paths.find((p) => p.startsWith('-') && p !== '-');
  if (bad !== undefined) throw new InputError(`unknown option ${bad} (a file whose name starts with "-": write ./${bad})`);
  if (paths.filter((p) => p === '-').length > 1) throw new InputError('stdin (-) can be read only once');
}

/** Everything the verb does, minus argument parsing: usable from tests and other verbs. */
export async function runReport(args: ReportArgs, ctx: CommandContext): Promise<void> {
  const format = parseFormat(args);
  const groupBy = (args.groupBy ?? 'fn') as GroupBy;
  if (!GROUP_BYS.includes(groupBy)) throw new InputError(`unknown --group-by "${args.groupBy}": use one of ${GROUP_BYS.join(', ')}`);
  const view: ViewOptions = { top: checkCount('--top', args.top), minUs: checkCount('--min-us', args.minUs) };
  const compare = args.compare ?? [];
  if (compare.length > 0 && (format === 'svg' || format === 'html'))
    throw new InputError(`--compare works with --format text, json or md, not ${format}`);
  if (args.logs.length === 0) throw new InputError('name at least one boot log');
  checkInputNames([...args.logs, ...compare]);
  const inputs = [...args.logs, ...compare, ...(args.systemMap ? [args.systemMap] : [])];
  const outReal = args.output ? await checkOutput(args.output, { inputs, flag: '-o' }) : undefined;

  const symbols = args.systemMap ? await loadSystemMap(args.systemMap) : undefined;
  const load = async (paths: readonly string[]) => {
    const boots: ParsedBoot[] = [];
    for (const p of paths) boots.push(await loadBootLog(p, symbols));
    return boots;
  };
  const before = await load(args.logs);
  const attributed = (ATTRIBUTED_GROUP_BYS as readonly string[]).includes(groupBy);
  let report = rankBoots(before, { groupBy: attributed ? 'fn' : groupBy });
  reportWarnings(ctx, before, report);
  if (attributed) {
    if (!args.source) throw new InputError(`--group-by ${groupBy} needs --source: the kernel tree the logged kernel was built from`);
    if (compare.length > 0) throw new InputError(`--group-by ${groupBy} works without --compare`);
    // Loaded only when asked for: attribution reads the source tree.
    const { groupReportFromSource } = await import('../propose/run.js');
    const g = await groupReportFromSource(report, before, groupBy as AttributedGroupBy, {
      source: args.source,
      config: args.config,
      systemMap: args.systemMap,
      logger: ctx.logger,
    });
    for (const w of g.warnings) ctx.logger.warn(cleanText(w));
    report = g.report;
  }

  let result: string;
  if (compare.length > 0) {
    const afterBoots = await load(compare);
    const after = rankBoots(afterBoots, { groupBy });
    reportWarnings(ctx, afterBoots, after);
    const cmp = compareReports(report, after);
    result =
      format === 'json'
        ? renderJsonComparison(cmp, view)
        : format === 'md'
          ? renderCompareMarkdown(cmp, view)
          : renderCompareText(cmp, view);
  } else if (format === 'svg') {
    // Loaded only when asked for: the text/json/md path does not need the drawing code.
    const { renderSvg } = await import('../report/svg.js');
    const boot = medianBoot(before);
    if (before.length > 1) ctx.logger.info(`the SVG timeline shows one boot, the median one: ${boot.source}`);
    result = renderSvg(boot, { title: boot.source });
  } else if (format === 'html') {
    const { renderHtml } = await import('../report/html.js');
    result = renderHtml(report, before);
  } else {
    result = format === 'json' ? renderJson(report, view) : format === 'md' ? renderMarkdown(report, view) : renderText(report, view);
  }

  if (args.output && outReal) {
    await writeOutput(outReal, result, args.output);
    ctx.logger.info(`wrote ${args.output}`);
  } else {
    writeResult(ctx.stdout, result);
  }
}

/**
 * Write to stdout; a reader that closes early (`ktrim report … | head`) ends
 * the run quietly instead of crashing on EPIPE.
 */
function writeResult(stream: NodeJS.WritableStream, text: string): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  stream.write(text);
}

export const reportCommand: CommandModule<GlobalArgs, ReportArgs> = {
  command: 'report <logs..>',
  describe: 'Parse initcall_debug boot logs and rank initcalls by cost over N boots',
  builder: (y) =>
    y
      // yargs drops a lone `-` (stdin) from positionals and array options unless unknown
      // options pass as arguments; runReport() then refuses those itself (checkInputNames).
      .parserConfiguration({ 'unknown-options-as-args': true })
      .positional('logs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'boot logs (serial capture or dmesg), one per boot',
      })
      .option('format', { alias: 'f', type: 'string', describe: 'output format: text, json, md, svg or html (default text)' })
      .option('json', { type: 'boolean', describe: 'same as --format json' })
      .option('top', { alias: 'n', type: 'string', requiresArg: true, describe: 'show only the N most expensive initcalls (or groups)' })
      .option('min-us', { type: 'string', requiresArg: true, describe: 'hide initcalls whose median is under N µs' })
      .option('group-by', { type: 'string', describe: 'rank by fn (default), module, level, or (with --source) file, dir or symbol' })
      .option('source', { type: 'string', describe: 'kernel source tree of the logged kernel (for --group-by file|dir|symbol)' })
      .option('config', { type: 'string', describe: 'the .config of the logged kernel (for --group-by symbol)' })
      .option('system-map', { type: 'string', describe: 'System.map to name bare initcall addresses (no CONFIG_KALLSYMS)' })
      .option('compare', { type: 'string', array: true, describe: 'boot logs of the changed kernel: before (LOGs) / after side by side' })
      .option('output', { alias: 'o', type: 'string', describe: 'write the result to this new file instead of stdout' })
      .example('$0 report boot-*.log --top 25', 'the 25 slowest initcalls over all boots')
      .example('$0 report old-*.log --compare new-*.log --format md', 'before/after table for a mail'),
  handler: async (argv) => {
    await runReport(argv as ReportArgs, contextFrom(argv));
  },
};
