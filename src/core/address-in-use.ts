import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import type { Action } from '../model/plan.js';
import type { EndpointIndex } from './normalize-observed.js';
import { addressOfValue, parseCidr } from './cidr.js';
import { daemonGatewayValue } from './daemon-gateway.js';
import { addressInUse, addressIsGateway } from './plan-diagnostics.js';

/**
 * Connects and reconnects to an existing network that ask for a static address another
 * container on it has (assigned while running, or configured while stopped) and keeps, since this
 * plan neither disconnects nor reconnects that container there. The engine answers "Address
 * already in use" to the connect, or (stopped holder) lets it through and then refuses to start
 * the holder. Networks created or replaced by the plan are checked by replacementAddressProblems.
 */
export function addressInUseProblems(
  desired: DesiredState,
  observed: ObservedState,
  endpoints: EndpointIndex,
  actions: readonly Action[],
): Diagnostic[] {
  const networksById = new Map(observed.networks.map((network) => [network.id, network]));
  const leaving = new Set(
    actions.flatMap((a) =>
      a.kind === 'disconnect' || a.kind === 'reconnect' ? [`${a.networkId} ${a.containerId}`] : [],
    ),
  );
  const problems: Diagnostic[] = [];
  for (const action of actions) {
    if (action.kind !== 'connect' && action.kind !== 'reconnect') continue;
    const network = action.networkId === undefined ? undefined : networksById.get(action.networkId);
    if (!network) continue;
    for (const wanted of [action.after.ipv4Address, action.after.ipv6Address]) {
      if (wanted === undefined) continue;
      const position = desired.containers[action.container]?.attachments[action.network]?.source;
      if (gatewaysOf(network).includes(wanted)) {
        problems.push(addressIsGateway(action.network, action.container, wanted, position));
        continue;
      }
      for (const { container, endpoint } of endpoints.on(network)) {
        if (container.id === action.containerId || leaving.has(`${network.id} ${container.id}`)) continue;
        const held = [
          endpoint.configuredIPv4,
          endpoint.ipv4Address,
          endpoint.configuredIPv6,
          endpoint.ipv6Address,
        ];
        if (!held.includes(wanted)) continue;
        problems.push(
          addressInUse(
            action.network,
            action.container,
            wanted,
            container.name,
            container.state,
            holderSpec(desired, container.name, action.network, wanted),
            position,
          ),
        );
      }
    }
  }
  return problems;
}

/** Whether the spec lists the holder of an address, and gives it a static address of that family there. */
function holderSpec(
  desired: DesiredState,
  holder: string,
  network: string,
  address: string,
): 'unlisted' | 'static' | 'dynamic' {
  const listed = desired.containers[holder];
  if (!listed) return 'unlisted';
  const attachment = listed.attachments[network];
  const own = address.includes(':') ? attachment?.ipv6Address : attachment?.ipv4Address;
  return own === undefined ? 'dynamic' : 'static';
}

/**
 * The gateways of an existing network, canonical: each pool's reported gateway, or, when the
 * engine does not report it (20.10 for a gateway the daemon picked), the daemon's pick with the
 * default IPAM driver.
 */
function gatewaysOf(network: ObservedNetwork): string[] {
  const defaultIpam = network.ipam.driver === 'default' || network.ipam.driver === '';
  return network.ipam.config.flatMap((pool) => {
    if (pool.gateway !== undefined) return [pool.gateway];
    const family = parseCidr(pool.subnet)?.family;
    const picked = defaultIpam ? daemonGatewayValue(pool) : undefined;
    return family === undefined || picked === undefined ? [] : [addressOfValue(picked, family)];
  });
}
