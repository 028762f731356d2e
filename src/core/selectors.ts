import type {
  AttachmentOrigin,
  DesiredAttachment,
  DesiredContainer,
  DesiredSelector,
  DesiredState,
  EndpointSettings,
} from '../model/desired.js';
import type { Diagnostic, SourcePosition } from '../model/diagnostic.js';
import type { ObservedContainer, ObservedState } from '../model/observed.js';
import type { PlanNote } from '../model/plan.js';
import { canonicalJson } from './canonical-json.js';
import { formatValue } from './describe.js';
import { diffEndpoint } from './diff-endpoint.js';
import { privateNetworkModeOf } from './network-mode.js';
import { comparableDesiredEndpoint, compareText } from './normalize-observed.js';
import { selectorConflict } from './plan-diagnostics.js';

/**
 * Whether a container's labels include every label of the rule's match, value for value: Docker's
 * own `label=KEY=VALUE` filter (`docker ps --filter`), so `docker ps` shows what a rule matches.
 */
export function selectorMatches(
  selector: DesiredSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector.matchLabels).every(
    ([key, value]) => Object.hasOwn(labels, key) && labels[key] === value,
  );
}

/** The rules of `desired` that match `container`, by name. */
export function matchingSelectors(desired: DesiredState, container: ObservedContainer): DesiredSelector[] {
  return Object.values(desired.selectors ?? {})
    .filter((selector) => selectorMatches(selector, container.labels))
    .sort((a, b) => compareText(a.name, b.name));
}

export interface SelectorExpansion {
  /**
   * `desired` with every container a rule matches under `containers`, as if listed with the union
   * of its own entry's and the matching rules' networks. The same object when nothing matches.
   */
  desired: DesiredState;
  /** NF220: two entries give one container's network different settings. */
  diagnostics: Diagnostic[];
  /** Matched containers a rule leaves alone (network mode host, none or container:X). */
  notes: PlanNote[];
}

/** One entry of the spec that gives a container an attachment. */
interface Entry {
  /** `containers.api` or `selectors.payments`. */
  name: string;
  settings: EndpointSettings;
  source?: SourcePosition;
}

/**
 * Turns the selector rules into container attachments against the observed containers
 * (docs/spec.md, "Selectors"): a container whose labels include a rule's match is treated as if
 * it were listed with the rule's networks; several rules and its own `containers:` entry give it
 * the union of their networks. Two entries that give one network different settings are an NF220
 * error naming both (the container's own entry, else the first rule by name, is kept so the plan
 * still reads). A matched container in network mode host, none or container:X is left alone with
 * a note: Docker cannot connect it. Pure: plan, the plan-file fingerprint and the engine checks
 * all expand through here, so they agree on what a rule matches.
 *
 * A container that stops matching (a rule removed or narrowed, a container recreated with other
 * labels) is an unlisted container again: its attachments are left alone, as every unlisted
 * container's are, except on an `exclusive` network. Docker keeps no record of who made an
 * endpoint, so netform cannot tell one a rule made from one made by hand or by Compose.
 */
export function expandSelectors(desired: DesiredState, observed: ObservedState): SelectorExpansion {
  const diagnostics: Diagnostic[] = [];
  const notes: PlanNote[] = [];
  if (Object.keys(desired.selectors ?? {}).length === 0) return { desired, diagnostics, notes };
  const containers: Record<string, DesiredContainer> = { ...desired.containers };
  const sorted = [...observed.containers].sort((a, b) => compareText(a.name, b.name));
  for (const container of sorted) {
    const rules = matchingSelectors(desired, container);
    if (rules.length === 0) continue;
    const mode = privateNetworkModeOf(container);
    if (mode !== undefined) {
      if (rules.some((rule) => Object.keys(rule.attachments).length > 0)) {
        notes.push({
          container: container.name,
          message: `${container.name} matches ${rules.map((rule) => `selectors.${rule.name}`).join(', ')} but runs with --network ${mode}, which Docker cannot connect to other networks: left alone`,
        });
      }
      continue;
    }
    const listed = desired.containers[container.name];
    const merged = mergeEntries(container.name, listed, rules, diagnostics);
    const result: DesiredContainer = {
      name: container.name,
      attachments: merged,
      origin: { listed: listed !== undefined, selectors: rules.map((rule) => rule.name) },
    };
    const source = listed?.source ?? rules[0]?.source;
    if (source) result.source = source;
    containers[container.name] = result;
  }
  return { desired: { ...desired, containers }, diagnostics, notes };
}

function mergeEntries(
  container: string,
  listed: DesiredContainer | undefined,
  rules: readonly DesiredSelector[],
  diagnostics: Diagnostic[],
): Record<string, DesiredAttachment> {
  const byNetwork = new Map<string, Entry[]>();
  const add = (network: string, entry: Entry): void => {
    const entries = byNetwork.get(network) ?? [];
    entries.push(entry);
    byNetwork.set(network, entries);
  };
  for (const attachment of Object.values(listed?.attachments ?? {})) {
    add(attachment.network, entryOf(`containers.${container}`, attachment));
  }
  for (const rule of rules) {
    for (const attachment of Object.values(rule.attachments)) {
      add(attachment.network, entryOf(`selectors.${rule.name}`, attachment));
    }
  }
  const attachments: Record<string, DesiredAttachment> = {};
  for (const network of [...byNetwork.keys()].sort(compareText)) {
    const entries = byNetwork.get(network) ?? [];
    const [kept, ...others] = entries;
    if (!kept) continue;
    const clash = others.find((entry) => differences(kept.settings, entry.settings).length > 0);
    if (clash) {
      diagnostics.push(
        selectorConflict(
          container,
          network,
          { name: kept.name, ...(kept.source && { source: kept.source }) },
          { name: clash.name, ...(clash.source && { source: clash.source }) },
          differences(kept.settings, clash.settings),
        ),
      );
    }
    const origin: AttachmentOrigin = {
      listed: entries.some((entry) => entry.name.startsWith('containers.')),
      selectors: entries.filter((e) => e.name.startsWith('selectors.')).map((e) => e.name.slice(10)),
    };
    const attachment: DesiredAttachment = { ...kept.settings, container, network, origin };
    if (kept.source) attachment.source = kept.source;
    attachments[network] = attachment;
  }
  return attachments;
}

function entryOf(name: string, attachment: EndpointSettings & { source?: SourcePosition }): Entry {
  const entry: Entry = { name, settings: comparableDesiredEndpoint(attachment) };
  if (attachment.source) entry.source = attachment.source;
  return entry;
}

/** Every endpoint field in which two entries differ, as `aliases [a] vs [b]`. */
function differences(a: EndpointSettings, b: EndpointSettings): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const fields = new Map<string, string>();
  // diffEndpoint compares a MAC only when its second argument sets one: ask both ways.
  for (const change of diffEndpoint(a, b)) {
    fields.set(change.path, `${change.path} ${formatValue(change.before)} vs ${formatValue(change.after)}`);
  }
  for (const change of diffEndpoint(b, a)) {
    if (!fields.has(change.path)) {
      fields.set(change.path, `${change.path} ${formatValue(change.after)} vs ${formatValue(change.before)}`);
    }
  }
  return [...fields.values()];
}

/**
 * Who in the spec asks for an attachment, for a plan's reasons: `listed` (the container's own
 * entry), `selected by selectors.payments`, or both.
 */
export function describeOrigin(origin: AttachmentOrigin | undefined): string {
  if (!origin || origin.selectors.length === 0) return 'listed';
  const rules = origin.selectors.map((name) => `selectors.${name}`).join(', ');
  return origin.listed ? `listed and selected by ${rules}` : `selected by ${rules}`;
}
