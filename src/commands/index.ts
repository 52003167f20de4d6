/** Every verb, one file each; cli.ts registers them in this order. */
import type { CommandModule } from 'yargs';
import { diffCommand } from './diff.js';
import { kconfigCommand } from './kconfig.js';
import { bootCommand } from './boot.js';
import { analyzeCommand } from './analyze.js';
import { benchRangeCommand } from './bench-range.js';
import { buildCommand } from './build.js';
import { sourceCommand } from './source.js';
import { reportCommand } from './report.js';
import { screenCommand } from './screen.js';
import { proposeCommand } from './propose.js';
import { minimizeCommand } from './minimize.js';
import { bisectCommand } from './bisect.js';
import { tuneCommand } from './tune.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  reportCommand,
  diffCommand,
  bootCommand,
  analyzeCommand,
  benchRangeCommand,
  buildCommand,
  sourceCommand,
  kconfigCommand,
  proposeCommand,
  screenCommand,
  minimizeCommand,
  bisectCommand,
  tuneCommand,
];
