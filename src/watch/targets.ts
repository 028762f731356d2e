import type { Logger } from 'pino';
import { engineNames, SINGLE_ENGINE } from '../core/engine-projection.js';
import { resolveEngineAddress } from '../docker/address.js';
import { connectEngines } from '../docker/connect-engines.js';
import { connectDocker } from '../docker/connect.js';
import type { DesiredState } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';

/** One engine watch follows: its name in logs and metrics, and how a session with it is opened. */
export interface WatchTarget {
  name: string;
  /**
   * What reaches it (its `engines:` entry, or the one engine of a spec without `engines:`): a
   * changed spec whose targets have other names or keys gets new engine links.
   */
  key: string;
  connect: () => Promise<DockerPort>;
}

export interface TargetOptions {
  host?: string;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** A spec without `engines:`: opens a session with its one engine. */
  connect?: () => Promise<DockerPort>;
  /** A spec with `engines:`: opens a session with the engine the spec names so. */
  connectEngine?: (engine: string) => Promise<DockerPort>;
  /** A spec without `engines:`: its engine's name in logs and metrics. */
  engine?: string;
}

/**
 * The engines a watch of `spec` follows (docs/watch.md, "Several engines"): for a spec without
 * `engines:`, one, reached as every command reaches it (`host`, DOCKER_HOST, the local socket)
 * and named by its address; for a spec with `engines:`, each engine it names, reached as its
 * entry says (connectEngines, as `plan` and `apply` reach them) and named as the spec names it.
 * Throws a NetformError for options that cannot reach a spec with `engines:`.
 */
export function watchTargets(spec: DesiredState, options: TargetOptions): WatchTarget[] {
  const logger = options.logger ? { logger: options.logger } : {};
  if (!spec.engines) {
    const connect = options.connect;
    const name =
      options.engine ?? (connect ? SINGLE_ENGINE : resolveEngineAddress(options.host, options.env).display);
    return [
      {
        name,
        key: `single ${name}`,
        connect: connect ?? (() => connectDocker({ host: options.host, env: options.env, ...logger })),
      },
    ];
  }
  if (options.host !== undefined) {
    throw new NetformError('--host names one engine, but this spec names its engines', {
      hint: "the spec's engines: say how each is reached; run watch without --host",
    });
  }
  if (options.connect && !options.connectEngine) {
    throw new NetformError(
      `the spec names engines (${engineNames(spec).join(', ')}), but watch was given one engine's connect()`,
      {
        hint: 'give connectEngine(name) for a spec with engines:, or neither, to reach them as the spec says',
      },
    );
  }
  return engineNames(spec).map((name) => ({
    name,
    key: `engine ${name} ${JSON.stringify(spec.engines![name])}`,
    connect: options.connectEngine
      ? () => options.connectEngine!(name)
      : async () => {
          const ports = await connectEngines(spec, { env: options.env, only: [name], ...logger });
          return ports.get(name)!;
        },
  }));
}
