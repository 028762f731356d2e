import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { ConstructorOptions } from 'docker-modem';
import type { ConnectConfig } from 'ssh2';
import type { EngineAddress } from './address.js';
import { SshDialAgent } from './ssh-agent.js';

/** Sockets per engine: enough for observe's parallel inspects, few enough not to flood dockerd. */
export const MAX_SOCKETS = 16;

export interface Transport {
  docker: Docker;
  agent: HttpAgent;
}

/**
 * A dockerode client for `address` over a keep-alive agent. Every connection option is given
 * explicitly, because docker-modem otherwise fills gaps from process.env (DOCKER_HOST ...), which
 * would silently override --host.
 */
export function openTransport(address: EngineAddress, env: NodeJS.ProcessEnv): Transport {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS };
  const common = { version: undefined, timeout: undefined, headers: { 'User-Agent': 'netform' } };
  switch (address.kind) {
    case 'unix': {
      const agent = new HttpAgent(agentOptions);
      const docker = dockerFor({ ...common, socketPath: address.socketPath, host: undefined, agent });
      return { docker, agent };
    }
    case 'tcp': {
      const tls = address.tls;
      const agent = tls
        ? new HttpsAgent({
            ...agentOptions,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: tls.verify,
          })
        : new HttpAgent(agentOptions);
      const docker = dockerFor({
        ...common,
        host: address.hostname,
        port: address.port,
        protocol: tls ? 'https' : 'http',
        socketPath: undefined,
        ca: tls?.ca,
        cert: tls?.cert,
        key: tls?.key,
        agent,
      });
      return { docker, agent };
    }
    case 'ssh': {
      const agent = new SshDialAgent(sshConfig(address, env), agentOptions);
      // The agent carries the bytes; host and port only make a well-formed request URL.
      const docker = dockerFor({
        ...common,
        host: 'localhost',
        port: 80,
        protocol: 'http',
        socketPath: undefined,
        agent,
      });
      return { docker, agent };
    }
  }
}

/** dockerode's own option type lacks `agent`, which docker-modem takes. */
function dockerFor(options: ConstructorOptions): Docker {
  return new Docker(options as Docker.DockerOptions);
}

function sshConfig(address: Extract<EngineAddress, { kind: 'ssh' }>, env: NodeJS.ProcessEnv): ConnectConfig {
  const home = env.HOME ?? homedir();
  const privateKey = ['id_ed25519', 'id_ecdsa', 'id_rsa']
    .map((file) => join(home, '.ssh', file))
    .find((file) => existsSync(file));
  return {
    host: address.hostname,
    port: address.port,
    username: address.username ?? env.USER ?? env.LOGNAME ?? 'root',
    agent: env.SSH_AUTH_SOCK || undefined,
    privateKey: privateKey ? readFileSync(privateKey) : undefined,
    readyTimeout: 20_000,
    keepaliveInterval: 15_000,
  };
}
