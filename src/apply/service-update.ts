import { ServiceVersionConflictError } from '../model/errors.js';
import type { ObservedService } from '../model/observed.js';
import type { ServiceNetworkAttachment } from '../model/port.js';
import type { ActionRun } from './action-run.js';

/** One of a service's networks as an update sends it: its own copy of the aliases and driver options. */
export const serviceAttachment = (
  n: Pick<ServiceNetworkAttachment, 'networkId' | 'aliases' | 'driverOpts'>,
): ServiceNetworkAttachment => ({
  networkId: n.networkId,
  aliases: [...n.aliases],
  driverOpts: { ...n.driverOpts },
});

/** The service one update is about, and how the operation is recorded (`service web off mesh`). */
export interface ServiceUpdateTarget {
  service: string;
  serviceId: string;
  what: string;
}

/**
 * One `service update` that sets a service's networks (docs/swarm.md), shared by the update
 * action (execute.ts) and the replace of a network services are on (replace.ts).
 *
 * Sent with `version` and `networksFor(undefined)` (the plan's). When the service moved on since
 * (another write, or the engine's own allocation or rollout status), it is read again and sent
 * once more with its new version and `networksFor(now)`; a second conflict is the failure, with
 * the engine's words. `version` undefined: the service is read first (an update that follows one
 * this run sent, which moved the version on). Done when the engine accepts it: the rollout is the
 * service's.
 */
export async function sendServiceUpdate(
  run: ActionRun,
  target: ServiceUpdateTarget,
  version: number | undefined,
  networksFor: (now: ObservedService | undefined) => ServiceNetworkAttachment[],
  options: { rollback?: boolean } = {},
): Promise<void> {
  const port = run.port;
  if (!port.updateServiceNetworks || !port.inspectService) {
    throw new Error(`engine ${port.host} cannot update services`);
  }
  const read = async (cause?: unknown): Promise<ObservedService> => {
    const now = await port.inspectService!(target.serviceId);
    if (!now) {
      throw new Error(`service ${target.service} was removed since the plan was made`, { cause });
    }
    return now;
  };
  const send = (v: number, networks: ServiceNetworkAttachment[]): Promise<unknown> =>
    run.request(
      'update-service',
      target.what,
      () => port.updateServiceNetworks!(target.serviceId, v, networks),
      options,
    );
  await updateWithOneReread(read, send, version, networksFor, (sent, now) =>
    run.logger?.info(
      { service: target.service, sent, now },
      'service moved on since it was read; re-planned its update once',
    ),
  );
}

/**
 * The rule of every service update netform sends (docs/swarm.md): sent with `version` (read first
 * when undefined) and `networksFor` of what was read; on a version conflict read again and sent
 * once more with the new version; a second conflict is the failure. Shared by sendServiceUpdate
 * and the restore of an interrupted replace (restore-point.ts), which has no action to record in.
 */
export async function updateWithOneReread(
  read: (cause?: unknown) => Promise<ObservedService>,
  send: (version: number, networks: ServiceNetworkAttachment[]) => Promise<unknown>,
  version: number | undefined,
  networksFor: (now: ObservedService | undefined) => ServiceNetworkAttachment[],
  onReread?: (sent: number, now: number) => void,
): Promise<void> {
  const fresh = version === undefined ? await read() : undefined;
  const first = fresh?.version ?? version!;
  try {
    await send(first, networksFor(fresh));
  } catch (error) {
    if (!(error instanceof ServiceVersionConflictError)) throw error;
    const now = await read(error);
    onReread?.(first, now.version);
    await send(now.version, networksFor(now));
  }
}
