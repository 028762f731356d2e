import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { docker, ensureTestImage, removeLabelled, run, RUN_LABEL } from './engine.js';
import { SECOND_HOST_VARIABLE } from './fleet.js';
import { registerRun, sweepLeftovers } from './leftovers.js';
import { SWARM } from './swarm.js';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
  }
}

/**
 * Runs once before the engine tests. A missing engine fails the whole suite with a message
 * saying what to do: it never turns into skipped tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const version = await docker(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}']);
  if (version.code !== 0) {
    throw new Error(
      `No Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset, so the local socket'}): ` +
        `${version.stderr.trim().split('\n').pop() ?? ''}\n` +
        'The engine tests need one. Run `bash scripts/ensure-docker.sh` (it installs and starts docker.io ' +
        'on Debian as root), or point DOCKER_HOST at a running engine.',
    );
  }
  // The engine tests run the real CLI, the bundle dist/netform.js: build it from the current
  // sources as `npm run build` does (tsc, then scripts/bundle.mjs), unless scripts/test.sh built
  // it once already for every engine it runs the suite against (several runs building into one
  // dist/ at once would trip over each other; it stops on a failed build itself).
  if (process.env.NETFORM_TEST_BUILT !== '1') {
    for (const [step, args] of [
      ['tsc', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']],
      ['esbuild', ['scripts/bundle.mjs']],
    ] as const) {
      const build = await run(process.execPath, [...args]);
      // A failed build leaves dist/ as it was: the tests would run yesterday's CLI and prove nothing.
      if (build.code !== 0) {
        throw new Error(
          `${step} could not build dist/ from the current sources, so the engine tests would run a stale CLI:\n` +
            `${build.stdout}${build.stderr}\nFix these errors (npm run build) and run again.`,
        );
      }
    }
  }
  await ensureTestImage();
  const runId = `r${randomBytes(3).toString('hex')}`;
  project.provide('runId', runId);
  const unregister = registerRun(runId);
  // What killed runs left on the engines this run may use (test/support/leftovers.ts): their
  // networks would overlap this run's subnets. What live runs made is left alone. Best effort: if
  // the sweep itself fails, the run goes on and says so (a leftover then fails its test by name).
  const second = process.env[SECOND_HOST_VARIABLE];
  try {
    const swept = await sweepLeftovers([
      { name: process.env.DOCKER_HOST ?? 'the local socket', host: undefined },
      ...(second ? [{ name: second, host: second }] : []),
      { name: `the swarm's manager (${SWARM.manager.host})`, host: SWARM.manager.host },
      { name: `the swarm's worker (${SWARM.worker.host})`, host: SWARM.worker.host },
    ]);
    for (const line of swept) console.log(`[setup] removed what killed test runs left on ${line}`);
  } catch (error) {
    console.log(`[setup] could not remove what killed test runs left: ${String(error)}`);
  }
  return async () => {
    // Every test file cleans up after itself; this catches what a crashed worker left behind.
    await removeLabelled(`${RUN_LABEL}=${runId}`);
    unregister();
  };
}
