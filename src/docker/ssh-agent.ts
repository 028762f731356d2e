import { Agent, type AgentOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ConnectConfig, Client as SshClient } from 'ssh2';

/**
 * An HTTP agent that tunnels each socket through `docker system dial-stdio` on one shared SSH
 * connection, so parallel requests are channels of a single session instead of a new SSH login
 * per request (which docker-modem's own ssh support does). Keep-alive as any other agent.
 * Uses ssh2's pure-JavaScript crypto; its optional native build is not needed.
 */
export class SshDialAgent extends Agent {
  private client: SshClient | undefined;
  private ready: Promise<SshClient> | undefined;

  constructor(
    private readonly config: ConnectConfig,
    options: AgentOptions,
  ) {
    super(options);
  }

  private connection(): Promise<SshClient> {
    this.ready ??= new Promise<SshClient>((resolve, reject) => {
      const client = new ssh2.Client();
      client
        .once('ready', () => resolve(client))
        .once('error', (error) => {
          this.ready = undefined;
          reject(error);
        })
        .once('close', () => {
          this.ready = undefined;
          this.client = undefined;
        })
        .connect(this.config);
      this.client = client;
    });
    return this.ready;
  }

  override createConnection(
    _options: unknown,
    callback: (error: Error | null, socket?: Duplex) => void,
  ): undefined {
    this.connection()
      .then((client) =>
        client.exec('docker system dial-stdio', (error, channel) => {
          if (error) callback(error);
          else callback(null, asSocket(channel));
        }),
      )
      .catch((error: Error) => callback(error));
    return undefined;
  }

  // An SSH channel is not a net.Socket: keep-alive bookkeeping that would ref/unref a TCP socket
  // has nothing to do here.
  override keepSocketAlive(): boolean {
    return true;
  }

  override reuseSocket(): void {}

  override destroy(): void {
    super.destroy();
    this.client?.end();
    this.client = undefined;
    this.ready = undefined;
  }
}

/** Gives an SSH channel the few net.Socket methods Node's HTTP client calls on its socket. */
function asSocket(channel: Duplex): Duplex {
  const socket = channel as Duplex & Record<string, unknown>;
  for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
    if (typeof socket[method] !== 'function') socket[method] = () => socket;
  }
  return socket;
}
