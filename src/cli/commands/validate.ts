import { printable } from '../../core/printable.js';
import { Option, type Command } from 'commander';
import { desiredForEngine } from '../../core/engine-projection.js';
import type { DesiredState } from '../../model/desired.js';
import type { Diagnostic } from '../../model/diagnostic.js';
import type { EngineInfo } from '../../model/observed.js';
import type { ObserveOptions } from '../../model/port.js';
import {
  REPORTERS,
  specCounts,
  REPORT_FORMATS,
  type DiagnosticReport,
  type ReportFormat,
} from '../../render/diagnostics.js';
import { sortDiagnostics } from '../../spec/diagnose.js';
import { DEFAULT_SPEC_FILE, loadSpec } from '../../spec/index.js';
import { checkAgainstEngine } from '../../spec/online.js';
import type { CliContext } from '../context.js';
import { collect } from '../options.js';

interface ValidateOptions {
  file?: string[];
  offline?: boolean;
  format: ReportFormat;
  projectName?: string;
}

/**
 * `netform validate`: the spec checks (no engine needed with --offline), then, with an engine,
 * the checks against what exists there. A Compose file is read as Compose reads it, with this
 * process's environment (docs/compose.md). Exit 0 when there is no error, 1 otherwise.
 */
export function registerValidate(command: Command, ctx: CliContext): void {
  command
    .option(
      '-f, --file <file>',
      `spec or Compose file (repeatable; later files override earlier ones; default ${DEFAULT_SPEC_FILE})`,
      collect,
    )
    .option('--offline', 'do not contact the engine; check the spec alone')
    .option(
      '-p, --project-name <name>',
      'Compose project name, as docker compose -p (default: COMPOSE_PROJECT_NAME, then name:, then the directory)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .action(async (options: ValidateOptions) => {
      const { io } = ctx;
      const files = options.file ?? [DEFAULT_SPEC_FILE];
      // -p wins over COMPOSE_PROJECT_NAME in Compose, and is checked the same way.
      const env =
        options.projectName === undefined ? io.env : { ...io.env, COMPOSE_PROJECT_NAME: options.projectName };
      const loaded = await loadSpec(files, { cwd: io.cwd, env });
      let diagnostics: Diagnostic[] = loaded.ok ? loaded.warnings : [...loaded.errors, ...loaded.warnings];
      const report: DiagnosticReport = { valid: loaded.ok, files, diagnostics: [] };

      if (loaded.ok && options.offline !== true && loaded.spec.engines) {
        // Several engines: each checked against its own part of the spec (docs/spec.md#engines).
        const checked = await checkEachEngine(ctx, loaded.spec);
        report.engines = checked.map(({ name, host, engine }) => ({
          name,
          host,
          version: engine.version,
          apiVersion: engine.apiVersion,
        }));
        if (options.format !== 'json') {
          for (const { name, host, engine } of checked) {
            io.stdout(`engine ${name}: Docker ${engine.version} (API ${engine.apiVersion}) at ${host}\n`);
          }
        }
        diagnostics = [...diagnostics, ...checked.flatMap((c) => c.diagnostics)];
      } else if (loaded.ok && options.offline !== true) {
        const docker = await ctx.docker();
        const engine = await docker.engineInfo();
        const observed = await docker.observe(servicesRead(loaded.spec));
        report.engine = { host: docker.host, version: engine.version, apiVersion: engine.apiVersion };
        if (options.format !== 'json') {
          io.stdout(
            printable(`engine: Docker ${engine.version} (API ${engine.apiVersion}) at ${docker.host}`) + '\n',
          );
        }
        diagnostics = [...diagnostics, ...checkAgainstEngine(loaded.spec, { ...observed, engine })];
      }

      report.diagnostics = sortDiagnostics(diagnostics, files);
      report.valid = !report.diagnostics.some((d) => d.severity === 'error');
      if (loaded.ok) {
        report.spec = specCounts(loaded.spec);
      }
      io.stdout(REPORTERS[options.format](report, { color: ctx.globals().color }));
      ctx.setExitCode(report.valid ? 0 : 1);
    });
}

/**
 * The checks against each engine of a spec with engines:, concurrently; each diagnostic's message
 * names its engine. Connecting is all or nothing (connectEngines).
 */
async function checkEachEngine(
  ctx: CliContext,
  spec: DesiredState,
): Promise<{ name: string; host: string; engine: EngineInfo; diagnostics: Diagnostic[] }[]> {
  const { closeEngines, connectEngines } = await import('../../docker/connect-engines.js');
  const { host, context } = ctx.globals();
  const engines = await connectEngines(spec, {
    env: ctx.io.env,
    logger: await ctx.logger(),
    ...(host !== undefined ? { host } : {}),
    ...(context !== undefined ? { context } : {}),
  });
  try {
    // On a swarm, each node is checked against its part as the session plans it (docs/swarm.md).
    const { swarmPlanning } = await import('../../apply/swarm-fleet.js');
    const swarm = await swarmPlanning(spec, engines);
    return await Promise.all(
      [...engines].map(async ([name, port]) => {
        const { port: docker, desired } = await swarm.forEngine(name, port, desiredForEngine(spec, name));
        const engine = await docker.engineInfo();
        const observed = await docker.observe(servicesRead(desired));
        const diagnostics = checkAgainstEngine(desired, { ...observed, engine }).map((d) => ({
          ...d,
          message: `on engine ${name}: ${d.message}`,
        }));
        return { name, host: docker.host, engine, diagnostics };
      }),
    );
  } finally {
    await closeEngines(engines);
  }
}

/**
 * What validate observes: networks and containers without their details, and a manager's
 * services when the spec lists some (checked by checkAgainstEngine; docs/swarm.md).
 */
function servicesRead(spec: DesiredState): ObserveOptions {
  return { networks: [], containers: [], ...(spec.services !== undefined ? { services: true } : {}) };
}
