import { diffArrays } from 'diff';
import pc from 'picocolors';
import { canonicalJson } from '../core/canonical-json.js';
import { formatValue as formatRaw } from '../core/describe.js';
import { printable } from '../core/printable.js';
import { ENDPOINT_SPEC_KEYS, endpointInSpecForm, poolInSpecForm, sortedRecord } from '../core/spec-form.js';
import type { DesiredNetwork, EndpointSettings } from '../model/desired.js';
import { isDefaultIpamDriver } from '../model/docker-rules.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { formatDiagnostic } from './diagnostics.js';
import type {
  Action,
  ConnectAction,
  CreateNetworkAction,
  DisconnectAction,
  FieldChange,
  Plan,
  PlanSummary,
  ReconnectAction,
  RemoveNetworkAction,
  ReplaceNetworkAction,
  ServiceNetworkState,
  ServiceUpdateAction,
} from '../model/plan.js';

export interface PlanTextOptions {
  /** ANSI colour (picocolors); the caller decides (terminal, --no-color, NO_COLOR). */
  color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

/** A value as plan text shows it, with control characters escaped (src/core/printable.ts). */
const formatValue = (value: unknown): string => printable(formatRaw(value));
/** Names, reasons and notes as plan text shows them. */
const p = printable;

/**
 * The plan for people, in Terraform's manner: `+` create, `-` remove, `-/+` replace (with the
 * fields that force it), `~` connect/disconnect/reconnect, then notes, diagnostics and a summary
 * line. Rendered from the same Plan object `--json` prints.
 */
export function renderPlanText(plan: Plan, options: PlanTextOptions): string {
  const c = pc.createColors(options.color);
  const lines: string[] = [];
  if (plan.actions.length > 0) {
    lines.push(`netform will perform these actions for project ${p(plan.project)}:`, '');
    for (const action of plan.actions) lines.push(...renderAction(action, c), '');
  }
  if (plan.notes.length > 0) {
    lines.push('Notes:');
    for (const note of plan.notes) lines.push(`  ${c.dim('•')} ${p(note.message)}`);
    lines.push('');
  }
  const warnings = plan.diagnostics.filter((d) => d.severity === 'warning');
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (warnings.length > 0) {
    lines.push('Warnings:');
    for (const d of warnings) lines.push(...renderDiagnostic(d, options.color));
    lines.push('');
  }
  if (errors.length > 0) {
    lines.push('Errors:');
    for (const d of errors) lines.push(...renderDiagnostic(d, options.color));
    lines.push('');
  }
  // With errors and nothing to do, a line of zero counts says nothing: the error line says it all.
  if (errors.length === 0 || plan.actions.length > 0) lines.push(renderSummary(plan, c));
  if (errors.length > 0) {
    lines.push(
      c.red(`The plan has ${errors.length} error${errors.length === 1 ? '' : 's'}: apply will not run it.`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderSummary(plan: Plan, c: Colors = pc.createColors(false)): string {
  const s = plan.summary;
  if (plan.actions.length === 0 && !plan.diagnostics.some((d) => d.severity === 'error')) {
    return c.bold('No changes. The engine matches the spec.');
  }
  return c.bold(
    `Plan: ${s.create} to create, ${s.replace} to replace, ${s.remove} to remove; ` +
      `${s.connect} to connect, ${s.disconnect} to disconnect, ${s.reconnect} to reconnect` +
      serviceCount(s) +
      '.',
  );
}

/** `; N services to update`, only when the plan updates services (docs/swarm.md). */
export function serviceCount(s: PlanSummary): string {
  const n = s['service-update'] ?? 0;
  return n === 0 ? '' : `; ${n} service${n === 1 ? '' : 's'} to update`;
}

/** `~ update service web (2 tasks restart)`, then one line per network change. */
function renderServiceUpdate(action: ServiceUpdateAction, c: Colors): string[] {
  const restart =
    action.tasksRestarting !== undefined
      ? `${action.tasksRestarting} task${action.tasksRestarting === 1 ? '' : 's'} restart`
      : 'its tasks restart';
  const lines = [
    `${c.yellow('~')} update service ${c.bold(p(action.service))} (${restart}, one rolling update${action.stack !== undefined ? `; stack ${p(action.stack)}` : ''})`,
  ];
  for (const change of action.changes) {
    if (change.kind === 'add') {
      const settings = describeServiceEndpoint(change.after);
      lines.push(`      ${c.green('+')} ${p(change.network)}${settings ? ` (${settings})` : ''}`);
    } else if (change.kind === 'remove') {
      lines.push(`      ${c.red('-')} ${p(change.network)}`);
    } else {
      const what = change.changes
        .map((f) => `${f.path} ${formatValue(f.before)} → ${formatValue(f.after)}`)
        .join(', ');
      lines.push(`      ${c.yellow('~')} ${p(change.network)}: ${what}`);
    }
  }
  return lines;
}

function describeServiceEndpoint(state: ServiceNetworkState): string {
  const parts: string[] = [];
  if (state.aliases.length > 0) parts.push(`aliases ${formatValue(state.aliases)}`);
  if (Object.keys(state.driverOpts).length > 0)
    parts.push(`driver_opts ${formatValue(sortedRecord(state.driverOpts))}`);
  return parts.join(', ');
}

/** A diagnostic as validate prints it (src/render/diagnostics.ts), indented under its heading. */
function renderDiagnostic(d: Diagnostic, color: boolean): string[] {
  return formatDiagnostic(d, color)
    .split('\n')
    .map((line, index) => (index === 0 ? `  ${line}` : `    ${line}`));
}

/** One action's lines: the head with its symbol (`+`, `-`, `-/+`, `~`), then indented details. */
export function renderAction(action: Action, c: Colors = pc.createColors(false)): string[] {
  switch (action.kind) {
    case 'create':
      return renderCreate(action, c);
    case 'replace':
      return renderReplace(action, c);
    case 'remove':
      return renderRemove(action, c);
    case 'connect':
      return renderConnect(action, c);
    case 'disconnect':
      return renderDisconnect(action, c);
    case 'reconnect':
      return renderReconnect(action, c);
    case 'service-update':
      return renderServiceUpdate(action, c);
  }
}

/** A network's settings worth showing: what differs from `docker network create NAME`. */
function describeNetwork(network: DesiredNetwork): string[] {
  const lines = [`driver: ${p(network.driver)}`];
  if (network.scope !== undefined) lines.push(`scope: ${p(network.scope)}`);
  if (network.configOnly === true) lines.push('config_only: true');
  if (network.configFrom !== undefined) lines.push(`config_from: ${p(network.configFrom)}`);
  if (network.attachable) lines.push('attachable: true');
  if (network.internal) lines.push('internal: true');
  if (!network.enableIPv4) lines.push('enable_ipv4: false');
  if (network.enableIPv6) lines.push('enable_ipv6: true');
  if (network.ingress) lines.push('ingress: true');
  if (network.exclusive) lines.push('exclusive: true');
  if (!isDefaultIpamDriver(network.ipam.driver)) lines.push(`ipam.driver: ${p(network.ipam.driver)}`);
  if (Object.keys(network.ipam.options).length > 0)
    lines.push(`ipam.options: ${formatValue(sortedRecord(network.ipam.options))}`);
  for (const pool of network.ipam.config) lines.push(`ipam.config: ${formatValue(poolInSpecForm(pool))}`);
  if (Object.keys(network.labels).length > 0)
    lines.push(`labels: ${formatValue(sortedRecord(network.labels))}`);
  if (Object.keys(network.driverOpts).length > 0)
    lines.push(`driver_opts: ${formatValue(sortedRecord(network.driverOpts))}`);
  return lines;
}

function renderCreate(action: CreateNetworkAction, c: Colors): string[] {
  return [
    `${c.green('+')} create network ${c.bold(p(action.network))}`,
    ...describeNetwork(action.after).map((line) => `      ${c.green(line)}`),
  ];
}

/** One endpoint's settings on one line: `aliases [a, b], ipv4_address 10.0.0.5`; empty when it has none. */
export function describeEndpoint(settings: EndpointSettings): string {
  const form = endpointInSpecForm(settings);
  return Object.entries(form)
    .map(([key, value]) => `${key} ${formatValue(value)}`)
    .join(', ');
}

/** `who` or `who: settings`, so an endpoint without aliases or addresses reads as just its name. */
const withSettings = (who: string, settings: string): string =>
  settings === '' ? who : `${who}: ${settings}`;

/**
 * An endpoint carried across a replace, field by field: unchanged fields as they are, changed
 * ones `old → new` (`aliases [www], ipv4_address 10.1.0.10 → 10.9.0.10`).
 */
function describeEndpointChange(before: EndpointSettings, after: EndpointSettings, c: Colors): string {
  const old = endpointInSpecForm(before);
  const next = endpointInSpecForm(after);
  return ENDPOINT_SPEC_KEYS.filter((key) => key in old || key in next)
    .map((key) =>
      canonicalJson(old[key]) === canonicalJson(next[key])
        ? `${key} ${formatValue(old[key])}`
        : `${key} ${c.red(formatValue(old[key]))} → ${c.green(formatValue(next[key]))}`,
    )
    .join(', ');
}

/** A value on one line, or (maps and lists) one line per member so the diff package can mark them. */
function linesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(formatValue);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${p(k)}: ${formatValue(v)}`);
  }
  return [formatValue(value)];
}

const isCompound = (value: unknown): boolean => value !== null && typeof value === 'object';

/** `path: old → new`, or for maps and lists a line diff of their members. */
export function renderFieldChange(change: FieldChange, c: Colors, indent: string): string[] {
  if (!isCompound(change.before) && !isCompound(change.after)) {
    return [
      `${indent}${c.yellow('~')} ${p(change.path)}: ${c.red(formatValue(change.before))} → ${c.green(formatValue(change.after))}`,
    ];
  }
  const lines = [`${indent}${c.yellow('~')} ${p(change.path)}:`];
  const before = change.before === null ? [] : linesOf(change.before);
  const after = change.after === null ? [] : linesOf(change.after);
  for (const part of diffArrays(before, after)) {
    for (const value of part.value) {
      if (part.added) lines.push(`${indent}    ${c.green(`+ ${value}`)}`);
      else if (part.removed) lines.push(`${indent}    ${c.red(`- ${value}`)}`);
      else lines.push(`${indent}      ${c.dim(value)}`);
    }
  }
  return lines;
}

function renderReplace(action: ReplaceNetworkAction, c: Colors): string[] {
  const forced = p(action.forcedBy.map((f) => f.path).join(', '));
  const why = `${action.adopt ? '--adopt; ' : ''}forced by ${forced}`;
  const head = `${c.red('-')}/${c.green('+')} replace network ${c.bold(p(action.network))} (${why})`;
  const lines = [head];
  for (const change of action.forcedBy) lines.push(...renderFieldChange(change, c, '      '));
  if (action.configOnly !== undefined && action.configOnly.length > 0) {
    lines.push(
      '      config-only networks (replaced on their engines after the swarm network is removed, before it is made again):',
    );
    for (const replace of action.configOnly) {
      const where = replace.engine !== undefined ? ` on engine ${p(replace.engine)}` : '';
      const forced = p(replace.forcedBy.map((f) => f.path).join(', '));
      lines.push(`        ${c.red('-')}/${c.green('+')} ${p(replace.network)}${where} (forced by ${forced})`);
    }
  }
  if (action.endpoints.length > 0) {
    lines.push('      endpoints (disconnected first, then reconnected to the new network):');
    for (const endpoint of action.endpoints) {
      const who = `${p(endpoint.container)} (${p(endpoint.containerState)})`;
      const line =
        endpoint.after === null
          ? `${withSettings(who, describeEndpoint(endpoint.before))} → ${c.red('not reconnected')}`
          : withSettings(who, describeEndpointChange(endpoint.before, endpoint.after, c));
      lines.push(`        ${line}`);
    }
  }
  if (action.services !== undefined && action.services.length > 0) {
    lines.push(
      '      services (one update takes each off first, one more puts it back on the new network: its tasks restart twice):',
    );
    for (const service of action.services) {
      const restart =
        service.tasksRestarting !== undefined
          ? `${service.tasksRestarting} task${service.tasksRestarting === 1 ? '' : 's'} restart twice`
          : 'its tasks restart twice';
      const had = describeServiceEndpoint(service.before);
      const then =
        service.after === null
          ? c.red('not put back')
          : `put back${describeServiceEndpoint(service.after) ? ` (${describeServiceEndpoint(service.after)})` : ''}`;
      const stack = service.stack !== undefined ? `; stack ${p(service.stack)}` : '';
      lines.push(
        `        ${c.yellow('~')} service ${p(service.service)} (${restart}${stack}): taken off${had ? ` (${had})` : ''}, ${then}`,
      );
    }
  }
  return lines;
}

function renderRemove(action: RemoveNetworkAction, c: Colors): string[] {
  const lines = [`${c.red('-')} remove network ${c.bold(p(action.network))} (${p(action.reason)})`];
  for (const endpoint of action.disconnect) {
    const who = `${c.red('disconnect')} ${p(endpoint.container)} (${p(endpoint.containerState)})`;
    lines.push(`      ${withSettings(who, describeEndpoint(endpoint.settings))}`);
  }
  return lines;
}

function renderConnect(action: ConnectAction, c: Colors): string[] {
  const head = `${c.yellow('~')} connect ${c.bold(p(action.container))} to ${c.bold(p(action.network))}`;
  return [withSettings(head, describeEndpoint(action.after))];
}

function renderDisconnect(action: DisconnectAction, c: Colors): string[] {
  const had = describeEndpoint(action.before);
  return [
    `${c.yellow('~')} disconnect ${c.bold(p(action.container))} from ${c.bold(p(action.network))} (${p(action.reason)})`,
    ...(had === '' ? [] : [`      had: ${had}`]),
  ];
}

function renderReconnect(action: ReconnectAction, c: Colors): string[] {
  return [
    `${c.yellow('~')} reconnect ${c.bold(p(action.container))} to ${c.bold(p(action.network))}`,
    ...action.changes.flatMap((change) => renderFieldChange(change, c, '      ')),
  ];
}
