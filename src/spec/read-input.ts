import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reading a file the user names (a spec file, a saved plan) without trusting what it is
 * (docs/spec.md, "Hostile input"): a regular file is refused when it is larger than the limit; a
 * FIFO, a pipe (`-f <(command)`) or a device is read as a stream, and refused as soon as more
 * than the limit has arrived (`/dev/zero` stops after the limit, not when memory runs out). A
 * FIFO is opened without waiting for a writer: with none, it reads as empty at once; with a
 * writer that sends nothing for `idleTimeoutMs`, the read gives up. Nothing here can hang.
 */
export interface ReadLimits {
  /** The most bytes accepted. */
  maxBytes: number;
  /** How long a FIFO, pipe or device may send nothing before the read gives up. Default 30 s. */
  idleTimeoutMs?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** What a bounded read found. Errors of the file system itself (ENOENT, EACCES …) are thrown. */
export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; problem: 'directory' | 'socket' }
  | { ok: false; problem: 'too-large'; kind: InputKind; size?: number }
  | { ok: false; problem: 'stalled'; kind: InputKind; idleMs: number };

/** What the named path is, in words for messages. */
export type InputKind = 'file' | 'FIFO' | 'character device' | 'block device';

const CHUNK = 64 * 1024;
const POLL_MS = 10;

export async function readBounded(path: string, limits: ReadLimits): Promise<BoundedRead> {
  const info = await stat(path);
  if (info.isDirectory()) return { ok: false, problem: 'directory' };
  if (info.isSocket()) return { ok: false, problem: 'socket' };
  if (info.isFile()) {
    if (info.size > limits.maxBytes)
      return { ok: false, problem: 'too-large', kind: 'file', size: info.size };
    const handle = await open(path, constants.O_RDONLY);
    try {
      // The file may grow between the stat and the read: read at most one byte over the limit.
      return await readUpTo(handle, limits.maxBytes, 'file', Number.POSITIVE_INFINITY);
    } finally {
      await handle.close();
    }
  }
  const kind: InputKind = info.isFIFO() ? 'FIFO' : info.isBlockDevice() ? 'block device' : 'character device';
  // O_NONBLOCK: opening a FIFO does not wait for a writer, and a read without data answers
  // EAGAIN instead of blocking a thread of the pool for good.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return await readUpTo(handle, limits.maxBytes, kind, limits.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  } finally {
    await handle.close();
  }
}

async function readUpTo(
  handle: FileHandle,
  maxBytes: number,
  kind: InputKind,
  idleTimeoutMs: number,
): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  let idleSince = Date.now();
  for (;;) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      const idleMs = Date.now() - idleSince;
      if (idleMs >= idleTimeoutMs) return { ok: false, problem: 'stalled', kind, idleMs };
      await sleep(POLL_MS);
      continue;
    }
    if (bytesRead === 0) return { ok: true, bytes: Buffer.concat(chunks, total) };
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
    idleSince = Date.now();
    if (total > maxBytes) return { ok: false, problem: 'too-large', kind };
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const limit = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

/**
 * Why a bounded read failed, in one sentence and a hint, for the callers' own error shapes (a
 * diagnostic, a NetformError). `noun`: what the file should be ("spec file", "plan file").
 */
export function describeReadProblem(
  name: string,
  read: Exclude<BoundedRead, { ok: true }>,
  maxBytes: number,
  noun: string,
): { message: string; hint: string } {
  switch (read.problem) {
    case 'directory':
      return { message: `${name} is a directory, not a ${noun}`, hint: `name the ${noun} inside it` };
    case 'socket':
      return { message: `${name} is a socket, not a ${noun}`, hint: 'name a file, a FIFO or a pipe' };
    case 'too-large':
      return {
        message:
          read.size !== undefined
            ? `the file is ${mib(read.size)}; netform reads ${noun}s up to ${limit(maxBytes)}`
            : `more than ${limit(maxBytes)} arrived from ${name} (a ${read.kind}); netform reads ${noun}s up to ${limit(maxBytes)}`,
        hint: 'check that this is the right file',
      };
    case 'stalled':
      return {
        message: `nothing arrived from ${name} (a ${read.kind}) for ${Math.round(read.idleMs / 1000)} s`,
        hint: `write the ${noun} into it and close it, or name a regular file`,
      };
  }
}
