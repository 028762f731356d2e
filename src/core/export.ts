import { DEFAULT_NETWORK_DRIVER, isDefaultIpamDriver } from '../model/docker-rules.js';
import { stringify } from 'yaml';
import { NetformError } from '../model/errors.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import {
  compareText,
  entryOn,
  indexEndpoints,
  normalizeObservedEndpoint,
  normalizeObservedNetwork,
} from './normalize-observed.js';
import { ownershipOf } from './ownership.js';
import { printable } from './printable.js';
import { endpointInSpecForm, poolInSpecForm, sortedRecord } from './spec-form.js';

/** Which networks `export` writes. */
export interface ExportOptions {
  /** Only this project's managed networks (and the project name written to the spec). */
  project?: string;
  /** Only these networks, by exact name. */
  networks?: string[];
}

/** A spec document in the spec's own key names, ready for YAML (see schemas/netform.schema.json). */
export interface ExportedSpec {
  version: 1;
  project?: string;
  networks: Record<string, Record<string, unknown>>;
  containers?: Record<string, { networks: Record<string, Record<string, unknown>> }>;
}

/** The networks an export covers: named ones, one project's, or every non-predefined one. */
export function selectExportedNetworks(observed: ObservedState, options: ExportOptions): ObservedNetwork[] {
  let selected: ObservedNetwork[];
  if (options.networks && options.networks.length > 0) {
    const names = new Set(options.networks);
    selected = observed.networks.filter((n) => names.has(n.name));
    const missing = [...names].filter((name) => !selected.some((n) => n.name === name));
    if (missing.length > 0) {
      throw new NetformError(`no network named ${missing.join(', ')} on the engine`, {
        hint: 'names are exact: `docker network ls` lists them',
      });
    }
    const predefined = selected.filter((n) => ownershipOf(n).kind === 'predefined');
    if (predefined.length > 0) {
      throw new NetformError(
        `${predefined.map((n) => n.name).join(', ')} is predefined by Docker and cannot be exported as a declared network`,
      );
    }
  } else {
    selected = observed.networks.filter((n) => {
      const owner = ownershipOf(n);
      if (owner.kind === 'predefined' || n.ingress || n.configOnly) return false;
      return options.project === undefined || (owner.kind === 'managed' && owner.project === options.project);
    });
  }
  if (options.project !== undefined) {
    const foreign = selected.filter((n) => {
      const owner = ownershipOf(n);
      return owner.kind === 'managed' && owner.project !== options.project;
    });
    if (foreign.length > 0) {
      throw new NetformError(
        `${foreign.map((n) => n.name).join(', ')} belongs to another netform project than ${options.project}`,
      );
    }
  }
  const seen = new Set<string>();
  for (const network of selected) {
    if (seen.has(network.name)) {
      throw new NetformError(
        `the engine has several networks named ${network.name}; a spec can describe only one`,
        {
          hint: 'remove the extra ones with `docker network rm <id>`, or leave the name out of the export',
        },
      );
    }
    seen.add(network.name);
  }
  return selected.sort((a, b) => compareText(a.name, b.name));
}

function projectOf(networks: ObservedNetwork[], requested: string | undefined): string | undefined {
  if (requested !== undefined) return requested;
  const projects = new Set<string>();
  for (const network of networks) {
    const owner = ownershipOf(network);
    if (owner.kind === 'managed') projects.add(owner.project);
  }
  if (projects.size > 1) {
    throw new NetformError(
      `the networks to export belong to several netform projects (${[...projects].sort().join(', ')})`,
      { hint: 'export one project at a time with --project P' },
    );
  }
  return [...projects][0];
}

/**
 * One network in spec form, with the daemon's defaults left out (normalizeObservedNetwork without
 * a spec). A network made from a config-only network (a swarm macvlan/ipvlan, docs/swarm.md) has
 * no settings of its own: its subnet, range, parent, labels and options are those of
 * `configOnly`, the config-only network it is made from on this engine, written on it as the spec
 * writes them, with `config_from` when the name is not the default `<name>-config`.
 */
export function exportNetwork(
  network: ObservedNetwork,
  configOnly?: ObservedNetwork,
): Record<string, unknown> {
  const comparable = normalizeObservedNetwork(network);
  const settings =
    comparable.configFrom !== undefined && configOnly ? normalizeObservedNetwork(configOnly) : comparable;
  const out: Record<string, unknown> = {};
  if (comparable.driver !== DEFAULT_NETWORK_DRIVER) out.driver = comparable.driver;
  if (comparable.scope !== undefined) out.scope = comparable.scope;
  if (comparable.configFrom !== undefined && comparable.configFrom !== `${network.name}-config`) {
    out.config_from = comparable.configFrom;
  }
  if (comparable.attachable) out.attachable = true;
  if (comparable.internal) out.internal = true;
  if (!settings.enableIPv4) out.enable_ipv4 = false;
  if (settings.enableIPv6) out.enable_ipv6 = true;
  if (comparable.ingress) out.ingress = true;
  const pools = settings.ipam.config.map(poolInSpecForm);
  const plainIpam =
    isDefaultIpamDriver(settings.ipam.driver) && Object.keys(settings.ipam.options).length === 0;
  if (plainIpam && pools.length === 1) Object.assign(out, pools[0]);
  else if (!plainIpam || pools.length > 1) {
    out.ipam = {
      ...(!isDefaultIpamDriver(settings.ipam.driver) && { driver: settings.ipam.driver }),
      ...(Object.keys(settings.ipam.options).length > 0 && {
        options: sortedRecord(settings.ipam.options),
      }),
      ...(pools.length > 0 && { config: pools }),
    };
  }
  if (Object.keys(settings.labels).length > 0) out.labels = sortedRecord(settings.labels);
  if (Object.keys(settings.driverOpts).length > 0) out.driver_opts = sortedRecord(settings.driverOpts);
  return out;
}

/**
 * Managed networks of the exported project that the selection leaves out: a plan with the export
 * would remove them, so the export says so.
 */
function leftOutOfProject(
  observed: ObservedState,
  selected: ObservedNetwork[],
  project: string | undefined,
): string[] {
  if (project === undefined) return [];
  const names = new Set(selected.map((n) => n.name));
  return observed.networks
    .filter((n) => !names.has(n.name))
    .filter((n) => {
      const owner = ownershipOf(n);
      return owner.kind === 'managed' && owner.project === project;
    })
    .map((n) => n.name)
    .sort(compareText);
}

/**
 * Entries a refused connect left on running containers (entryOn's `refused`): not attachments,
 * so not exported (docs/plan.md, "Entries without an endpoint"); the export says so.
 */
function refusedEntriesLeftOut(observed: ObservedState, selected: ObservedNetwork[]): string[] {
  const warnings: string[] = [];
  for (const network of selected) {
    for (const container of observed.containers) {
      if (!(network.name in container.endpoints)) continue;
      if (entryOn(container, network)?.kind !== 'refused') continue;
      warnings.push(
        `${container.name} keeps an entry for ${network.name} without an endpoint (a connect the engine refused): ` +
          `it is not on ${network.name}, so the export leaves it out`,
      );
    }
  }
  return warnings;
}

/** An export and what the user should know about it (written as comments and to stderr). */
export interface ExportResult {
  spec: ExportedSpec;
  warnings: string[];
}

/**
 * The live engine as a spec: the selected networks and, for every container on them, its
 * attachments to them. netform's own labels, the daemon's defaults and random MACs are left
 * out, so that `plan` with this spec against the same engine shows no change (unless the
 * selection leaves out networks of the same project: a warning says so).
 */
export function exportSpec(observed: ObservedState, options: ExportOptions = {}): ExportResult {
  const networks = selectExportedNetworks(observed, options);
  const project = projectOf(networks, options.project);
  const warnings: string[] = [];
  const leftOut = leftOutOfProject(observed, networks, project);
  if (leftOut.length > 0) {
    const them = leftOut.length === 1 ? 'it' : 'them';
    warnings.push(
      `project ${project as string} also manages ${leftOut.join(', ')}, which this export leaves out: ` +
        `\`netform plan\` with the export would remove ${them} (add --network for each, or use --project ${project as string})`,
    );
  }
  if (options.project !== undefined && networks.length === 0) {
    warnings.push(
      `project ${options.project} manages no network on this engine (project names are exact; ` +
        `\`docker network ls --filter label=io.netform.project=${options.project}\` lists its networks)`,
    );
  }
  warnings.push(...refusedEntriesLeftOut(observed, networks));
  const spec: ExportedSpec = { version: 1, ...(project !== undefined && { project }), networks: {} };
  const containers: NonNullable<ExportedSpec['containers']> = {};
  const endpoints = indexEndpoints(observed);
  for (const network of networks) {
    const configOnly =
      network.configFrom === undefined
        ? undefined
        : observed.networks.find((n) => n.configOnly && n.name === network.configFrom);
    spec.networks[network.name] = exportNetwork(network, configOnly);
    for (const { container, endpoint } of endpoints.on(network)) {
      const entry = (containers[container.name] ??= { networks: {} });
      entry.networks[network.name] = endpointInSpecForm(normalizeObservedEndpoint(endpoint, container));
    }
  }
  const names = Object.keys(containers).sort(compareText);
  if (names.length > 0) spec.containers = Object.fromEntries(names.map((name) => [name, containers[name]!]));
  return { spec, warnings };
}

/** The export as YAML, with a header saying where it came from and any warnings. */
export function renderExportYaml(result: ExportResult, header: string): string {
  const { spec, warnings } = result;
  const comment = [header, ...warnings.map((w) => `warning: ${w}`)]
    .join('\n')
    .split('\n')
    .map((line) => `# ${printable(line)}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(spec, { lineWidth: 0 })}`;
}
