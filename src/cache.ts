/** Where ktrim keeps kernel sources, builds and initramfs images: never in the repo. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KTRIM_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ktrim');
}
