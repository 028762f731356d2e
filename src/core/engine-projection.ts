import type {
  DesiredContainer,
  DesiredIpamPool,
  DesiredNetwork,
  DesiredNetworkOnEngine,
  DesiredState,
} from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import { containsAddress, containsCidr, parseAddress, parseCidr } from './cidr.js';

/**
 * The name of the one engine of a spec without `engines:` (reached by --host, DOCKER_HOST, the
 * docker context or the local socket). Results keyed by engine use it for that engine.
 */
export const SINGLE_ENGINE = 'default';

/** The spec's engine names, sorted; empty for a spec without `engines:`. */
export function engineNames(spec: DesiredState): string[] {
  return Object.keys(spec.engines ?? {}).sort();
}

/**
 * The single-engine desired state of one engine of the spec (docs/spec.md#engines): the networks
 * that exist there, with their settings on that engine, the containers that run there, and the
 * selector rules that apply there (with their attachments to networks that exist there). The
 * single-engine pipeline (observe, plan, apply, verify) then runs on it unchanged; the
 * project's managed networks that are not declared for that engine are therefore removed there.
 *
 * A network's settings on an engine (its `engines.E` entry) combine with its own as follows:
 * `parent` replaces its parent; each `ip_range` and `gateway` replaces that of the pool whose
 * subnet contains it; `aux_addresses` replace its aux addresses (each in the pool whose subnet
 * contains it); `driver_opts` and `labels` are merged over its own.
 *
 * The names it leaves out (networks and containers of other engines, and services, which the
 * swarm session gives the manager) are listed in `namesOnOtherEngines`, for `--target`.
 *
 * A spec without `engines:` has one engine, SINGLE_ENGINE: its projection is the spec itself.
 * Pure; never changes `spec`.
 */
export function desiredForEngine(spec: DesiredState, engine: string): DesiredState {
  if (!spec.engines) {
    if (engine !== SINGLE_ENGINE) throw unknownEngine(spec, engine);
  } else if (!Object.hasOwn(spec.engines, engine)) {
    throw unknownEngine(spec, engine);
  }
  const networks: Record<string, DesiredNetwork> = {};
  for (const [name, network] of Object.entries(spec.networks)) {
    const { engines, ...rest } = network;
    if (engines === undefined) networks[name] = rest;
    else if (Object.hasOwn(engines, engine)) networks[name] = networkOnEngine(rest, engines[engine]!);
  }
  const containers: Record<string, DesiredContainer> = {};
  for (const [name, container] of Object.entries(spec.containers)) {
    const { engines, ...rest } = container;
    if (engines !== undefined && !engines.includes(engine)) continue;
    const attachments: DesiredContainer['attachments'] = {};
    for (const [network, attachment] of Object.entries(rest.attachments)) {
      // The offline checks (NF104) refuse an attachment to a network that is not on the engine.
      if (Object.hasOwn(networks, network)) attachments[network] = attachment;
    }
    containers[name] = { ...rest, attachments };
  }
  const projected: DesiredState = { project: spec.project, networks, containers };
  // Services are a manager's (the swarm session adds them there, docs/swarm.md): left out here.
  const elsewhere = [
    ...Object.keys(spec.networks).filter((name) => !Object.hasOwn(networks, name)),
    ...Object.keys(spec.containers).filter((name) => !Object.hasOwn(containers, name)),
    ...Object.keys(spec.services ?? {}),
  ];
  if (elsewhere.length > 0) projected.namesOnOtherEngines = [...new Set(elsewhere)].sort();
  if (spec.selectors) {
    // A rule applies to the containers of the engines it names (`all`, or absent: every engine).
    const selectors: NonNullable<DesiredState['selectors']> = {};
    for (const [name, selector] of Object.entries(spec.selectors)) {
      const { engines, ...rest } = selector;
      if (Array.isArray(engines) && !engines.includes(engine)) continue;
      const attachments: typeof rest.attachments = {};
      for (const [network, attachment] of Object.entries(rest.attachments)) {
        if (Object.hasOwn(networks, network)) attachments[network] = attachment;
      }
      selectors[name] = { ...rest, attachments };
    }
    projected.selectors = selectors;
  }
  return projected;
}

/** The network with its settings on one engine applied (the rules above). */
export function networkOnEngine(
  network: Omit<DesiredNetwork, 'engines'>,
  on: DesiredNetworkOnEngine,
): DesiredNetwork {
  const driverOpts = { ...network.driverOpts, ...on.driverOpts };
  if (on.parent !== undefined) driverOpts.parent = on.parent;
  const config = network.ipam.config.map((pool) => poolOnEngine(pool, on));
  return {
    ...network,
    driverOpts,
    labels: { ...network.labels, ...on.labels },
    ipam: { ...network.ipam, config },
  };
}

function poolOnEngine(pool: DesiredIpamPool, on: DesiredNetworkOnEngine): DesiredIpamPool {
  const subnet = parseCidr(pool.subnet);
  if (!subnet) return pool;
  const out: DesiredIpamPool = { ...pool, auxAddresses: { ...pool.auxAddresses } };
  const ipRange = on.ipRanges.find((text) => {
    const range = parseCidr(text);
    return range !== undefined && containsCidr(subnet, range);
  });
  if (ipRange !== undefined) out.ipRange = ipRange;
  const gateway = on.gateways.find((text) => {
    const address = parseAddress(text);
    return address !== undefined && containsAddress(subnet, address);
  });
  if (gateway !== undefined) out.gateway = gateway;
  if (on.auxAddresses !== undefined) {
    out.auxAddresses = {};
    for (const [name, text] of Object.entries(on.auxAddresses)) {
      const address = parseAddress(text);
      if (address && containsAddress(subnet, address)) {
        // A user's key, `__proto__` included, is an own property like any other.
        Object.defineProperty(out.auxAddresses, name, {
          value: text,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  }
  return out;
}

function unknownEngine(spec: DesiredState, engine: string): NetformError {
  const names = engineNames(spec);
  return new NetformError(`engine ${engine} is not an engine of this spec`, {
    hint:
      names.length > 0
        ? `the spec's engines: ${names.join(', ')}`
        : `a spec without engines: has one engine, named ${SINGLE_ENGINE}`,
  });
}
