import { closest, distance } from 'fastest-levenshtein';
import { INTERFACE_NAME_OPTION } from '../model/api-versions.js';
import type { ComposeOrigin } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from '../spec/codes.js';
import { DiagnosticSink } from '../spec/diagnose.js';
import { mergeYaml } from './merge.js';
import { childOf, entriesOf, isMapping, itemsOf, mappingTree, pointAt, type Tree } from './tree.js';

// The keys the Compose specification allows (compose-go's schema/compose-spec.json).
const NETWORK_KEYS = [
  'name',
  'driver',
  'driver_opts',
  'ipam',
  'external',
  'internal',
  'enable_ipv4',
  'enable_ipv6',
  'attachable',
  'labels',
];
const IPAM_KEYS = ['driver', 'config', 'options'];
const POOL_KEYS = ['subnet', 'ip_range', 'gateway', 'aux_addresses'];
const ENDPOINT_KEYS = [
  'aliases',
  'interface_name',
  'ipv4_address',
  'ipv6_address',
  'link_local_ips',
  'mac_address',
  'driver_opts',
  'priority',
  'gw_priority',
];

/** A Compose model read as a netform spec: the same value and source shape that src/spec checks. */
export interface ComposeAsSpec {
  /** `networks` (the used ones) and `containers` (one per service), in the netform spec's form. */
  spec: Tree;
  /** The networks no service uses: Compose does not create them, so their problems are warnings. */
  unused: Tree;
  origin: ComposeOrigin;
  /** Compose's own rules: unknown keys, network_mode with networks, network_mode: service:X. */
  diagnostics: Diagnostic[];
  /** The file has `include:`: networks may be declared where netform does not read. */
  includes: boolean;
}

/**
 * Maps the merged, interpolated Compose model onto the netform spec's shape, as Compose itself
 * reads it (compose-go's loader/normalize.go): each network gets its Docker name (`name:`, or
 * `<project>_<key>`, or the key for an external one); a service without `networks:` or
 * `network_mode` joins the `default` network, which exists only when a service uses it; a
 * service's endpoint settings keep their names except `interface_name` (the endpoint driver
 * option Compose sends it as) and `priority` (the order Compose connects in, read for the primary
 * network).
 */
export function composeToSpec(model: Tree, project: string): ComposeAsSpec {
  const sink = new DiagnosticSink(model.source);
  const root = model.source;
  const servicesTree = childOf(model, 'services');
  const networksTree = childOf(model, 'networks');
  const includes =
    isMapping(model.value) && model.value.include !== undefined && model.value.include !== null;
  if (includes) {
    sink.atKey(CODES.composeNotReadHere, ['include'], {
      severity: 'warning',
      message: 'netform does not read included Compose files: their networks and services are not checked',
      hint: 'validate the included files too (netform validate -f FILE for each)',
    });
  }
  const services = resolveExtends(servicesTree, sink);
  const serviceNames = new Set(services.map(([name]) => name));

  // Services first: they decide which networks are used (and whether `default` exists).
  const used = new Set<string>();
  const containers: [string, Tree][] = [];
  const servicePriorities = new Map<string, [string, number][]>();
  for (const [name, service] of services) {
    if (!isMapping(service.value) || service.value.provider !== undefined) continue;
    const path = ['services', name];
    const mode = childOf(service, 'network_mode');
    const networks = childOf(service, 'networks');
    const declared = networks.value !== undefined && networks.value !== null;
    if (typeof mode.value === 'string') {
      if (mode.value.startsWith('service:') && !serviceNames.has(mode.value.slice('service:'.length))) {
        sink.atValue(CODES.composeNetworkModeService, [...path, 'network_mode'], {
          message: `network_mode ${mode.value} names a service this file does not declare`,
          hint: 'name a service of this file, or use container:NAME for a container started elsewhere',
        });
      }
      if (declared && sizeOf(networks.value) > 0) {
        sink.atKey(CODES.composeNetworkModeWithNetworks, [...path, 'networks'], {
          message: `service ${name} sets both network_mode (${mode.value}) and networks, which Compose refuses`,
          hint: 'keep one: network_mode for host/none/another container, networks for Compose networks',
        });
      } else {
        containers.push([name, mappingTree(service.source, [])]);
        continue;
      }
    }
    const endpoints: [string, Tree][] = [];
    const priorities: [string, number][] = [];
    if (!declared || sizeOf(networks.value) === 0) {
      endpoints.push(['default', { value: null, source: pointAt(service.source) }]);
      priorities.push(['default', 0]);
    } else if (Array.isArray(networks.value)) {
      for (const item of itemsOf(networks)) {
        if (typeof item.value !== 'string') continue; // the schema check reports it
        endpoints.push([
          item.value,
          { value: null, source: { ...item.source, keyOffset: item.source.valueOffset } },
        ]);
        priorities.push([item.value, 0]);
      }
    } else if (isMapping(networks.value)) {
      for (const [key, endpoint] of entriesOf(networks)) {
        endpoints.push([key, endpointToSpec(endpoint, [...path, 'networks', key], sink)]);
        const priority = isMapping(endpoint.value) ? endpoint.value.priority : undefined;
        priorities.push([key, typeof priority === 'number' ? priority : 0]);
      }
    } else {
      // A wrong type: the spec's schema check reports it where it was written.
      containers.push([name, mappingTree(service.source, [['networks', networks]])]);
      continue;
    }
    for (const [key] of endpoints) used.add(key);
    servicePriorities.set(name, priorities);
    containers.push([
      name,
      mappingTree(service.source, [['networks', mappingTree(networks.source ?? service.source, endpoints)]]),
    ]);
  }

  const origin: ComposeOrigin = { project, networkKeys: {}, primaryNetworks: {}, ipv4Disabled: [] };
  const usedNetworks: [string, Tree][] = [];
  const unusedNetworks: [string, Tree][] = [];
  for (const [key, network] of entriesOf(networksTree)) {
    const mapped = networkToSpec(key, network, project, ['networks', key], sink);
    origin.networkKeys[mapped.dockerName] = key;
    if (mapped.ipv4Disabled) origin.ipv4Disabled.push(mapped.dockerName);
    (used.has(key) ? usedNetworks : unusedNetworks).push([key, mapped.tree]);
  }
  if (used.has('default') && !usedNetworks.some(([key]) => key === 'default')) {
    // The implicit default network: Compose creates it with the daemon's defaults.
    const at = pointAt(servicesTree.source);
    const dockerName = `${project}_default`;
    origin.networkKeys[dockerName] = 'default';
    usedNetworks.push(['default', mappingTree(at, [['name', { value: dockerName, source: at }]])]);
  }
  const dockerNames = new Map(
    [...usedNetworks, ...unusedNetworks].map(([key, tree]) => [key, (tree.value as { name: string }).name]),
  );
  for (const [service, priorities] of servicePriorities) {
    // compose-go's NetworksByPriority: highest priority first, then by key.
    const [first] = [...priorities].sort(([a, pa], [b, pb]) =>
      pa !== pb ? pb - pa : a < b ? -1 : a > b ? 1 : 0,
    );
    const dockerName = first && dockerNames.get(first[0]);
    if (dockerName !== undefined) origin.primaryNetworks[service] = dockerName;
  }

  const spec = mappingTree(root, [
    ['networks', mappingTree(networksTree.source ?? root, usedNetworks)],
    ['containers', mappingTree(servicesTree.source ?? root, containers)],
  ]);
  const unused = mappingTree(root, [['networks', mappingTree(networksTree.source ?? root, unusedNetworks)]]);
  return { spec, unused, origin, diagnostics: sink.diagnostics, includes };
}

const sizeOf = (value: unknown): number =>
  Array.isArray(value) ? value.length : isMapping(value) ? Object.keys(value).length : 0;

/**
 * Services with `extends: NAME` (or `{service: NAME}` without `file:`) take the networks and
 * network_mode of the service they extend, merged as Compose merges them. `extends` from another
 * file is not read (a warning says so).
 */
function resolveExtends(services: Tree, sink: DiagnosticSink): [string, Tree][] {
  const byName = new Map(entriesOf(services));
  const resolved = new Map<string, Tree>();
  const resolve = (name: string, seen: Set<string>): Tree => {
    const done = resolved.get(name);
    if (done) return done;
    const service = byName.get(name)!;
    let result = service;
    const extendsTree = isMapping(service.value) ? childOf(service, 'extends') : undefined;
    const target = extendsTree?.value;
    const baseName =
      typeof target === 'string'
        ? target
        : isMapping(target) && target.file === undefined && typeof target.service === 'string'
          ? target.service
          : undefined;
    if (isMapping(target) && target.file !== undefined) {
      sink.atKey(CODES.composeNotReadHere, ['services', name, 'extends'], {
        severity: 'warning',
        message: `netform does not read extends from another file: the networks service ${name} inherits are not checked`,
        hint: 'declare the networks in this file to have them checked',
      });
    } else if (baseName !== undefined && byName.has(baseName) && !seen.has(baseName)) {
      const base = resolve(baseName, new Set([...seen, name]));
      const entries = new Map(entriesOf(service));
      for (const key of ['networks', 'network_mode']) {
        const inherited = childOf(base, key);
        if (inherited.value === undefined) continue;
        const own = entries.get(key);
        entries.set(
          key,
          own ? mergeYaml(inherited, own, ['services', name, key], sink.diagnostics) : inherited,
        );
      }
      result = mappingTree(service.source, entries);
    }
    resolved.set(name, result);
    return result;
  };
  return [...byName.keys()].map((name) => [name, resolve(name, new Set([name]))]);
}

function reportUnknownKeys(
  tree: Tree,
  allowed: readonly string[],
  path: string[],
  what: string,
  sink: DiagnosticSink,
): void {
  for (const [key] of entriesOf(tree)) {
    if (allowed.includes(key) || key.startsWith('x-')) continue;
    const suggestion = closest(key, [...allowed]);
    const close = distance(key, suggestion) <= Math.max(2, Math.floor(key.length / 3));
    sink.atKey(CODES.unknownKey, [...path, key], {
      message: `unknown key ${JSON.stringify(key)} in a Compose ${what}; Compose refuses the file`,
      hint: close ? `did you mean ${JSON.stringify(suggestion)}?` : `allowed here: ${allowed.join(', ')}`,
    });
  }
}

function withoutExtensions(tree: Tree, allowed: readonly string[]): [string, Tree][] {
  return entriesOf(tree).filter(([key]) => allowed.includes(key));
}

function networkToSpec(
  key: string,
  network: Tree,
  project: string,
  path: string[],
  sink: DiagnosticSink,
): { tree: Tree; dockerName: string; ipv4Disabled: boolean } {
  const value = isMapping(network.value) ? network.value : {};
  reportUnknownKeys(network, NETWORK_KEYS, path, 'network', sink);
  const entries = new Map(withoutExtensions(network, NETWORK_KEYS));
  const ipv4Disabled = value.enable_ipv4 === false;
  entries.delete('enable_ipv4'); // not a netform spec key: the engine checks read it from the origin
  const external = childOf(network, 'external');
  let dockerName: string;
  if (isMapping(external.value)) {
    // The legacy `external: {name: x}`: the name moves to `name`, as Compose moves it.
    reportUnknownKeys(external, ['name'], [...path, 'external'], 'external network', sink);
    const legacy = external.value.name;
    const named = typeof value.name === 'string' ? value.name : undefined;
    if (typeof legacy === 'string' && named !== undefined && legacy !== named) {
      sink.atValue(CODES.externalWithSettings, [...path, 'external', 'name'], {
        message: `external.name ${legacy} and name ${named} conflict; Compose refuses the file`,
        hint: 'keep name: (external.name is deprecated) and write external: true',
      });
    }
    entries.set('external', { value: true, source: external.source });
    if (named === undefined && typeof legacy === 'string') entries.set('name', childOf(external, 'name'));
    dockerName = named ?? (typeof legacy === 'string' ? legacy : key);
  } else if (external.value === true) {
    dockerName = typeof value.name === 'string' ? value.name : key;
  } else {
    dockerName = typeof value.name === 'string' ? value.name : `${project}_${key}`;
  }
  if (!entries.has('name')) entries.set('name', { value: dockerName, source: pointAt(network.source) });
  const ipam = entries.get('ipam');
  if (ipam && isMapping(ipam.value)) {
    reportUnknownKeys(ipam, IPAM_KEYS, [...path, 'ipam'], 'ipam', sink);
    const ipamEntries = new Map(withoutExtensions(ipam, IPAM_KEYS));
    const config = ipamEntries.get('config');
    if (config && Array.isArray(config.value)) {
      itemsOf(config).forEach((pool, index) =>
        reportUnknownKeys(
          pool,
          POOL_KEYS,
          [...path, 'ipam', 'config', String(index)],
          'ipam.config entry',
          sink,
        ),
      );
    }
    entries.set('ipam', mappingTree(ipam.source, ipamEntries));
  }
  return { tree: mappingTree(network.source, entries), dockerName, ipv4Disabled };
}

function endpointToSpec(endpoint: Tree, path: string[], sink: DiagnosticSink): Tree {
  if (!isMapping(endpoint.value)) return endpoint;
  reportUnknownKeys(endpoint, ENDPOINT_KEYS, path, 'service network entry', sink);
  const entries = new Map(withoutExtensions(endpoint, ENDPOINT_KEYS));
  // Compose's connection order: it chose the primary network above; Compose does the connecting.
  entries.delete('priority');
  const interfaceName = entries.get('interface_name');
  entries.delete('interface_name');
  if (interfaceName) {
    // Compose sends interface_name as this driver option, over one written there (with a warning).
    const options = entries.get('driver_opts');
    const optionEntries = new Map(options ? entriesOf(options) : []);
    optionEntries.set(INTERFACE_NAME_OPTION, interfaceName);
    entries.set('driver_opts', mappingTree(options?.source ?? interfaceName.source, optionEntries));
  }
  return mappingTree(endpoint.source, entries);
}
