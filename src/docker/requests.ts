import type { EndpointSettings } from '../model/desired.js';
import { EngineError } from '../model/errors.js';
import type { NetworkCreateRequest } from '../model/port.js';
import {
  ENDPOINT_API_GATES,
  NETWORK_API_GATES,
  unsupportedKeys,
  type UnsupportedKey,
} from '../model/api-versions.js';
import type { ApiNetworkConnectBody, ApiNetworkCreateBody } from './engine-api.js';

/**
 * The POST /networks/create body for `request`. Pure. A network made from a config-only network
 * (`configFrom`) takes its IPAM, options and IPv6 from it, and the engine refuses them, and any
 * label, beside ConfigFrom ("user specified configurations are not supported if the network
 * depends on a configuration network", seen on 28.5): its body carries none of them.
 */
export function networkCreateBody(request: NetworkCreateRequest): ApiNetworkCreateBody {
  if (request.configFrom !== undefined) {
    return {
      Name: request.name,
      CheckDuplicate: true,
      Driver: request.driver,
      ...(request.scope ? { Scope: request.scope } : {}),
      Internal: request.internal,
      Attachable: request.attachable,
      ConfigFrom: { Network: request.configFrom },
    };
  }
  return {
    Name: request.name,
    CheckDuplicate: true,
    Driver: request.driver,
    ...(request.scope ? { Scope: request.scope } : {}),
    Internal: request.internal,
    Attachable: request.attachable,
    ...(request.configOnly ? { ConfigOnly: true } : {}),
    ...(request.ingress ? { Ingress: true } : {}),
    // Sent only to turn IPv4 off: engines before API 1.48 ignore the field (a gate refuses it there).
    ...(request.enableIPv4 === false ? { EnableIPv4: false } : {}),
    EnableIPv6: request.enableIPv6,
    IPAM: {
      Driver: request.ipam.driver,
      Options: { ...request.ipam.options },
      Config: request.ipam.config.map((pool) => ({
        Subnet: pool.subnet,
        ...(pool.ipRange ? { IPRange: pool.ipRange } : {}),
        ...(pool.gateway ? { Gateway: pool.gateway } : {}),
        ...(Object.keys(pool.auxAddresses).length > 0
          ? { AuxiliaryAddresses: { ...pool.auxAddresses } }
          : {}),
      })),
    },
    Options: { ...request.options },
    Labels: { ...request.labels },
  };
}

/**
 * The last guard before a request: a key the negotiated API would accept and ignore (the table in
 * src/model/api-versions.ts) is refused. validate and plan report the same keys as NF075 first.
 */
function refuseUnsupported(what: string, found: UnsupportedKey[], apiVersion: string): void {
  const first = found[0];
  if (first === undefined) return;
  throw new EngineError(
    `${what}: ${first.key} ${first.value} needs Engine API ${first.minimum} (${first.release}); this engine speaks ${apiVersion} and would ignore it`,
    { hint: `remove \`${first.key}\` from the spec or upgrade the engine`, kind: 'refused' },
  );
}

/** Refuses a network create request with keys `apiVersion` cannot carry. */
export function checkNetworkCreate(request: NetworkCreateRequest, apiVersion: string): void {
  refuseUnsupported(
    `creating network ${request.name}`,
    unsupportedKeys(NETWORK_API_GATES, request, apiVersion),
    apiVersion,
  );
}

/** The POST /networks/{id}/connect body; settings `apiVersion` cannot carry are refused. */
export function networkConnectBody(
  containerId: string,
  settings: EndpointSettings,
  apiVersion: string,
): ApiNetworkConnectBody {
  refuseUnsupported(
    `connecting container ${containerId}`,
    unsupportedKeys(ENDPOINT_API_GATES, settings, apiVersion),
    apiVersion,
  );
  const ipam = {
    ...(settings.ipv4Address ? { IPv4Address: settings.ipv4Address } : {}),
    ...(settings.ipv6Address ? { IPv6Address: settings.ipv6Address } : {}),
    ...(settings.linkLocalIps.length > 0 ? { LinkLocalIPs: [...settings.linkLocalIps] } : {}),
  };
  const priority = settings.gwPriority ?? 0;
  return {
    Container: containerId,
    EndpointConfig: {
      ...(settings.aliases.length > 0 ? { Aliases: [...settings.aliases] } : {}),
      ...(Object.keys(ipam).length > 0 ? { IPAMConfig: ipam } : {}),
      ...(settings.macAddress ? { MacAddress: settings.macAddress } : {}),
      ...(Object.keys(settings.driverOpts).length > 0 ? { DriverOpts: { ...settings.driverOpts } } : {}),
      ...(priority !== 0 ? { GwPriority: priority } : {}),
    },
  };
}
