/** Every verb, one file each; cli.ts registers them in this order. */
import type { CommandModule } from 'yargs';
import { diffCommand } from './diff.js';
import { bootCommand } from './boot.js';
import { buildCommand } from './build.js';
import { sourceCommand } from './source.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [diffCommand, bootCommand, buildCommand, sourceCommand];
