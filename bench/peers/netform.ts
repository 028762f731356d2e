import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tail, timeChild, type ChildRun } from '../measure.js';
import type { Peer, PhaseJob, PhaseRun } from '../peer.js';
import type { BenchState, Scenario } from '../scenario.js';

/** The spec a user of netform would write for a state: networks with subnets, containers with aliases. */
export function renderSpec(scenario: Scenario, state: BenchState): string {
  const networks: Record<string, unknown> = {};
  for (const network of state.networks.values()) {
    // No labels: netform refuses user labels under io.netform. (NF047); its own project label
    // `nfb-<run>` marks the run's networks.
    networks[network.name] = { subnet: network.subnet };
  }
  const containers: Record<string, unknown> = {};
  for (const [container, attachments] of state.attachments) {
    const nets: Record<string, unknown> = {};
    for (const [network, aliases] of attachments) nets[network] = { aliases };
    containers[container] = { networks: nets };
  }
  return stringify({ version: 1, project: scenario.project, networks, containers });
}

/** Where the run's frozen copy of netform lives: dist/ (the CLI bundle and the library), schemas/ and package.json beside node_modules. */
export interface NetformInstall {
  bin: string;
  dist: string;
}

/**
 * Copies the built netform (the package's `files`: dist/ with the CLI bundle, schemas/, and package.json) into the run's directory, so that other
 * engineers rebuilding dist/ during a long run never change the program being measured. The copy
 * sits under the repository, so node still resolves its dependencies from node_modules.
 */
export async function snapshotNetform(repo: string, into: string): Promise<NetformInstall | undefined> {
  const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
    files?: string[];
    bin: { netform: string };
  };
  if (!existsSync(join(repo, manifest.bin.netform))) return undefined;
  await mkdir(into, { recursive: true });
  for (const part of [...(manifest.files ?? ['dist']), 'package.json']) {
    await cp(join(repo, part), join(into, part), { recursive: true });
  }
  return { bin: join(into, manifest.bin.netform), dist: join(into, 'dist') };
}

/** Runs the frozen netform CLI under GNU time, through `socketPath`. */
export function runNetform(
  install: NetformInstall,
  args: string[],
  options: { socketPath: string; workDir: string; nodeArgs?: string[]; bin?: string },
): Promise<ChildRun> {
  return timeChild(process.execPath, [...(options.nodeArgs ?? []), options.bin ?? install.bin, ...args], {
    env: { ...process.env, DOCKER_HOST: `unix://${options.socketPath}`, NO_COLOR: '1' },
    cwd: options.workDir,
    timeFile: join(options.workDir, 'netform.time'),
  });
}

const NOT_BUILT = /is not built yet/;

/**
 * netform as a user runs it: `apply --auto-approve` for cold and delta, `plan --detailed-exitcode`
 * for the no-op (exit 0 expected on a converged engine), `destroy --auto-approve`. A command that
 * still answers "not built yet" is reported as unsupported, not timed.
 */
export function netformPeer(
  install: NetformInstall | undefined,
  options: {
    profileDir?: string;
    /** Run the tsc-built CLI (dist/cli/bin.js) instead of the bundle: its profile names functions. */
    unbundled?: boolean;
  } = {},
): Peer {
  return {
    id: 'netform',
    title: 'netform',
    floor: false,
    unavailable: () =>
      Promise.resolve(
        install ? undefined : 'netform is not built: run `npm run build` (dist/netform.js is missing)',
      ),
    async run(job: PhaseJob): Promise<PhaseRun> {
      if (!install) return { wallMs: Number.NaN, unsupported: 'not built' };
      const spec = join(job.workDir, `netform-${job.phase}.yaml`);
      await writeFile(spec, renderSpec(job.scenario, job.phase === 'destroy' ? job.from : job.to));
      const args =
        job.phase === 'noop'
          ? ['plan', '-f', spec, '--detailed-exitcode']
          : job.phase === 'destroy'
            ? ['destroy', '-f', spec, '--auto-approve']
            : ['apply', '-f', spec, '--auto-approve'];
      const nodeArgs = options.profileDir
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${options.profileDir}`,
            `--cpu-prof-name=${job.phase}-${Date.now()}.cpuprofile`,
          ]
        : [];
      const result = await runNetform(install, args, {
        socketPath: job.socketPath,
        workDir: job.workDir,
        nodeArgs,
        bin: options.unbundled ? join(install.dist, 'cli', 'bin.js') : undefined,
      });
      const measured = { wallMs: result.wallMs, maxRssKb: result.maxRssKb, cpuMs: result.cpuMs };
      if (result.code !== 0 && NOT_BUILT.test(result.stderr)) {
        return { wallMs: Number.NaN, unsupported: tail(result.stderr, 1) };
      }
      if (job.phase === 'noop' && result.code === 2) {
        return { ...measured, error: `plan found changes on a converged engine:\n${tail(result.stdout, 8)}` };
      }
      return {
        ...measured,
        error: result.code === 0 ? undefined : `exit ${result.code}: ${tail(result.stderr)}`,
      };
    },
  };
}
