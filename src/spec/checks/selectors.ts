import type { NetformSpec, SelectorSpec } from '../../model/spec.generated.js';
import { CODES } from '../codes.js';
import { attachmentsOf } from '../normalize.js';
import { checkAliases, reportUndeclared } from './containers.js';
import type { NetworkFacts, Sink } from './context.js';

/**
 * Endpoint keys a rule may not give: every container it matches would get the same value, and
 * Docker refuses a second endpoint with one address or MAC on a network.
 */
const FIXED_SETTINGS = ['ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address'] as const;

/**
 * The rules under `selectors:` (docs/spec.md, "Selectors"): a match that selects something, the
 * networks they name declared, no per-container setting (static addresses, link-local addresses,
 * MAC), aliases that Docker takes on the network, and `engines:` against the top-level `engines:`
 * when the spec has one. Which containers match is only known against an engine: conflicts between
 * rules and `containers:` entries are the plan's (NF212).
 */
export function checkSelectors(spec: NetformSpec, networks: readonly NetworkFacts[], sink: Sink): void {
  const byKey = new Map(networks.map((n) => [n.key, n]));
  const byDockerName = new Map(networks.map((n) => [n.dockerName, n]));
  const engines = declaredEngines(spec);
  for (const [name, rule] of Object.entries(spec.selectors ?? {})) {
    const path = ['selectors', name];
    checkMatch(rule, path, sink);
    checkEngines(name, rule, path, engines, sink);
    for (const { network: key, endpoint, segment } of attachmentsOf(rule.networks)) {
      const where = [...path, 'networks', segment];
      const network = byKey.get(key);
      if (!network) {
        reportUndeclared(key, where, byKey, byDockerName, sink);
        continue;
      }
      for (const field of FIXED_SETTINGS) {
        if (endpoint[field] === undefined) continue;
        sink.atKey(CODES.selectorFixedSetting, [...where, field], {
          message: `${field} cannot be given by selector ${name}: every container it matches would get the same one`,
          hint: `list each container under containers: with its own ${field}, or leave ${field} out and let the daemon choose`,
        });
      }
      if (network.predefined && endpoint.aliases !== undefined) {
        sink.atKey(CODES.predefinedNetworkSettings, [...where, 'aliases'], {
          message: `aliases cannot be set on the predefined network ${network.dockerName}`,
          hint: 'Docker supports aliases and static addresses on user-defined networks only; declare a network of your own',
        });
      }
      checkAliases(endpoint, where, sink);
    }
  }
}

function checkMatch(rule: SelectorSpec, path: string[], sink: Sink): void {
  if (Object.keys(rule.match.labels ?? {}).length > 0) return;
  sink.atKey(CODES.selectorEmptyMatch, [...path, 'match'], {
    message: `selector ${path[1]} matches no label, so it would attach every container on the engine`,
    hint: 'give the labels a container must carry: match: { labels: { team: payments } }',
  });
}

/**
 * The names of the top-level `engines:` mapping, or undefined when the spec has none. Read from
 * the raw spec: the key belongs to specs with several engines (docs/spec.md).
 */
function declaredEngines(spec: NetformSpec): string[] | undefined {
  const engines = (spec as { engines?: unknown }).engines;
  if (engines === null || typeof engines !== 'object' || Array.isArray(engines)) return undefined;
  return Object.keys(engines);
}

function checkEngines(
  name: string,
  rule: SelectorSpec,
  path: string[],
  engines: string[] | undefined,
  sink: Sink,
): void {
  if (engines === undefined) return;
  if (rule.engines === undefined) {
    if (engines.length > 1) {
      sink.atKey(CODES.missingKey, path, {
        message: `selector ${name} has no engines:, and the spec declares several engines`,
        hint: `add engines: all, or the list of engines whose containers it matches (${engines.join(', ')})`,
      });
    }
    return;
  }
  if (!Array.isArray(rule.engines)) return;
  rule.engines.forEach((engine, index) => {
    if (engines.includes(engine)) return;
    sink.atValue(CODES.undeclaredEngine, [...path, 'engines', index], {
      message: `engine ${engine} is not declared under engines:`,
      hint:
        engines.length > 0
          ? `use one of ${engines.join(', ')}, or all`
          : 'declare it under engines:, or use all',
    });
  });
}
