import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Modem, { type ConstructorOptions } from 'docker-modem';
import type { ConnectConfig } from 'ssh2';
import { EngineError } from '../model/errors.js';
import type { EngineAddress } from './address.js';
import { SshTunnel } from './ssh-tunnel.js';

/** Sockets per engine: enough for observe's parallel inspects, few enough not to flood dockerd. */
export const MAX_SOCKETS = 16;
/** Concurrent `docker system dial-stdio` channels on the one SSH connection. */
export const SSH_MAX_CHANNELS = 8;

export interface Transport {
  /**
   * dockerode's transport, used directly: importing dockerode itself also loads its gRPC and
   * protobuf code for BuildKit sessions (~150 ms on every command), which netform never uses.
   */
  modem: Modem;
  agent: HttpAgent;
  /** Work before the first request (the SSH login); rejects with why it failed. */
  open?: () => Promise<void>;
  /** Why the transport below HTTP failed last, when it knows better than the socket error. */
  lastError?: () => Error | undefined;
  /** Releases sockets; defaults to destroying the agent. */
  close?: () => void;
}

/**
 * A docker-modem client for `address` over a keep-alive agent. Every connection option is given
 * explicitly, because docker-modem otherwise fills gaps from process.env (DOCKER_HOST ...), which
 * would silently override --host.
 */
export function openTransport(address: EngineAddress, env: NodeJS.ProcessEnv): Transport {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS };
  // The agents without TLS: node's Agent otherwise works out a TLS server name for every new
  // connection (`calculateServerName`), and the first call compiles node's IPv6 address pattern
  // (net.isIP; ~20 ms of a short command's start). A plain socket never uses the name; a TLS
  // agent keeps node's own (the engine's host name, for SNI).
  const plainAgentOptions = { ...agentOptions, servername: '' };
  const common = { version: undefined, timeout: undefined, headers: { 'User-Agent': 'netform' } };
  switch (address.kind) {
    case 'unix': {
      const agent = new KeepAliveAgent(plainAgentOptions);
      const modem = modemFor({ ...common, socketPath: address.socketPath, host: undefined, agent });
      return { modem, agent };
    }
    case 'tcp': {
      const tls = address.tls;
      const agent = tls
        ? new KeepAliveTlsAgent({
            ...agentOptions,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: tls.verify,
          })
        : new KeepAliveAgent(plainAgentOptions);
      const modem = modemFor({
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
      return { modem, agent };
    }
    case 'ssh': {
      const tunnel = new SshTunnel(sshConfig(address, env), knownHosts(env));
      // OpenSSH allows 10 sessions per connection (MaxSessions): stay below.
      const agent = new KeepAliveAgent({
        ...plainAgentOptions,
        maxSockets: SSH_MAX_CHANNELS,
        maxFreeSockets: SSH_MAX_CHANNELS,
      });
      const modem = modemFor({ ...common, socketPath: tunnel.socketPath, host: undefined, agent });
      return {
        modem,
        agent,
        open: () => tunnel.open(),
        lastError: () => tunnel.lastError,
        close: () => {
          agent.destroy();
          tunnel.close();
        },
      };
    }
  }
}

/*
 * docker-modem formats every request's options with util.inspect (showHidden, unlimited depth)
 * for its debug log, even when that log is off; the options hold the agent, and inspecting a
 * keep-alive agent with 16 open sockets made 49 parallel inspects take 2.4 s instead of 20 ms.
 * These agents print as their name.
 */
class KeepAliveAgent extends HttpAgent {
  [inspect.custom](): string {
    return 'KeepAliveAgent';
  }
}

class KeepAliveTlsAgent extends HttpsAgent {
  [inspect.custom](): string {
    return 'KeepAliveTlsAgent';
  }
}

function modemFor(options: ConstructorOptions): Modem {
  try {
    return new Modem(options);
  } catch (error) {
    // docker-modem parses process.env.DOCKER_HOST (and reads DOCKER_CERT_PATH's files) even when
    // every option is given, and throws when they are broken.
    throw new EngineError(`cannot set up the Docker client: ${(error as Error).message}`, {
      hint: 'fix or unset DOCKER_HOST / DOCKER_CERT_PATH in the environment',
      cause: error,
    });
  }
}

function knownHosts(env: NodeJS.ProcessEnv): string {
  try {
    return readFileSync(join(env.HOME ?? homedir(), '.ssh', 'known_hosts'), 'utf8');
  } catch {
    return '';
  }
}

function sshConfig(
  address: Extract<EngineAddress, { kind: 'ssh' }>,
  env: NodeJS.ProcessEnv,
): ConnectConfig & { host: string; port: number } {
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
