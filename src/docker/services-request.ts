import type { ServiceNetworkAttachment } from '../model/port.js';
import type { ApiNetworkAttachmentConfig, ApiServiceSpec } from './swarm-api.js';

/**
 * The body of `POST /services/{id}/update` that sets a service's networks: the spec exactly as
 * the engine reported it, with only the networks changed (docs/swarm.md). Pure.
 *
 * - Networks go in `TaskTemplate.Networks`, with network IDs in `Target` (the API's contract;
 *   the daemon's rewriting of names is kept for old clients only), sorted by ID as the docker CLI
 *   sorts them, so the same networks always make the same spec.
 * - The deprecated top-level `Networks` is dropped. swarmkit refuses a change to it alone
 *   ("networks must be migrated to TaskSpec before being changed") but accepts it together with
 *   a change to `TaskTemplate.Networks`, which is this case.
 * - `TaskTemplate.ForceUpdate` is sent as read: a changed task template restarts the tasks by
 *   itself, and raising the counter would only say "restart even without a change".
 * - Empty aliases and driver options are left out, as the CLI leaves them out.
 */
export function serviceNetworksUpdateSpec(
  spec: ApiServiceSpec,
  networks: readonly ServiceNetworkAttachment[],
): ApiServiceSpec {
  const { Networks: _deprecated, ...rest } = structuredClone(spec);
  const attachments: ApiNetworkAttachmentConfig[] = [...networks]
    .sort((a, b) => (a.networkId < b.networkId ? -1 : a.networkId > b.networkId ? 1 : 0))
    .map((network) => ({
      Target: network.networkId,
      ...(network.aliases.length > 0 ? { Aliases: [...network.aliases] } : {}),
      ...(Object.keys(network.driverOpts).length > 0 ? { DriverOpts: { ...network.driverOpts } } : {}),
    }));
  return { ...rest, TaskTemplate: { ...(rest.TaskTemplate ?? {}), Networks: attachments } };
}

/** swarmkit's words when an update carries a version the service no longer has. */
export function isUpdateOutOfSequence(engineMessage: string): boolean {
  return engineMessage.includes('update out of sequence');
}
