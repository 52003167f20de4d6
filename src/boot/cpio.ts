/**
 * A cpio "newc" archive writer (the format the kernel unpacks as an
 * initramfs, Documentation/driver-api/early-userspace/buffer-format.rst).
 * Pure: entries in, bytes out, deterministic (fixed mtime, inode numbers in
 * entry order), so the same content always hashes the same.
 */

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

function record(ino: number, mode: number, name: string, data: Buffer, rdev: [number, number] = [0, 0]): Buffer[] {
  const nameBuf = Buffer.from(name + '\0', 'utf8');
  const header =
    '070701' +
    hex8(ino) +
    hex8(mode) +
    hex8(0) + // uid
    hex8(0) + // gid
    hex8(mode & S_IFDIR ? 2 : 1) + // nlink
    hex8(0) + // mtime: fixed for reproducible images
    hex8(data.length) +
    hex8(0) + // devmajor
    hex8(0) + // devminor
    hex8(rdev[0]) +
    hex8(rdev[1]) +
    hex8(nameBuf.length) +
    hex8(0); // check
  const head = Buffer.from(header, 'ascii');
  return [head, nameBuf, pad4(head.length + nameBuf.length), data, pad4(data.length)];
}

/** Serialize entries (paths without a leading slash) into one newc archive. */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (!name) throw new Error('cpio entry with an empty path');
    switch (e.type) {
      case 'dir':
        parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), name, Buffer.alloc(0)));
        break;
      case 'file':
        parts.push(...record(ino++, S_IFREG | (e.mode ?? 0o644), name, e.data));
        break;
      case 'symlink':
        parts.push(...record(ino++, S_IFLNK | 0o777, name, Buffer.from(e.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(...record(ino++, S_IFCHR | (e.mode ?? 0o600), name, Buffer.alloc(0), [e.major, e.minor]));
        break;
    }
  }
  parts.push(...record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
