import { randomBytes } from 'node:crypto';
import { endpointOn } from '../core/normalize-observed.js';
import { hasStaticAddress } from '../core/order.js';
import { DEFAULT_IPAM_DRIVER } from '../model/docker-rules.js';
import type { DesiredNetwork, EndpointSettings } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import type { ObservedNetwork, ObservedService, ObservedState } from '../model/observed.js';
import type { PlanNote, ReplaceEndpoint, ReplaceNetworkAction, ReplaceService } from '../model/plan.js';
import type { DockerPort, NetworkCreateRequest, ServiceNetworkAttachment } from '../model/port.js';
import { isClusterNetwork } from '../core/swarm-fleet.js';
import { errorMessage } from './errors.js';
import { createNetworkWhenNameFree } from './network-removal.js';
import { networkCreateRequest } from './network-request.js';
import { serviceAttachment, updateWithOneReread } from './service-update.js';

/**
 * A replace takes a network's endpoints off it for a moment; a process killed in that moment
 * (SIGKILL, a second Ctrl-C, a lost machine) must not lose them, least of all those of containers
 * the spec does not list, which no later plan knows about. So before its first request a replace
 * writes a *restore point* on the engine (docs/apply.md, "Interrupted replaces"): a config-only
 * network, like the lock lease, whose labels hold the old network and every endpoint with its
 * settings. The replace removes it when it ends done or rolled back; whatever ends the process
 * first leaves it, and the next run of the project (apply, destroy, or `netform unlock`) restores
 * from it under the lock before it plans.
 *
 * Label values are not limited by the engine in any way that matters here: Engine 20.10 accepted
 * and returned a 64 MiB label value (measured, docs/apply.md); a restore point is about 200 bytes
 * per endpoint.
 */
export const RESTORE_LABEL = 'io.netform.restore';
/** The record itself, JSON (RestoreRecord). */
export const RESTORE_RECORD_LABEL = 'io.netform.restore.record';

/**
 * A Swarm service the replace takes off the network and puts back (docs/swarm.md): what it had on
 * the old network, and what it gets on the new one (null when the spec drops the attachment).
 */
export type RestoreService = Pick<ReplaceService, 'service' | 'serviceId' | 'before' | 'after'>;

/**
 * What a restore point holds. Format 2 is format 1 with `services`: a record with services is
 * written as 2, so that a netform that knows only 1 refuses it rather than drop the services.
 */
export interface RestoreRecord {
  formatVersion: 1 | 2;
  /** The network being replaced, its ID before the replace and its creatable form with labels. */
  network: string;
  networkId: string;
  before: DesiredNetwork;
  endpoints: ReplaceEndpoint[];
  /** The services on the network (format 2 only). */
  services?: RestoreService[];
  /** Who wrote it and when (ISO 8601). */
  pid: number;
  host: string;
  since: string;
}

export interface FoundRestorePoint {
  /** The restore point's own network. */
  id: string;
  name: string;
  record: RestoreRecord;
}

/** What restoring one restore point did. */
export interface RestoreReport {
  network: string;
  /** The restore point, as the user can find it with `docker network ls`. */
  restorePoint: string;
  since: string;
  /** `before`: the old network was there (or created again); `after`: the new one was, kept. */
  onto: 'before' | 'after';
  /** The network had to be created again from the record (the process died between remove and create). */
  recreated: boolean;
  /** Containers connected again. */
  restored: string[];
  /** Services put back on the network. */
  restoredServices: string[];
  /**
   * Containers (and services, as `service NAME`) already on the network, gone from the engine, or
   * dropped by the spec.
   */
  skipped: { container: string; why: string }[];
  failed: { container: string; error: string }[];
}

/** The engine request that writes `action`'s restore point for `project`. */
export function restorePointRequest(
  project: string,
  action: ReplaceNetworkAction,
  writer: { pid: number; host: string; now: Date },
): NetworkCreateRequest {
  const services = (action.services ?? []).map(({ service, serviceId, before, after }) => ({
    service,
    serviceId,
    before,
    after,
  }));
  const record: RestoreRecord = {
    formatVersion: services.length > 0 ? 2 : 1,
    network: action.network,
    networkId: action.networkId,
    before: action.before,
    endpoints: action.endpoints,
    ...(services.length > 0 ? { services } : {}),
    pid: writer.pid,
    host: writer.host,
    since: writer.now.toISOString(),
  };
  return {
    name: `netform-restore-${randomBytes(6).toString('hex')}`,
    driver: 'bridge',
    configOnly: true,
    attachable: false,
    internal: false,
    enableIPv6: false,
    ipam: { driver: DEFAULT_IPAM_DRIVER, options: {}, config: [] },
    options: {},
    labels: { [RESTORE_LABEL]: project, [RESTORE_RECORD_LABEL]: JSON.stringify(record) },
  };
}

/** True for a restore point's network (of any project). */
export function isRestorePoint(network: Pick<ObservedNetwork, 'labels'>): boolean {
  return RESTORE_LABEL in network.labels;
}

/**
 * The plan's notes for restore points of `project` in `observed`: a plan made while one waits
 * does not show the endpoints it will put back (`plan --detailed-exitcode` exits 2 for them).
 */
export function restoreNotes(observed: ObservedState, project: string): PlanNote[] {
  return observed.networks
    .filter((n) => n.labels[RESTORE_LABEL] === project)
    .map((n) => {
      let record: RestoreRecord | undefined;
      try {
        record = parseRecord(n);
      } catch {
        record = undefined;
      }
      const services = record?.services?.length ?? 0;
      const endpoints = record
        ? ` with ${record.endpoints.length} endpoint${record.endpoints.length === 1 ? '' : 's'}` +
          (services > 0 ? ` and ${services} service${services === 1 ? '' : 's'}` : '')
        : '';
      return {
        ...(record ? { network: record.network } : {}),
        message:
          `a replace of network ${record?.network ?? '?'}${endpoints} was interrupted${record ? ` at ${record.since}` : ''} ` +
          `(restore point ${n.name}): \`netform apply\` (or \`netform unlock\`) restores its ${services > 0 ? 'endpoints and services' : 'endpoints'} first, ` +
          'which this plan does not show',
      };
    });
}

/** The restore points `project` has on the engine, oldest first. */
export async function findRestorePoints(port: DockerPort, project: string): Promise<FoundRestorePoint[]> {
  const observed = await port.observe({ networks: [], containers: [] });
  return observed.networks
    .filter((n) => n.labels[RESTORE_LABEL] === project)
    .map((n) => ({ id: n.id, name: n.name, record: parseRecord(n) }))
    .sort((a, b) => a.record.since.localeCompare(b.record.since));
}

/**
 * Restores what interrupted replaces of `project` left, oldest first, and removes each restore
 * point once everything in it is back. Call it holding the project's lock. Endpoints go back onto
 * the network as it is now: onto the old network with their old settings when it is still there
 * (or created again from the record when the process died between removing and creating it),
 * onto the new one with their new settings when the replace got that far. Throws a NetformError
 * naming what could not be restored (the restore point is then kept for the next run).
 */
export async function restoreInterruptedReplaces(
  port: DockerPort,
  project: string,
  onRestored?: (report: RestoreReport) => void,
): Promise<RestoreReport[]> {
  const points = await findRestorePoints(port, project);
  const reports: RestoreReport[] = [];
  for (const point of points) {
    const report = await restoreOne(port, point);
    reports.push(report);
    onRestored?.(report);
    if (report.failed.length > 0) {
      throw new NetformError(
        `an interrupted replace of network ${report.network} (restore point ${point.name}) could not be fully restored: ` +
          report.failed.map((f) => `${f.container}: ${f.error}`).join('; '),
        {
          hint:
            `nothing else was changed; fix the cause and run again (the restore point is kept), ` +
            `or remove it with \`docker network rm ${point.name}\` to give those endpoints up`,
        },
      );
    }
    await port.removeNetwork(point.id);
  }
  return reports;
}

async function restoreOne(port: DockerPort, point: FoundRestorePoint): Promise<RestoreReport> {
  const { record } = point;
  const observed = await port.observe({
    networks: [record.network],
    containers: record.endpoints.map((e) => e.container),
  });
  const candidates = observed.networks.filter((n) => n.name === record.network);
  const old = candidates.find((n) => n.id === record.networkId);
  const report: RestoreReport = {
    network: record.network,
    restorePoint: point.name,
    since: record.since,
    onto: old || candidates.length === 0 ? 'before' : 'after',
    recreated: false,
    restored: [],
    restoredServices: [],
    skipped: [],
    failed: [],
  };
  const existing = old ?? candidates[0];
  let networkId = existing?.id;
  if (networkId === undefined) {
    try {
      const request = networkCreateRequest(record.before);
      // A cluster network's name stays taken for a while after its removal (network-removal.ts).
      networkId = isClusterNetwork(record.before)
        ? await createNetworkWhenNameFree(port, request)
        : await port.createNetwork(request);
      report.recreated = true;
    } catch (error) {
      report.failed.push({ container: `network ${record.network}`, error: errorMessage(error) });
      return report;
    }
  }
  // Static addresses first, so no dynamic endpoint takes one of them (docs/plan.md, "Reading a plan").
  const settingsOf = (endpoint: RestoreRecord['endpoints'][number]) =>
    report.onto === 'before' ? endpoint.before : endpoint.after;
  const ordered = [...record.endpoints].sort(
    (a, b) => staticFirst(settingsOf(a)) - staticFirst(settingsOf(b)),
  );
  for (const endpoint of ordered) {
    const container = observed.containers.find((c) => c.id === endpoint.containerId);
    if (!container) {
      report.skipped.push({ container: endpoint.container, why: 'no longer exists' });
      continue;
    }
    // An entry a refused connect left is not an attachment (entryOn): connecting replaces it.
    if (existing && endpointOn(container, existing)) {
      report.skipped.push({ container: endpoint.container, why: 'already connected' });
      continue;
    }
    const settings = settingsOf(endpoint);
    if (settings === null) {
      report.skipped.push({ container: endpoint.container, why: 'the spec drops it from this network' });
      continue;
    }
    try {
      await port.connect(networkId, endpoint.containerId, settings);
      report.restored.push(endpoint.container);
    } catch (error) {
      report.failed.push({ container: endpoint.container, error: errorMessage(error) });
    }
  }
  for (const service of record.services ?? []) {
    await restoreService(port, record, service, networkId, report);
  }
  return report;
}

/**
 * Puts a service the replace took off back on the network as it is now (docs/swarm.md): with what
 * it had on the old network, or what the spec gives it on the new one. One update, keeping its
 * other networks, with the version read now (re-read once on a conflict, as every update).
 */
async function restoreService(
  port: DockerPort,
  record: RestoreRecord,
  service: RestoreService,
  networkId: string,
  report: RestoreReport,
): Promise<void> {
  const name = `service ${service.service}`;
  try {
    if (!port.inspectService || !port.updateServiceNetworks) {
      throw new Error(`engine ${port.host} cannot update services (not a swarm manager)`);
    }
    const read = async (): Promise<ObservedService | undefined> => port.inspectService!(service.serviceId);
    const now = await read();
    if (!now) {
      report.skipped.push({ container: name, why: 'no longer exists' });
      return;
    }
    if (now.networks.some((n) => n.networkId === networkId)) {
      report.skipped.push({ container: name, why: 'already on the network' });
      return;
    }
    const settings = report.onto === 'before' ? service.before : service.after;
    if (settings === null) {
      report.skipped.push({ container: name, why: 'the spec drops it from this network' });
      return;
    }
    await updateWithOneReread(
      async () => {
        const again = await read();
        if (!again) throw new Error(`service ${service.service} was removed while it was being restored`);
        return again;
      },
      (version, networks) => port.updateServiceNetworks!(service.serviceId, version, networks),
      now.version,
      (fresh): ServiceNetworkAttachment[] => [
        ...(fresh ?? now).networks
          .filter((n) => n.networkId !== networkId && n.networkId !== record.networkId)
          .map(serviceAttachment),
        serviceAttachment({ ...settings, networkId }),
      ],
    );
    report.restoredServices.push(service.service);
  } catch (error) {
    report.failed.push({ container: name, error: errorMessage(error) });
  }
}

function parseRecord(network: ObservedNetwork): RestoreRecord {
  const text = network.labels[RESTORE_RECORD_LABEL] ?? '';
  try {
    const record = JSON.parse(text) as RestoreRecord;
    if (
      (record.formatVersion === 1 || record.formatVersion === 2) &&
      Array.isArray(record.endpoints) &&
      (record.services === undefined || Array.isArray(record.services))
    ) {
      return record;
    }
  } catch {
    // Reported below.
  }
  throw new NetformError(
    `the restore point ${network.name} on the engine cannot be read (label ${RESTORE_RECORD_LABEL})`,
    {
      hint: `it was not written by this version of netform; look at it with \`docker network inspect ${network.name}\`, restore by hand, then remove it`,
    },
  );
}

/**
 * One line per restore: `restored 3 endpoints (a, b, c) and 1 service (web) of network app onto
 * the new network, left by a replace interrupted at …`.
 */
export function describeRestore(report: RestoreReport): string {
  const onto =
    report.onto === 'after'
      ? 'onto the new network'
      : report.recreated
        ? 'onto the old network, created again'
        : 'onto the old network';
  const count = (names: readonly string[], noun: string): string =>
    `${names.length} ${noun}${names.length === 1 ? '' : 's'}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
  const services = report.restoredServices ?? [];
  const what =
    services.length === 0
      ? count(report.restored, 'endpoint')
      : report.restored.length === 0
        ? count(services, 'service')
        : `${count(report.restored, 'endpoint')} and ${count(services, 'service')}`;
  return `restored ${what} of network ${report.network} ${onto}, left by a replace interrupted at ${report.since}`;
}

/** 0 for settings with a static address, 1 otherwise (and for an endpoint the spec drops). */
function staticFirst(settings: EndpointSettings | null): number {
  return settings !== null && hasStaticAddress(settings) ? 0 : 1;
}
