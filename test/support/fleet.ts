import { fileURLToPath } from 'node:url';
import { DEFAULT_SOCKET } from '../../src/docker/address.js';
import { run, TEST_IMAGE } from './engine.js';

/**
 * The tests of several engines (test/engine/fleet*.test.ts) use DOCKER_HOST's engine and a
 * second one, named by this variable: start one with `bash scripts/engines.sh up NAME 28.5` and
 * export NETFORM_TEST_SECOND_DOCKER_HOST=$(bash scripts/engines.sh host NAME). Without it those
 * tests fail (they never skip); scripts/test.sh starts one.
 */
export const SECOND_HOST_VARIABLE = 'NETFORM_TEST_SECOND_DOCKER_HOST';

/** DOCKER_HOST's engine, the one the rest of the suite uses. */
export function firstEngineHost(): string {
  return process.env.DOCKER_HOST?.trim() || `unix://${DEFAULT_SOCKET}`;
}

export function secondEngineHost(): string {
  const host = process.env[SECOND_HOST_VARIABLE]?.trim();
  if (!host) {
    throw new Error(
      `${SECOND_HOST_VARIABLE} is not set: the tests of several engines need a second engine. Start one with ` +
        '`bash scripts/engines.sh up fleet2 28.5` and export ' +
        `${SECOND_HOST_VARIABLE}=$(bash scripts/engines.sh host fleet2)`,
    );
  }
  if (host === firstEngineHost()) {
    throw new Error(`${SECOND_HOST_VARIABLE} names DOCKER_HOST's engine; it must be another one`);
  }
  return host;
}

/** The test image on another engine than DOCKER_HOST's. */
export async function ensureTestImageOn(host: string): Promise<void> {
  const script = fileURLToPath(new URL('../../scripts/busybox-image.mjs', import.meta.url));
  const result = await run(process.execPath, [script, TEST_IMAGE], {
    env: { ...process.env, DOCKER_HOST: host },
  });
  if (result.code !== 0) throw new Error(`building ${TEST_IMAGE} on ${host} failed: ${result.stderr}`);
}
