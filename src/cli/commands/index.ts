import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** Adds a command's arguments, options and action to its (already named and described) Command. */
export type RegisterCommand = (command: Command, ctx: CliContext) => void;

/** One command: what `netform --help` lists for it, and how to load the rest. */
export interface CommandEntry {
  name: string;
  /** The command's line in `netform --help`, as commander writes it for the loaded command. */
  term: string;
  summary: string;
  load: () => Promise<RegisterCommand>;
}

/**
 * Every command, in `--help` order. Only the command being run is loaded (src/cli/main.ts), so
 * `netform --version` and `--help` evaluate none of the pipeline; `term` is checked against the
 * loaded command by test/unit/cli/commands.test.ts.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    term: 'validate [options]',
    summary:
      'check the spec or a Compose file: schema, addresses, names, references; and against the engine unless --offline',
    load: async () => (await import('./validate.js')).registerValidate,
  },
  {
    name: 'plan',
    term: 'plan [options]',
    summary: 'show what apply would change to make the engine match the spec',
    load: async () => (await import('./plan.js')).registerPlan,
  },
  {
    name: 'apply',
    term: 'apply [options] [planfile]',
    summary:
      'make the engine match the spec (or carry out a saved plan): show the plan, ask, execute, verify',
    load: async () => (await import('./apply.js')).registerApply,
  },
  {
    name: 'export',
    term: 'export [options]',
    summary: "write the live engine's networks and their attachments as a spec (YAML on stdout)",
    load: async () => (await import('./export.js')).registerExport,
  },
  {
    name: 'destroy',
    term: 'destroy [options]',
    summary: 'remove every network this project manages (never anything unmanaged)',
    load: async () => (await import('./destroy.js')).registerDestroy,
  },
  {
    name: 'unlock',
    term: 'unlock [options]',
    summary: "break the project's lock left on the engine by a run that was killed",
    load: async () => (await import('./unlock.js')).registerUnlock,
  },
  {
    name: 'watch',
    term: 'watch [options]',
    summary:
      'keep the engine matching the spec: reconcile at start, on engine events, when a spec file changes and every interval',
    load: async () => (await import('./watch.js')).registerWatch,
  },
];
