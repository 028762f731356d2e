import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectConfig, Client as SshClient } from 'ssh2';
import { checkKnownHost } from './known-hosts.js';

/**
 * The engine behind `ssh://`: one SSH connection, and a private local unix socket whose every
 * connection is relayed through its own `docker system dial-stdio` channel, as the docker CLI's
 * ssh helper does. HTTP then runs over ordinary sockets with an ordinary keep-alive agent (an
 * agent handing Node's HTTP client the SSH channels themselves stalled under parallel load), and
 * parallel requests are channels of one SSH session instead of one SSH login each (docker-modem's
 * own ssh support). ssh2's pure-JavaScript crypto is used; its optional native build is not needed.
 */
export class SshTunnel {
  /** The local socket to send HTTP to; inside a fresh 0700 directory. */
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private ready: Promise<SshClient> | undefined;
  private client: SshClient | undefined;
  /** Why the SSH side failed last, for the error an HTTP request then sees. */
  lastError: Error | undefined;

  /**
   * `knownHosts` is the text of ~/.ssh/known_hosts: the engine host's key must be listed there,
   * as OpenSSH (which the docker CLI uses) requires, so a man in the middle is refused.
   */
  constructor(
    private readonly config: ConnectConfig & { host: string; port: number },
    private readonly knownHosts: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'netform-ssh-'));
    this.socketPath = join(this.dir, 'engine.sock');
    this.server = createServer((local) => this.relay(local));
  }

  /** Listens locally and logs in over SSH; rejects with the SSH failure (host key, auth, network). */
  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject).listen(this.socketPath, () => resolve());
    });
    this.server.unref();
    await this.connection();
  }

  private connection(): Promise<SshClient> {
    // ssh2 is loaded only for an ssh:// engine (docs/architecture.md, "Start-up").
    this.ready ??= import('ssh2').then(({ default: ssh2 }) => this.login(new ssh2.Client()));
    return this.ready;
  }

  private login(client: SshClient): Promise<SshClient> {
    return new Promise<SshClient>((resolve, reject) => {
      let hostKeyProblem: string | undefined;
      client
        .once('ready', () => {
          this.lastError = undefined;
          resolve(client);
        })
        .on('error', (error) => {
          this.ready = undefined;
          this.lastError = hostKeyProblem
            ? Object.assign(new Error(hostKeyProblem), { code: 'EHOSTKEY' })
            : error;
          reject(this.lastError);
        })
        .once('close', () => {
          this.ready = undefined;
          this.client = undefined;
        })
        .connect({
          ...this.config,
          hostVerifier: (key: Buffer) => {
            hostKeyProblem = this.hostKeyProblem(key);
            return hostKeyProblem === undefined;
          },
        });
      this.client = client;
    });
  }

  private hostKeyProblem(key: Buffer): string | undefined {
    const { host, port } = this.config;
    const verdict = checkKnownHost(this.knownHosts, host, port, key);
    if (verdict === 'match') return undefined;
    const where = port === 22 ? host : `[${host}]:${port}`;
    return verdict === 'mismatch'
      ? `the host key of ${where} differs from the one in ~/.ssh/known_hosts (possible man in the middle)`
      : `${where} is not in ~/.ssh/known_hosts (connect once with \`ssh\` to check and add its key)`;
  }

  private relay(local: Socket): void {
    this.sockets.add(local);
    local.once('close', () => this.sockets.delete(local));
    local.on('error', () => local.destroy());
    this.connection()
      .then((client) =>
        client.exec('docker system dial-stdio', (error, channel) => {
          if (error) {
            this.lastError = error;
            local.destroy();
            return;
          }
          local.pipe(channel).pipe(local);
          channel.on('error', () => local.destroy());
          channel.once('close', () => local.destroy());
          local.once('close', () => channel.destroy());
        }),
      )
      .catch(() => local.destroy());
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    this.client?.end();
    this.client = undefined;
    this.ready = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
