import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import type { Action } from '../model/plan.js';
import type { EndpointIndex } from './normalize-observed.js';
import { addressOfValue, parseCidr } from './cidr.js';
import { daemonGatewayValue } from './daemon-gateway.js';
import { addressInUse, addressIsGateway, cannotStart } from './plan-diagnostics.js';

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
  const problems: Diagnostic[] = [...unstartable(desired, observed, endpoints, actions, leaving)];
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

/**
 * Listed containers that are not running and that the plan leaves as they are on a network,
 * configured with a static address a running container there has: the attachment matches the
 * spec, but the container cannot start ("Address already in use"). What a connect the engine
 * refused leaves once the container stops (docs/plan.md, "Entries without an endpoint").
 */
function unstartable(
  desired: DesiredState,
  observed: ObservedState,
  endpoints: EndpointIndex,
  actions: readonly Action[],
  leaving: ReadonlySet<string>,
): Diagnostic[] {
  const touched = new Set(
    actions.flatMap((a) => ('containerId' in a ? [`${a.network} ${a.containerId}`] : [a.network])),
  );
  const problems: Diagnostic[] = [];
  for (const network of observed.networks) {
    if (touched.has(network.name)) continue;
    const on = endpoints.on(network);
    const held = new Map<string, { name: string; state: string }>();
    for (const { container, endpoint } of on) {
      if (container.state !== 'running' || leaving.has(`${network.id} ${container.id}`)) continue;
      for (const address of [endpoint.ipv4Address, endpoint.ipv6Address]) {
        if (address !== undefined) held.set(address, container);
      }
    }
    if (held.size === 0) continue;
    for (const { container, endpoint } of on) {
      const attachment = desired.containers[container.name]?.attachments[network.name];
      if (!attachment || container.state === 'running' || container.state === 'paused') continue;
      if (touched.has(`${network.name} ${container.id}`)) continue;
      for (const address of [endpoint.configuredIPv4, endpoint.configuredIPv6]) {
        const holder = address === undefined ? undefined : held.get(address);
        if (address === undefined || !holder || holder.name === container.name) continue;
        problems.push(
          cannotStart(
            network.name,
            container.name,
            container.state,
            address,
            holder.name,
            holderSpec(desired, holder.name, network.name, address),
            attachment.source,
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
