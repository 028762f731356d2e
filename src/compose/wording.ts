import type { ComposeOrigin } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from '../spec/codes.js';
import { formatPath } from '../spec/source-map.js';
import { INTERFACE_NAME_OPTION } from '../model/api-versions.js';

type Segment = string | number;

/** Reads a path as formatPath printed it: `a.b[0]["x.y"]`. */
export function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  let rest = path;
  while (rest !== '') {
    const match = /^(?:\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/.exec(rest);
    if (!match) return [path];
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]!) as string);
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/**
 * A path of the spec the Compose file was read as, in the Compose file's terms: `containers` are
 * `services`, the interface-name driver option is `interface_name`,
 * and (for the engine checks, which name networks by their Docker name) networks by their key.
 */
export function composePath(path: string, origin: ComposeOrigin, dockerNames: boolean): string {
  const segments = parsePath(path);
  const key = (name: Segment): Segment =>
    dockerNames && typeof name === 'string' ? (origin.networkKeys[name] ?? name) : name;
  if (segments[0] === 'networks' && segments.length > 1) segments[1] = key(segments[1]!);
  if (segments[0] === 'containers') {
    segments[0] = 'services';
    if (segments[2] === 'networks' && segments.length > 3) {
      segments[3] = key(segments[3]!);
      if (segments[4] === 'driver_opts' && segments[5] === INTERFACE_NAME_OPTION)
        segments.splice(4, 2, 'interface_name');
    }
  }
  return formatPath(segments);
}

/**
 * The spec rules' diagnostics as they apply to a Compose file: paths in Compose's terms, the
 * few messages whose wording is netform's own in Compose's, and the rules that do not apply to
 * Compose dropped (a service or network key is not a Docker name there; io.netform. labels
 * mean nothing to Compose). Returns undefined for a dropped diagnostic.
 */
export function forCompose(
  diagnostic: Diagnostic,
  origin: ComposeOrigin,
  options: { dockerNames: boolean; includes: boolean },
): Diagnostic | undefined {
  const segments = parsePath(diagnostic.path);
  const d: Diagnostic = { ...diagnostic, path: composePath(diagnostic.path, origin, options.dockerNames) };
  switch (diagnostic.code) {
    case CODES.invalidName.code:
      // Service and network keys: Compose names containers <project>-<service>-N and networks
      // <project>_<key>, which the name check of networks.KEY.name covers.
      return segments.length === 2 ? undefined : d;
    case CODES.reservedLabel.code:
      return undefined;
    case CODES.undeclaredNetwork.code: {
      const name = String(segments[3] ?? '');
      return {
        ...d,
        severity: options.includes ? 'warning' : 'error',
        message: options.includes
          ? `network ${name} is not declared in this file (an included file may declare it)`
          : `network ${name} is not declared under the top-level networks:; Compose refuses the file`,
        hint:
          d.hint?.startsWith('did you mean') === true || d.hint?.startsWith('the spec declares') === true
            ? d.hint.replace('the spec declares', 'the file declares')
            : `declare it under networks: (with external: true when it exists already)`,
      };
    }
    case CODES.externalWithSettings.code:
      if (d.message.includes('conflict')) return d;
      return {
        ...d,
        severity: 'warning',
        message: `Compose ignores ${String(segments[2] ?? 'this key')} on an external network: it uses the network as it exists`,
        hint: `remove it, or remove external: true to let Compose create the network`,
      };
    case CODES.predefinedDeclared.code:
      return {
        ...d,
        message: d.message.replace('netform never creates or changes it', 'Compose cannot create it'),
        hint: 'add external: true to use it as it is',
      };
    case CODES.engineExternalMissing.code:
      return { ...d, hint: d.hint?.replace('to let netform create it', 'to let Compose create it') };
    case CODES.duplicateStatic.code:
      return { ...d, message: d.message.replace('also given to container', 'also given to service') };
    default:
      return d;
  }
}

/** A diagnostic about a network no service uses: Compose never creates it, so it cannot fail. */
export function asUnusedNetwork(diagnostic: Diagnostic): Diagnostic {
  return {
    ...diagnostic,
    severity: 'warning',
    message: `${diagnostic.message} (no service uses this network, so Compose does not create it)`,
  };
}
