import { CODES } from '../codes.js';
import { NAME_PATTERN, type NetworkFacts, type Sink } from './context.js';

const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
/** Linux's IFNAMSIZ is 16 bytes including the terminating NUL. */
const MAX_INTERFACE_NAME = 15;
export const PARENT_DRIVERS = ['macvlan', 'ipvlan'];
/** Built-in drivers that certainly take no parent; a plugin driver might. */
export const NO_PARENT_DRIVERS = ['bridge', 'overlay', 'host', 'null', 'none'];
/** netform's own labels (io.netform.managed, io.netform.project) live here. */
const RESERVED_LABEL_PREFIX = 'io.netform.';

/** Names, drivers and driver options, bridge names, external networks and labels. */
export function checkNetworks(networks: readonly NetworkFacts[], sink: Sink): void {
  const byDockerName = new Map<string, NetworkFacts>();
  const byBridgeName = new Map<string, NetworkFacts>();
  for (const network of networks) {
    checkNames(network, byDockerName, sink);
    if (network.external) {
      checkExternal(network, sink);
      continue;
    }
    if (network.predefined) {
      sink.atKey(CODES.predefinedDeclared, network.path, {
        message: `${network.dockerName} is a network Docker predefines; netform never creates or changes it`,
        hint: `declare it as ${network.key}: { external: true } to attach containers to it`,
      });
    }
    checkParent(network, sink);
    checkBridgeName(network, byBridgeName, sink);
    checkLabels(network, sink);
  }
}

function checkNames(network: NetworkFacts, byDockerName: Map<string, NetworkFacts>, sink: Sink): void {
  const { spec } = network;
  if (!NAME_PATTERN.test(network.key)) {
    sink.atKey(CODES.invalidName, network.path, {
      message: `network name ${JSON.stringify(network.key)} is not valid`,
      hint: 'use letters, digits, and _ . - (not first)',
    });
  }
  const namePath =
    typeof spec.external === 'object' && spec.external.name !== undefined
      ? [...network.path, 'external', 'name']
      : spec.name !== undefined
        ? [...network.path, 'name']
        : undefined;
  if (namePath && !NAME_PATTERN.test(network.dockerName)) {
    sink.atValue(CODES.invalidName, namePath, {
      message: `network name ${JSON.stringify(network.dockerName)} is not valid`,
      hint: 'use letters, digits, and _ . - (not first)',
    });
  }
  const other = byDockerName.get(network.dockerName);
  if (other) {
    sink.atKey(CODES.duplicateDockerName, namePath ?? network.path, {
      message: `networks ${other.key} and ${network.key} both have the Docker name ${network.dockerName}`,
      hint: 'give each declared network its own name',
    });
  } else {
    byDockerName.set(network.dockerName, network);
  }
}

/** An external network is only a name: everything else is the engine's business. */
function checkExternal(network: NetworkFacts, sink: Sink): void {
  const { spec } = network;
  for (const key of Object.keys(spec)) {
    // engines: says where it exists (its settings there are checked in engines.ts).
    if (key === 'external' || key === 'engines' || key.startsWith('x-')) continue;
    if (key === 'name' && typeof spec.external !== 'object') continue;
    if (key === 'exclusive') {
      sink.atKey(CODES.exclusiveExternal, [...network.path, key], {
        message: 'exclusive cannot be set on an external network',
        hint: 'netform never changes an external network; remove exclusive, or let netform manage the network',
      });
      continue;
    }
    sink.atKey(CODES.externalWithSettings, [...network.path, key], {
      message:
        key === 'name'
          ? 'the name is given both in external.name and in name'
          : `an external network takes no ${key}: it must exist as it is and netform never changes it`,
      hint:
        key === 'name'
          ? 'keep one of them (name: is the current form)'
          : `remove ${key}, or remove external: true to let netform manage the network`,
    });
  }
}

function checkParent(network: NetworkFacts, sink: Sink): void {
  const { spec, driver } = network;
  const optionParent = spec.driver_opts?.parent;
  const parentPath =
    spec.parent !== undefined
      ? [...network.path, 'parent']
      : optionParent !== undefined
        ? [...network.path, 'driver_opts', 'parent']
        : undefined;
  if (spec.parent !== undefined && optionParent !== undefined && String(optionParent) !== spec.parent) {
    sink.atValue(CODES.parentConflict, [...network.path, 'parent'], {
      message: `parent ${spec.parent} differs from driver_opts.parent ${String(optionParent)}`,
      hint: 'give the parent interface once (parent: is the shorthand for driver_opts.parent)',
    });
  }
  if (PARENT_DRIVERS.includes(driver)) {
    // With a parent given on some engine, engines.ts warns about the engines without one.
    if (!parentPath && !parentOnSomeEngine(spec)) {
      sink.atKey(CODES.parentMissing, network.path, {
        severity: 'warning',
        message: `${driver} network without a parent interface: Docker creates a dummy one, with no outside connectivity`,
        hint: 'add parent: (the host interface, e.g. eth0 or eth0.50)',
      });
    }
    return;
  }
  if (!parentPath) return;
  const builtIn = NO_PARENT_DRIVERS.includes(driver);
  sink.atKey(CODES.parentOnWrongDriver, parentPath, {
    severity: builtIn ? 'error' : 'warning',
    message: builtIn
      ? `the ${driver} driver takes no parent interface`
      : `parent is given for the driver ${driver}; only macvlan and ipvlan are known to take one`,
    hint: builtIn
      ? 'remove parent, or set driver: macvlan or ipvlan'
      : 'check that the plugin takes a parent option',
  });
}

function parentOnSomeEngine(spec: NetworkFacts['spec']): boolean {
  const engines = spec.engines;
  if (engines === undefined || Array.isArray(engines)) return false;
  return Object.values(engines).some(
    (entry) => entry?.parent !== undefined || entry?.driver_opts?.parent !== undefined,
  );
}

function checkBridgeName(network: NetworkFacts, byBridgeName: Map<string, NetworkFacts>, sink: Sink): void {
  const value = network.spec.driver_opts?.[BRIDGE_NAME_OPTION];
  if (value === undefined) return;
  const name = String(value);
  const path = [...network.path, 'driver_opts', BRIDGE_NAME_OPTION];
  if (name === 'docker0') {
    sink.atValue(CODES.bridgeNameDocker0, path, {
      message:
        'bridge name docker0 is the default bridge: the engine lets this network take it over and deletes it when ' +
        'the network is removed, cutting off every container on the default bridge',
      hint: 'choose another bridge name (e.g. br-' + network.key.slice(0, 12) + '), or leave the option out',
    });
  } else if (name.length > MAX_INTERFACE_NAME) {
    sink.atValue(CODES.bridgeNameTooLong, path, {
      message: `bridge name ${name} is ${name.length} characters; Linux interface names have at most ${MAX_INTERFACE_NAME}`,
      hint: `shorten it to ${MAX_INTERFACE_NAME} characters or fewer`,
    });
  }
  const other = byBridgeName.get(name);
  if (other) {
    sink.atValue(CODES.bridgeNameShared, path, {
      message: `bridge name ${name} is also used by network ${other.key}`,
      hint: 'give each network its own bridge name',
    });
  } else {
    byBridgeName.set(name, network);
  }
}

export function checkLabels(network: Pick<NetworkFacts, 'spec' | 'path'>, sink: Sink): void {
  const labels = network.spec.labels;
  if (labels === undefined) return;
  const path = [...network.path, 'labels'];
  const entries: [string, (string | number)[], string | undefined][] = Array.isArray(labels)
    ? labels.map((item, index) => [item.split('=')[0] ?? '', [...path, index], item])
    : Object.keys(labels).map((key) => [key, [...path, key], undefined]);
  for (const [key, where, item] of entries) {
    if (key === '' || /\s/.test(key)) {
      sink.atValue(CODES.invalidLabel, where, {
        message: `label key ${JSON.stringify(key)} is not valid`,
        hint: labelHint(key, item),
      });
    } else if (key.startsWith(RESERVED_LABEL_PREFIX)) {
      sink.atKey(CODES.reservedLabel, where, {
        message: `label ${key} is under ${RESERVED_LABEL_PREFIX}, which netform writes itself`,
        hint: 'use another label key',
      });
    }
  }
}

/** What to write instead of an invalid label key; `item` is the list form's `KEY=VALUE` text. */
function labelHint(key: string, item: string | undefined): string {
  if (item === undefined) return 'use a non-empty key without spaces';
  const equals = item.indexOf('=');
  const trimmedKey = key.trim();
  if (trimmedKey !== '' && !/\s/.test(trimmedKey)) {
    // `spaces = around`: the spaces around `=` become part of the key and the value.
    const value = equals < 0 ? '' : item.slice(equals + 1).trim();
    return `write ${JSON.stringify(equals < 0 ? trimmedKey : `${trimmedKey}=${value}`)}: in list form, everything before = is the key, spaces included`;
  }
  return trimmedKey === ''
    ? 'write each label as KEY=VALUE, with a key before the ='
    : 'label keys cannot contain spaces; write each label as KEY=VALUE';
}
