/**
 * One share of a tree's files, read and scanned on its own thread for
 * buildIndexFromTree (src/attribute/index-cache.ts); posts the builder's part.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SourceIndexBuilder } from '../initcall/attribute.js';
import { addTreeFiles } from './index-cache.js';

const { srctree, paths } = workerData as { srctree: string; paths: string[] };
const builder = new SourceIndexBuilder();
addTreeFiles(srctree, paths, builder);
parentPort?.postMessage(builder.part());
