import type { DesiredNetwork } from '../../../src/model/desired.js';

/** A compiled network as the unit tests of the planners build it: the spec's defaults, then `extra`. */
export const desiredNetwork = (
  name: string,
  driver: string,
  extra: Partial<DesiredNetwork> = {},
): DesiredNetwork => ({
  name,
  driver,
  external: false,
  exclusive: false,
  attachable: true,
  internal: false,
  enableIPv4: true,
  enableIPv6: false,
  ingress: false,
  ipam: { driver: 'default', options: {}, config: [] },
  labels: {},
  driverOpts: {},
  ...extra,
});
