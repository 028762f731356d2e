import type { Command } from 'commander';
import { observeScope } from '../../core/observe-scope.js';
import { planChanges } from '../../core/plan.js';
import type { DesiredState } from '../../model/desired.js';
import type { Plan } from '../../model/plan.js';
import type { CliContext } from '../context.js';
import { loadDesired } from '../load-desired.js';
import { addChangeSessionOptions, collect } from '../options.js';
import { runChangeSession } from './apply.js';

interface DestroyOptions {
  file?: string[];
  project?: string;
  autoApprove?: boolean;
  parallelism?: number;
  json?: boolean;
  lockTimeout: number;
}

/**
 * `netform destroy`: removes every network the project manages (endpoints disconnected first),
 * after showing the plan. It is the plan against an empty spec of the same project, so it can
 * only ever touch networks carrying both of netform's labels with this project.
 */
export function registerDestroy(program: Command, ctx: CliContext): void {
  const command = program
    .command('destroy')
    .description('remove every network this project manages (never anything unmanaged)')
    .option('-f, --file <file>', 'spec file naming the project (repeatable)', collect)
    .option('--project <name>', 'the project, instead of reading it from the spec');
  addChangeSessionOptions(command).action(async (options: DestroyOptions) => {
    const project = options.project ?? (await loadDesired(ctx, options.file)).project;
    const nothing: DesiredState = { project, networks: {}, containers: {} };
    await runChangeSession(ctx, {
      command: 'destroy',
      project,
      autoApprove: options.autoApprove === true,
      json: options.json === true,
      parallelism: options.parallelism,
      lockTimeoutMs: options.lockTimeout,
      makePlan: async (port) => ({
        plan: asDestroyPlan(planChanges(nothing, await port.observe(observeScope(nothing)))),
        desired: nothing,
      }),
    });
  });
}

/** A destroy plans against an empty spec; its removals say why in destroy's own words. */
function asDestroyPlan(plan: Plan): Plan {
  return {
    ...plan,
    actions: plan.actions.map((action) =>
      action.kind === 'remove'
        ? { ...action, reason: `managed by project ${plan.project}; destroy removes it` }
        : action,
    ),
  };
}
