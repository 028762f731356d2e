import { execFile } from 'node:child_process';
import { ensureBusyboxImage } from '../../scripts/busybox-image.mjs';

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

export async function dockerInspect<T = unknown>(
  kind: 'network' | 'container',
  name: string,
  host?: string,
): Promise<T> {
  const out = await dockerOk([kind, 'inspect', name], host);
  const parsed = JSON.parse(out) as T[];
  if (parsed.length !== 1) throw new Error(`docker ${kind} inspect ${name}: expected one result`);
  return parsed[0] as T;
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
    const listed = async (args: string[]): Promise<string[]> =>
      (await docker(args, this.host)).stdout.split('\n').filter((name) => name.startsWith(this.prefix));
    const containers = await listed([
      'ps',
      '-a',
      '--filter',
      `label=${this.label}`,
      '--format',
      '{{.Names}}',
    ]);
    if (containers.length > 0) await docker(['rm', '-f', ...containers], this.host);
    const networks = await listed(['network', 'ls', '--format', '{{.Name}}']);
    if (networks.length > 0) await docker(['network', 'rm', ...networks], this.host);
    // Lock leases a killed or failed run left behind for this scope's projects (named with its prefix).
    const leases = (
      await docker(
        [
          'network',
          'ls',
          '--filter',
          'label=io.netform.lock',
          '--format',
          '{{.ID}} {{.Label "io.netform.lock"}}',
        ],
        this.host,
      )
    ).stdout
      .split('\n')
      .filter((line) => line.split(' ')[1]?.startsWith(this.prefix))
      .map((line) => line.split(' ')[0] ?? '');
    if (leases.length > 0) await docker(['network', 'rm', ...leases], this.host);
  }
}
