import { MANAGED_LABEL, PROJECT_LABEL, type DesiredNetwork } from '../model/desired.js';
import type { NetworkCreateRequest } from '../model/port.js';

/**
 * The engine request that creates `network`. With `project`, netform's ownership labels are added
 * (a plan's `after`); without, the labels are taken as they are (a replace's `before`, which
 * already carries them, recreated by a rollback).
 */
export function networkCreateRequest(network: DesiredNetwork, project?: string): NetworkCreateRequest {
  const labels =
    project === undefined
      ? { ...network.labels }
      : { ...network.labels, [MANAGED_LABEL]: 'true', [PROJECT_LABEL]: project };
  return {
    name: network.name,
    driver: network.driver,
    ...(network.scope !== undefined ? { scope: network.scope } : {}),
    attachable: network.attachable,
    internal: network.internal,
    // Plan files of an older netform have neither field: absent means the default.
    ...(network.enableIPv4 === false ? { enableIPv4: false } : {}),
    enableIPv6: network.enableIPv6,
    ...(network.ingress === true ? { ingress: true } : {}),
    ...(network.configOnly === true ? { configOnly: true } : {}),
    ...(network.configFrom !== undefined ? { configFrom: network.configFrom } : {}),
    ipam: {
      driver: network.ipam.driver,
      options: { ...network.ipam.options },
      config: network.ipam.config.map((pool) => ({
        subnet: pool.subnet,
        ...(pool.ipRange !== undefined ? { ipRange: pool.ipRange } : {}),
        ...(pool.gateway !== undefined ? { gateway: pool.gateway } : {}),
        auxAddresses: { ...pool.auxAddresses },
      })),
    },
    options: { ...network.driverOpts },
    labels,
  };
}
