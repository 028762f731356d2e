import type { Logger } from 'pino';
import type { DockerPort } from '../model/port.js';

/** Options every command accepts (PRODUCT.md §3, "Global options"). */
export interface GlobalOptions {
  /**
   * --host, else DOCKER_HOST, else the docker context, else the local socket (resolved in
   * src/docker/address.ts, as the docker CLI does).
   */
  host?: string;
  /** --context: a docker context; conflicts with --host. */
  context?: string;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  /** False with --no-color, NO_COLOR, or when stdout is not a terminal. */
  color: boolean;
  /** --debug: print stacks for known errors too. */
  debug: boolean;
}

/** The process boundary. Only src/cli touches process; everything below receives this. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Asks a yes/no question on the terminal (Ctrl-C answers no, and so does aborting `signal`);
   * only called when stdinIsTTY.
   */
  confirm: (question: string, signal?: AbortSignal) => Promise<boolean>;
}

/** What a command's action receives. */
export interface CliContext {
  io: CliIO;
  globals(): GlobalOptions;
  logger(): Promise<Logger>;
  /** The engine connection, opened on first use and closed by main() when the command ends. */
  docker(): Promise<DockerPort>;
  setExitCode(code: number): void;
}
