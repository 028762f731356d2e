import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { defaultEngineAddress, type EngineAddress } from '../../src/docker/address.js';
import { ensureBusyboxImage } from '../../scripts/busybox-image.mjs';
import { dialEngine, testEngineAddress } from './upstream.js';

/** Every resource a test creates carries this label (value: the run id) and the scope's prefix. */
export const RUN_LABEL = 'io.netform.test';
/** A container image made by `docker import` from Debian's busybox-static: no registry needed. */
export const TEST_IMAGE = 'netform-test/busybox:1';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The docker CLI: the independent read (and the independent way to build state) for engine tests. */
export function docker(args: string[], host?: string): Promise<CommandResult> {
  return run('docker', host ? ['-H', host, ...args] : args);
}

/** `host`: another engine than DOCKER_HOST's (the tests of several engines). */
export async function dockerOk(args: string[], host?: string): Promise<string> {
  const result = await docker(args, host);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * A GET of the Engine API at DOCKER_HOST's engine (or `host`'s), over a connection of the test
 * harness's own (test/support/upstream.ts), never netform's client: an independent read of the
 * engine, without a docker CLI process per read. Reads were most of the docker CLI calls of an
 * engine run (on one 28.5 run, 364 of 626 were inspects and `network ls`), each ~80 ms of CPU
 * (docs/engines.md, "The engine matrix"). What the engine refuses is an error with its words.
 */
export async function engineJson<T>(path: string, host?: string): Promise<T> {
  const address = host === undefined ? testEngineAddress() : defaultEngineAddress(host, process.env);
  const { status, body } = await engineGet(address, path);
  if (status === 200) return JSON.parse(body) as T;
  let message = body;
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    // not JSON: the body as it came
  }
  throw new Error(`GET ${path} on ${address.display}: HTTP ${status}: ${message.trim()}`);
}

/** `docker network|container|service inspect NAME`: the same JSON, without the CLI's array. */
export function dockerInspect<T = unknown>(
  kind: 'network' | 'container' | 'service',
  name: string,
  host?: string,
): Promise<T> {
  const path = {
    network: `/networks/${encodeURIComponent(name)}`,
    container: `/containers/${encodeURIComponent(name)}/json`,
    service: `/services/${encodeURIComponent(name)}`,
  }[kind];
  return engineJson<T>(path, host);
}

/** `docker network ls` (with `--filter label=LABEL`): each network's name, ID and labels. */
export async function listNetworks(
  host?: string,
  label?: string,
): Promise<{ Name: string; Id: string; Labels: Record<string, string> | null }[]> {
  const filters =
    label === undefined ? '' : `?filters=${encodeURIComponent(JSON.stringify({ label: [label] }))}`;
  return engineJson(`/networks${filters}`, host);
}

/** The names of the networks on the engine, as `docker network ls --format '{{.Name}}'` lists them. */
export async function networkNames(host?: string): Promise<string[]> {
  return (await listNetworks(host)).map((network) => network.Name);
}

/** `docker ps -a --filter label=LABEL --format '{{.Names}}'`: the names of those containers. */
export async function containerNames(label: string, host?: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const containers = await engineJson<{ Names: string[] }[]>(
    `/containers/json?all=1&filters=${filters}`,
    host,
  );
  return containers.flatMap((c) => c.Names.map((name) => name.replace(/^\//, '')));
}

/** One GET to the engine at `address`, on a connection of its own. */
function engineGet(address: EngineAddress, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        method: 'GET',
        path,
        headers: { Host: 'docker' },
        createConnection: () => dialEngine(address),
        timeout: 60_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`GET ${path} on ${address.display}: no answer in 60 s`)),
    );
    request.on('error', reject);
    request.end();
  });
}

/** Builds TEST_IMAGE once per machine from /bin/busybox (Debian's busybox-static). */
export async function ensureTestImage(): Promise<void> {
  ensureBusyboxImage(TEST_IMAGE);
  return Promise.resolve();
}

/**
 * Runs a shell script in the engine's own host network namespace (a throw-away container with
 * `--network host` and NET_ADMIN): the place where the engine sees host interfaces, which is not
 * this process's namespace when the engine runs in a namespace of its own or on another machine.
 * Used to make interfaces the engine must find (a macvlan parent, a name a bridge must not take).
 */
export async function onEngineHost(script: string): Promise<CommandResult> {
  return docker([
    'run',
    '--rm',
    '--network',
    'host',
    '--cap-add',
    'NET_ADMIN',
    '--label',
    `${RUN_LABEL}=engine-host`,
    TEST_IMAGE,
    'sh',
    '-c',
    script,
  ]);
}

/** Removes every container, then every network, carrying `label` (`key=value`). */
export async function removeLabelled(label: string): Promise<void> {
  const containers = (await dockerOk(['ps', '-aq', '--filter', `label=${label}`]))
    .split('\n')
    .filter(Boolean);
  if (containers.length > 0) await docker(['rm', '-f', ...containers]);
  const networks = (await dockerOk(['network', 'ls', '-q', '--filter', `label=${label}`]))
    .split('\n')
    .filter(Boolean);
  if (networks.length > 0) await docker(['network', 'rm', ...networks]);
}

/**
 * The test range 10.213.0.0/16 and fd00:213::/32 is split so concurrent test files never
 * collide: tests get 10.213.0.0/17 in sixteen blocks of eight /24s (block b, index i ->
 * 10.213.(8b+i).0/24 and fd00:213:0:(8b+i)::/64); the benchmark owns 10.213.128.0/17.
 * Each test file takes its own block number: see test/support/blocks.ts.
 */
export function testSubnet(block: number, index: number): { v4: string; v6: string; v4Prefix: string } {
  if (block < 0 || block > 15 || index < 0 || index > 7) throw new Error(`no test subnet ${block}/${index}`);
  const third = block * 8 + index;
  return {
    v4: `10.213.${third}.0/24`,
    v6: `fd00:213:0:${third.toString(16)}::/64`,
    v4Prefix: `10.213.${third}`,
  };
}

/**
 * Part of another file's subnet block, for a file that needs few subnets (see
 * test/support/blocks.ts): subnets `first`, `first + 1`... of `block`, names with its own `id`.
 */
export interface SharedBlock {
  id: number;
  block: number;
  first: number;
}

/**
 * One test file's slice of the engine: a unique name prefix and the run label on everything it
 * makes, and a cleanup that removes all of it (call it from afterAll; it also runs on failure).
 */
export class EngineScope {
  readonly prefix: string;
  readonly label: string;
  /** The number in the scope's names: its block, or a shared slice's own id. */
  readonly block: number;
  private readonly subnets: { block: number; first: number };

  /** The engine, when not DOCKER_HOST's (the tests of several engines). */
  readonly host: string | undefined;

  constructor(
    readonly runId: string,
    slot: number | SharedBlock,
    options: {
      /** The engine, when not DOCKER_HOST's (the tests of several engines). */
      host?: string;
    } = {},
  ) {
    const { id, block, first } = typeof slot === 'number' ? { id: slot, block: slot, first: 0 } : slot;
    this.block = id;
    this.subnets = { block, first };
    this.host = options.host;
    this.prefix = `nft-${runId}-b${id}-`;
    this.label = `${RUN_LABEL}=${runId}`;
  }

  name(local: string): string {
    return `${this.prefix}${local}`;
  }

  subnet(index: number): { v4: string; v6: string; v4Prefix: string } {
    return testSubnet(this.subnets.block, this.subnets.first + index);
  }

  /** `docker network create` with the scope's label; returns the full name. */
  async createNetwork(local: string, args: string[] = []): Promise<string> {
    const name = this.name(local);
    await dockerOk(['network', 'create', '--label', this.label, ...args, name], this.host);
    return name;
  }

  /**
   * A container from TEST_IMAGE. `start: false` leaves it created-but-never-started, which
   * connect/disconnect also handle. Returns the full name.
   */
  async createContainer(
    local: string,
    options: { start?: boolean; network?: string; args?: string[] } = {},
  ): Promise<string> {
    const name = this.name(local);
    const args = ['--name', name, '--label', this.label, ...(options.args ?? [])];
    if (options.network) args.push('--network', options.network);
    await dockerOk(
      [
        options.start === false ? 'create' : 'run',
        ...(options.start === false ? [] : ['-d']),
        ...args,
        TEST_IMAGE,
      ],
      this.host,
    );
    return name;
  }

  /**
   * Removes this scope's containers, then its networks, then the lock leases of its projects:
   * those named with the scope's exact prefix
   * (the run label is shared by every file of a run, so it alone must not decide). Networks netform
   * created carry netform's labels rather than the test label, so names decide for networks.
   */
  async cleanup(): Promise<void> {
    const mine = (names: string[]): string[] => names.filter((name) => name.startsWith(this.prefix));
    const containers = mine(await containerNames(this.label, this.host));
    if (containers.length > 0) await docker(['rm', '-f', ...containers], this.host);
    const networks = mine(await networkNames(this.host));
    if (networks.length > 0) await docker(['network', 'rm', ...networks], this.host);
    // Lock leases a killed or failed run left behind for this scope's projects (named with its prefix).
    const leases = (await listNetworks(this.host, 'io.netform.lock'))
      .filter((network) => network.Labels?.['io.netform.lock']?.startsWith(this.prefix))
      .map((network) => network.Id);
    if (leases.length > 0) await docker(['network', 'rm', ...leases], this.host);
  }
}
