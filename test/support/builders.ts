import type { DesiredNetwork } from '../../src/model/desired.js';
import type { ObservedNetwork } from '../../src/model/observed.js';

/** A desired bridge network named `app` with every default explicit; override what a test needs. */
export const desiredNetwork = (over: Partial<DesiredNetwork> = {}): DesiredNetwork => ({
  name: 'app',
  driver: 'bridge',
  external: false,
  exclusive: false,
  attachable: false,
  internal: false,
  enableIPv4: true,
  enableIPv6: false,
  ingress: false,
  ipam: { driver: 'default', options: {}, config: [] },
  labels: {},
  driverOpts: {},
  ...over,
});

/** An observed local bridge network `app` (id n1) as the engine reports one with no options. */
export const observedNetwork = (over: Partial<ObservedNetwork> = {}): ObservedNetwork => ({
  id: 'n1',
  name: 'app',
  driver: 'bridge',
  scope: 'local',
  attachable: false,
  internal: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', options: {}, config: [] },
  options: {},
  labels: {},
  ...over,
});
