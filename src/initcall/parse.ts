/**
 * initcall_debug log parser: text in, ParsedBoot out, no I/O.
 *
 * Accepts a serial console capture, `dmesg`, `dmesg -r`, /dev/kmsg records
 * or `journalctl -k` output (any mix of prefixes), in any bytes. Four stages,
 * each in its own file:
 *   1. framing.ts  lines, prefixes (prefix.ts), cut lines, which boot of a
 *                  multi-boot input to parse (markers, `Linux version`);
 *   2. grammar.ts  one message → one record (general grammar and fast path);
 *   3. pairing.ts  `calling` ↔ `returned`, probes, async waits, landmarks;
 *   4. figures.ts  checks against the log's timestamps, totals, window.
 * Without CONFIG_KALLSYMS the function is a bare `0xffffffff818c2a38`,
 * resolved through options.symbols (System.map) when given.
 *
 * parseBootLog() takes the whole text; BootLogParser takes it in chunks
 * (a file read as a stream): linear time, memory bounded by one boot.
 */
import { BootFramer } from './framing.js';
import { bootFigures } from './figures.js';
import type { ParsedBoot, ParseOptions } from './types.js';

export type { ParseOptions, ParsedBoot } from './types.js';
export { DMESG_BEGIN_MARKER, DMESG_END_MARKER } from './framing.js';

/** Streaming parser: push() chunks of text in order (cut anywhere), then end() once. */
export class BootLogParser {
  private readonly framer: BootFramer;
  private readonly source: string;

  constructor(options: ParseOptions = {}) {
    this.framer = new BootFramer(options.symbols);
    this.source = options.source ?? '<log>';
  }

  push(chunk: string): void {
    this.framer.push(chunk);
  }

  end(): ParsedBoot {
    return bootFigures(this.framer.end(), this.source);
  }
}

export function parseBootLog(text: string, options: ParseOptions = {}): ParsedBoot {
  const p = new BootLogParser(options);
  p.push(text);
  return p.end();
}
