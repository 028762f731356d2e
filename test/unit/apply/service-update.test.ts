import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { ServiceVersionConflictError } from '../../../src/model/errors.js';
import type { ObservedService } from '../../../src/model/observed.js';
import { PLAN_FORMAT_VERSION, type Plan, type ServiceUpdateAction } from '../../../src/model/plan.js';
import type { ServiceNetworkAttachment, ServiceUpdateOutcome } from '../../../src/model/port.js';
import { MemoryPort } from './memory-port.js';

/**
 * The executor's control flow for a service update (src/apply/execute.ts, docs/swarm.md): sent
 * with the plan's version; on a version conflict, the service is read again and the update's own
 * changes are applied to what it has now, once; a second conflict is the action's failure. The
 * port only stands in for the engine's version guard; the real guard is tested on the two-node
 * swarm (test/engine/swarm.test.ts).
 */
class ServicePort extends MemoryPort {
  readonly updates: { version: number; networks: ServiceNetworkAttachment[] }[] = [];
  constructor(
    public service: ObservedService,
    /** The versions the "engine" has at each update, in turn. */
    private readonly versions: number[],
  ) {
    super();
  }

  inspectService(): Promise<ObservedService | undefined> {
    return Promise.resolve(this.service);
  }

  updateServiceNetworks(
    _id: string,
    version: number,
    networks: ServiceNetworkAttachment[],
  ): Promise<ServiceUpdateOutcome> {
    this.updates.push({ version, networks });
    const current = this.versions.shift() ?? version;
    if (current !== version) {
      return Promise.reject(
        new ServiceVersionConflictError(`service web moved on: version ${current}`, 'web', version, current),
      );
    }
    return Promise.resolve({ warnings: [] });
  }
}

const service = (version: number, networks: ObservedService['networks']): ObservedService => ({
  id: 'svc1',
  name: 'web',
  version,
  labels: {},
  mode: 'replicated',
  replicas: 2,
  networks,
  legacyNetworks: false,
});

const action: ServiceUpdateAction = {
  kind: 'service-update',
  service: 'web',
  serviceId: 'svc1',
  version: 10,
  before: [{ network: 'old', networkId: 'n-old', aliases: [], driverOpts: {} }],
  after: [{ network: 'mesh', networkId: 'n-mesh', aliases: ['www'], driverOpts: {} }],
  changes: [
    {
      kind: 'add',
      network: 'mesh',
      after: { network: 'mesh', networkId: 'n-mesh', aliases: ['www'], driverOpts: {} },
    },
    {
      kind: 'remove',
      network: 'old',
      before: { network: 'old', networkId: 'n-old', aliases: [], driverOpts: {} },
    },
  ],
  tasksRestarting: 2,
  legacyNetworks: false,
  reason: 'test',
};

const plan: Plan = {
  formatVersion: PLAN_FORMAT_VERSION,
  project: 'p',
  actions: [action],
  diagnostics: [],
  notes: [],
  summary: { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0, 'service-update': 1 },
};

describe('a service update', () => {
  it("is one update sent with the plan's version", async () => {
    const port = new ServicePort(service(10, []), [10]);
    const result = await executePlan(plan, port);
    expect(result.status).toBe('applied');
    expect(port.updates).toEqual([
      { version: 10, networks: [{ networkId: 'n-mesh', aliases: ['www'], driverOpts: {} }] },
    ]);
  });

  it('on a conflict, is re-read and re-planned once: its own changes over what the service has now', async () => {
    // Someone put the service on `side` since the plan: that stays, the plan's changes apply.
    const now = service(12, [
      { networkId: 'n-old', networkName: 'old', aliases: [], driverOpts: {} },
      { networkId: 'n-side', networkName: 'side', aliases: ['s'], driverOpts: {} },
    ]);
    const port = new ServicePort(now, [12, 12]);
    const result = await executePlan(plan, port);
    expect(result.status).toBe('applied');
    expect(port.updates.map((u) => u.version)).toEqual([10, 12]);
    expect(port.updates[1]?.networks).toEqual([
      { networkId: 'n-mesh', aliases: ['www'], driverOpts: {} },
      { networkId: 'n-side', aliases: ['s'], driverOpts: {} },
    ]);
  });

  it('fails, with the engine words, on a second conflict', async () => {
    const port = new ServicePort(service(12, []), [12, 13]);
    const result = await executePlan(plan, port);
    expect(result.status).toBe('failed');
    expect(port.updates.map((u) => u.version)).toEqual([10, 12]);
    expect(result.actions[0]?.status).toBe('failed');
    expect(result.actions[0]?.error).toContain('version 13');
  });
});
