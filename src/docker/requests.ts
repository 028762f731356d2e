import { INTERFACE_NAME_OPTION, type EndpointSettings } from '../model/desired.js';
import { EngineError } from '../model/errors.js';
import type { NetworkCreateRequest } from '../model/port.js';
import { apiAtLeast } from './api-version.js';
import type { ApiNetworkConnectBody, ApiNetworkCreateBody } from './engine-api.js';

/** The POST /networks/create body for `request`. Pure. */
export function networkCreateBody(request: NetworkCreateRequest): ApiNetworkCreateBody {
  return {
    Name: request.name,
    CheckDuplicate: true,
    Driver: request.driver,
    ...(request.scope ? { Scope: request.scope } : {}),
    Internal: request.internal,
    Attachable: request.attachable,
    ...(request.configOnly ? { ConfigOnly: true } : {}),
    ...(request.ingress ? { Ingress: true } : {}),
    // Sent only to turn IPv4 off: engines before API 1.48 ignore the field (src/spec/online.ts refuses it there).
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
 * The POST /networks/{id}/connect body. Older engines silently ignore what they do not know, so
 * settings they cannot honour are an error instead: GwPriority needs API 1.48 (Engine 28), and the
 * endpoint's MacAddress, accepted since API 1.44, is applied on connect only from API 1.54 (moby's
 * API changelog; Engine 20.10.24 was seen deriving the MAC from the IP address whatever was sent).
 */
export function networkConnectBody(
  containerId: string,
  settings: EndpointSettings,
  apiVersion: string,
): ApiNetworkConnectBody {
  const ipam = {
    ...(settings.ipv4Address ? { IPv4Address: settings.ipv4Address } : {}),
    ...(settings.ipv6Address ? { IPv6Address: settings.ipv6Address } : {}),
    ...(settings.linkLocalIps.length > 0 ? { LinkLocalIPs: [...settings.linkLocalIps] } : {}),
  };
  const priority = settings.gwPriority ?? 0;
  if (priority !== 0 && !apiAtLeast(apiVersion, '1.48')) {
    throw new EngineError(
      `connecting container ${containerId}: a gateway priority (${priority}) needs Engine API 1.48 (Docker 28), this engine speaks ${apiVersion}`,
      { hint: 'remove `gw_priority` from the spec or upgrade the engine' },
    );
  }
  const interfaceName = settings.driverOpts[INTERFACE_NAME_OPTION];
  if (interfaceName !== undefined && !apiAtLeast(apiVersion, '1.48')) {
    throw new EngineError(
      `connecting container ${containerId}: an interface name (${interfaceName}) needs Engine API 1.48 (Docker 28), this engine speaks ${apiVersion} and would ignore it`,
      { hint: 'remove `interface_name` from the spec or upgrade the engine' },
    );
  }
  if (settings.macAddress && !apiAtLeast(apiVersion, '1.54')) {
    throw new EngineError(
      `connecting container ${containerId}: a MAC address on connect (${settings.macAddress}) needs Engine API 1.54, this engine speaks ${apiVersion} and would ignore it`,
      { hint: 'remove `mac_address` from the spec or upgrade the engine' },
    );
  }
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
