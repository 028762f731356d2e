import type { ContainerSpec } from '../../model/spec.generated.js';
import { INTERFACE_NAME_OPTION } from '../../model/desired.js';
import { CODES } from '../codes.js';
import { attachmentsOf } from '../normalize.js';
import type { SpecPath } from '../source-map.js';
import type { NetworkFacts, Sink } from './context.js';

const GATEWAY_MODE_OPTIONS = [
  'com.docker.network.bridge.gateway_mode_ipv4',
  'com.docker.network.bridge.gateway_mode_ipv6',
];
/** The bridge gateway modes Engine 28 knows; 28.5 refuses any other ("unknown gateway mode"). */
const GATEWAY_MODES = ['nat', 'nat-unprotected', 'routed', 'isolated'];
/** Linux's IFNAMSIZ is 16 bytes including the terminating NUL. */
const MAX_INTERFACE_NAME = 15;
/** What Linux refuses in an interface name (dev_valid_name): '/', ':' and whitespace, `.` and `..`. */
const INVALID_INTERFACE_NAME = /[/:\s]/;

/**
 * The keys of Engine 28 (docs/spec.md) that engines check together: combinations the engine
 * would refuse half-way through an apply (at create, at connect, or only when the container
 * next starts), or accept and then leave without effect. Each rule was seen on Engine 28.5; see
 * docs/engines.md.
 */
export function checkEngineKeys(
  networks: readonly NetworkFacts[],
  containers: Record<string, ContainerSpec | null> | undefined,
  sink: Sink,
): void {
  for (const network of networks) {
    if (network.external) continue;
    checkAddressFamilies(network, sink);
    checkGatewayModes(network, sink);
    checkIngress(network, sink);
  }
  checkInterfaceNames(containers, networks, sink);
}

function checkAddressFamilies(network: NetworkFacts, sink: Sink): void {
  const { spec, path } = network;
  if (spec.enable_ipv4 !== false) return;
  if (spec.enable_ipv6 !== true) {
    // 28.5: "IPv4 or IPv6 must be enabled".
    sink.atValue(CODES.noAddressFamily, [...path, 'enable_ipv4'], {
      message: `network ${network.key} has enable_ipv4: false without enable_ipv6: true, so it would have no addresses at all`,
      hint: `add enable_ipv6: true to networks.${network.key} (an IPv6-only network), or drop enable_ipv4: false`,
    });
  }
  // 28.5 accepts an IPv4 subnet on such a network, and a container asking for an address in
  // it gets none: nothing fails, nothing works.
  for (const pool of network.pools) {
    if (pool.subnet?.family !== 4) continue;
    sink.atValue(CODES.ipv4OnIpv6Only, [...pool.path, 'subnet'], {
      message: `IPv4 subnet ${pool.subnet.text} on network ${network.key}, which has enable_ipv4: false: containers would get no IPv4 address from it`,
      hint: 'remove the IPv4 subnet, or drop enable_ipv4: false',
    });
  }
}

function checkGatewayModes(network: NetworkFacts, sink: Sink): void {
  const options = network.spec.driver_opts ?? {};
  for (const option of GATEWAY_MODE_OPTIONS) {
    const value = options[option];
    if (value === undefined) continue;
    const mode = String(value);
    const path = [...network.path, 'driver_opts', option];
    if (!GATEWAY_MODES.includes(mode)) {
      sink.atValue(CODES.unknownGatewayMode, path, {
        message: `${mode} is not a gateway mode (${GATEWAY_MODES.join(', ')})`,
        hint: 'Engine 28 refuses other values; engines before it ignore the option whatever its value',
      });
    } else if (mode === 'isolated' && network.spec.internal !== true) {
      // 28.5: "gateway mode 'isolated' can only be used for an internal network".
      sink.atValue(CODES.isolatedNotInternal, path, {
        message: `gateway mode isolated on network ${network.key}, which is not internal`,
        hint: `add internal: true to networks.${network.key}, or choose another gateway mode`,
      });
    }
  }
}

function checkIngress(network: NetworkFacts, sink: Sink): void {
  if (network.spec.ingress !== true || network.driver === 'overlay') return;
  // 28.5: "Ingress network can only be global scope network".
  sink.atValue(CODES.ingressNotOverlay, [...network.path, 'ingress'], {
    message: `ingress network ${network.key} has the driver ${network.driver}; the routing mesh is an overlay network`,
    hint: `add driver: overlay to networks.${network.key}`,
  });
}

/**
 * interface_name: a name Linux accepts, given once (interface_name or the driver option it
 * stands for), and unique among one container's networks. 28.5 refuses a duplicate at connect
 * for a running container, and accepts it for a stopped one, which then fails to start.
 */
function checkInterfaceNames(
  containers: Record<string, ContainerSpec | null> | undefined,
  networks: readonly NetworkFacts[],
  sink: Sink,
): void {
  const byKey = new Map(networks.map((n) => [n.key, n]));
  for (const [name, container] of Object.entries(containers ?? {})) {
    const seen = new Map<string, string>();
    for (const { network, endpoint, segment } of attachmentsOf(container?.networks)) {
      if (!byKey.has(network)) continue;
      const where: SpecPath = ['containers', name, 'networks', segment];
      const option = endpoint.driver_opts?.[INTERFACE_NAME_OPTION];
      const given = endpoint.interface_name;
      if (given !== undefined && option !== undefined && String(option) !== given) {
        sink.atValue(CODES.invalidInterfaceName, [...where, 'interface_name'], {
          message: `interface_name ${given} differs from driver_opts.${INTERFACE_NAME_OPTION} ${String(option)}`,
          hint: 'give the interface name once (interface_name is the key for that driver option)',
        });
        continue;
      }
      const ifname = given ?? (option === undefined ? undefined : String(option));
      if (ifname === undefined) continue;
      const path =
        given !== undefined ? [...where, 'interface_name'] : [...where, 'driver_opts', INTERFACE_NAME_OPTION];
      if (
        ifname === '' ||
        ifname === '.' ||
        ifname === '..' ||
        ifname.length > MAX_INTERFACE_NAME ||
        INVALID_INTERFACE_NAME.test(ifname)
      ) {
        sink.atValue(CODES.invalidInterfaceName, path, {
          message: `interface name ${JSON.stringify(ifname)} is not one Linux accepts`,
          hint: `use at most ${MAX_INTERFACE_NAME} characters, without '/', ':' or spaces`,
        });
        continue;
      }
      const other = seen.get(ifname);
      if (other !== undefined) {
        sink.atValue(CODES.duplicateInterfaceName, path, {
          message: `container ${name} has the interface name ${ifname} on ${other} and on ${network}`,
          hint: 'give each of its networks its own interface name',
        });
      } else {
        seen.set(ifname, network);
      }
    }
  }
}
