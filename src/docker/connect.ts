import type { Logger } from 'pino';
import { NetformError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';

export interface ConnectOptions {
  /** --host; falls back to env.DOCKER_HOST, then the local socket. */
  host?: string;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
}

// Placeholder: replaced by the Docker adapter.
export function connectDocker(_options: ConnectOptions): Promise<DockerPort> {
  return Promise.reject(new NetformError('the Docker adapter is not built yet'));
}
