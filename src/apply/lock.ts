import { printable } from '../core/printable.js';
import { createHash, randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { DEFAULT_IPAM_DRIVER, NAME_PATTERN } from '../model/docker-rules.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { ObservedNetwork } from '../model/observed.js';
import type { DockerPort } from '../model/port.js';
import { asError } from './errors.js';

/**
 * The project lock lives on the engine, so it holds for every client of that engine, remote ones
 * included: a config-only network (no bridge, no addresses, nothing can connect to it) named
 * `netform-lock-<project>` whose labels say who holds it. It carries `io.netform.lock=<project>`
 * and never `io.netform.managed`, so plan, observe and export do not take it for a network of
 * the project.
 */
export const LOCK_LABEL = 'io.netform.lock';
/** The holder's host name, process id, user, command, start time (ISO 8601) and random token. */
export const LOCK_HOLDER_LABELS = {
  host: 'io.netform.lock.host',
  pid: 'io.netform.lock.pid',
  user: 'io.netform.lock.user',
  command: 'io.netform.lock.command',
  since: 'io.netform.lock.since',
  token: 'io.netform.lock.token',
} as const;

/** Who is taking the lock; written into the lease's labels for the message a waiting run prints. */
export interface LockOwner {
  host: string;
  pid: number;
  user: string;
  /** `apply`, `destroy`. */
  command: string;
}

/** This process as a lock owner: host name, pid and user (\"unknown\" without a passwd entry). */
export function processLockOwner(command: string): LockOwner {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container running as an arbitrary uid): keep "unknown".
  }
  return { host: hostname(), pid: process.pid, user, command };
}

/** A lease found on the engine. */
export interface LockLease extends LockOwner {
  networkId: string;
  name: string;
  project: string;
  /** When it was taken (ISO 8601); the engine's creation time if the label is missing. */
  since: string;
  token: string;
}

export interface AcquireOptions {
  /** How long to wait for a held lock, in milliseconds; 0 (the default) fails at once. */
  timeoutMs?: number;
  /** Engine address, for messages. */
  host?: string;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Called once when the lock is found held and the run starts to wait. */
  onWait?: (holder: LockLease) => void;
  /** Aborting stops the wait: the claim is withdrawn and a NetformError thrown. */
  signal?: AbortSignal;
}

/** A lock this process holds. */
export interface HeldLock {
  lease: LockLease;
  /** Removes the lease. Safe to call twice. */
  release(): Promise<void>;
}

/** The lease network's name: readable when the project name is a valid network name, else hashed. */
export function lockNetworkName(project: string): string {
  if (NAME_PATTERN.test(project) && project.length <= 100) return `netform-lock-${project}`;
  return `netform-lock-${createHash('sha256').update(project).digest('hex').slice(0, 16)}`;
}

/** True for a network that is a netform lock lease (of any project). */
export function isLockNetwork(network: Pick<ObservedNetwork, 'labels'>): boolean {
  return LOCK_LABEL in network.labels;
}

/** The leases of `project` on the engine (normally none or one). */
export async function findLocks(port: DockerPort, project: string): Promise<LockLease[]> {
  const name = lockNetworkName(project);
  const observed = await port.observe({ networks: [name], containers: [] });
  return observed.networks
    .filter((n) => n.labels[LOCK_LABEL] === project)
    .map(leaseFrom)
    .sort((a, b) => a.since.localeCompare(b.since) || a.networkId.localeCompare(b.networkId));
}

/**
 * Takes the project's lock. Creating the lease is the claim; the claim holds only if, read back
 * afterwards, it is the project's only lease. Any two claimants that overlap therefore see each
 * other (each reads after its own lease exists), so at most one wins — whether or not the engine
 * checks name uniqueness atomically (Engine 20.10 does not for bridge networks). A claimant that
 * saw another withdraws its lease and tries again after a random pause, a few times, before it
 * reports the lock as held (or waits, with `timeoutMs`).
 *
 * Throws a NetformError naming the holder (host, pid, user, command, since) when the lock stays
 * held; engine failures propagate as EngineErrors.
 */
export async function acquireLock(
  port: DockerPort,
  project: string,
  owner: LockOwner,
  options: AcquireOptions = {},
): Promise<HeldLock> {
  const now = options.now ?? (() => new Date());
  const { signal } = options;
  const sleep = options.sleep ?? ((ms: number) => abortableSleep(ms, signal));
  const deadline = now().getTime() + (options.timeoutMs ?? 0);
  const name = lockNetworkName(project);
  let announcedWait = false;
  let contention = 0;
  let released = 0;

  for (;;) {
    if (signal?.aborted) {
      throw new NetformError(
        `interrupted while taking the lock of project "${project}"; nothing was changed`,
        {
          exitCode: 130,
        },
      );
    }
    const token = randomBytes(8).toString('hex');
    const since = now().toISOString();
    let createError: Error | undefined;
    let networkId: string | undefined;
    try {
      networkId = await port.createNetwork({
        name,
        driver: 'bridge',
        configOnly: true,
        attachable: false,
        internal: false,
        enableIPv6: false,
        ipam: { driver: DEFAULT_IPAM_DRIVER, options: {}, config: [] },
        options: {},
        labels: {
          [LOCK_LABEL]: project,
          [LOCK_HOLDER_LABELS.host]: owner.host,
          [LOCK_HOLDER_LABELS.pid]: String(owner.pid),
          [LOCK_HOLDER_LABELS.user]: owner.user,
          [LOCK_HOLDER_LABELS.command]: owner.command,
          [LOCK_HOLDER_LABELS.since]: since,
          [LOCK_HOLDER_LABELS.token]: token,
        },
      });
    } catch (error) {
      createError = asError(error);
    }

    const leases = await findLocks(port, project);
    const mine = leases.find((l) => l.token === token);
    const others = leases.filter((l) => l.token !== token);
    if (mine && others.length === 0) {
      let released = false;
      return {
        lease: mine,
        release: async () => {
          if (released) return;
          released = true;
          await port.removeNetwork(mine.networkId);
        },
      };
    }
    if (networkId !== undefined) await port.removeNetwork(networkId).catch(() => undefined);
    if (others.length === 0) {
      // Our create failed and nobody holds the lock now. A conflict means the holder released it
      // between our create and our read: try again. Anything else was not about the lock.
      if (createError !== undefined && !(isConflict(createError) && ++released <= 20)) throw createError;
      continue;
    }

    const holder = others[0]!;
    // Two claimants that overlapped both withdraw; a short random pause lets one of them win.
    if (mine && contention < 5) {
      contention += 1;
      await sleep(20 + Math.floor(Math.random() * 80 * contention));
      continue;
    }
    if (now().getTime() >= deadline) throw lockHeldError(holder, project, options.host, now());
    if (!announcedWait) {
      announcedWait = true;
      options.onWait?.(holder);
    }
    await sleep(Math.min(1000, Math.max(50, deadline - now().getTime())));
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Removes the project's leases whoever holds them: for a lock left behind by a process that was
 * killed. Returns what was removed.
 */
export async function breakLock(port: DockerPort, project: string): Promise<LockLease[]> {
  const leases = await findLocks(port, project);
  for (const lease of leases) await port.removeNetwork(lease.networkId);
  return leases;
}

/**
 * One line naming a lease's holder: `apply by alice (pid 4242 on ci-7) since 2026-…Z, 3m ago`.
 * The lease's labels come from the engine, so they are escaped (src/core/printable.ts).
 */
export function describeHolder(lease: LockLease, now: Date = new Date()): string {
  return printable(
    `${lease.command} by ${lease.user} (pid ${lease.pid} on ${lease.host}) since ${lease.since}${age(lease.since, now)}`,
  );
}

function lockHeldError(
  holder: LockLease,
  project: string,
  host: string | undefined,
  now: Date,
): NetformError {
  const where = host ? ` on ${host}` : '';
  return new NetformError(
    `the lock for project "${project}"${where} is held: ${describeHolder(holder, now)}`,
    {
      hint:
        'wait for that run to finish, or pass --lock-timeout DURATION to wait for it; if that process is gone, ' +
        `break the lock with \`netform unlock --project ${project}\``,
    },
  );
}

/** The engine's answer that a network of that name exists. */
function isConflict(error: Error): boolean {
  return error instanceof EngineError && error.kind === 'conflict';
}

function leaseFrom(network: ObservedNetwork): LockLease {
  const label = (key: string): string => network.labels[key] ?? '';
  const pid = Number(label(LOCK_HOLDER_LABELS.pid));
  return {
    networkId: network.id,
    name: network.name,
    project: label(LOCK_LABEL),
    host: label(LOCK_HOLDER_LABELS.host) || 'unknown host',
    pid: Number.isInteger(pid) ? pid : 0,
    user: label(LOCK_HOLDER_LABELS.user) || 'unknown user',
    command: label(LOCK_HOLDER_LABELS.command) || 'netform',
    since: label(LOCK_HOLDER_LABELS.since) || network.created || '',
    token: label(LOCK_HOLDER_LABELS.token),
  };
}

function age(since: string, now: Date): string {
  const ms = now.getTime() - Date.parse(since);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 120) return ` (${s}s ago)`;
  const m = Math.round(s / 60);
  return m < 120 ? ` (${m}m ago)` : ` (${Math.round(m / 60)}h ago)`;
}
