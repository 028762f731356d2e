import { describe, expect, it } from 'vitest';
import { SINGLE_ENGINE } from '../../../src/core/engine-projection.js';
import type { EngineAddress } from '../../../src/docker/address.js';
import { closeEngines, connectEngines, selectedEngines } from '../../../src/docker/connect-engines.js';
import type { DesiredState } from '../../../src/model/desired.js';
import { EngineError, NetformError } from '../../../src/model/errors.js';
import type { DockerPort } from '../../../src/model/port.js';

/**
 * connectEngines' own control flow (concurrency, all-or-nothing, closing) driven by in-memory
 * ports through its `connector` seam; the real connections are tested in test/engine/fleet.test.ts.
 */
class MemoryPort implements DockerPort {
  closed = 0;
  constructor(readonly host: string) {}
  engineInfo(): never {
    throw new Error('not used');
  }
  observe(): never {
    throw new Error('not used');
  }
  createNetwork(): never {
    throw new Error('not used');
  }
  removeNetwork(): never {
    throw new Error('not used');
  }
  connect(): never {
    throw new Error('not used');
  }
  disconnect(): never {
    throw new Error('not used');
  }
  close(): Promise<void> {
    this.closed += 1;
    return Promise.resolve();
  }
}

/** A connection answers later, as a real one does. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const spec = (engines?: Record<string, string>): DesiredState => ({
  project: 'edge',
  networks: {},
  containers: {},
  ...(engines
    ? { engines: Object.fromEntries(Object.entries(engines).map(([name, host]) => [name, { name, host }])) }
    : {}),
});

const FLEET = spec({
  'edge-2': 'unix:///run/edge-2.sock',
  'edge-1': 'unix:///run/edge-1.sock',
  'edge-3': 'tcp://10.0.0.13:2375',
});

describe('connectEngines', () => {
  it('connects to every engine concurrently, each at its own address', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const ports: MemoryPort[] = [];
    const connecting = connectEngines(FLEET, {
      env: {},
      connector: (address: EngineAddress, engine: string) => {
        started.push(`${engine} ${address.display}`);
        return new Promise((resolve) =>
          release.push(() => {
            const port = new MemoryPort(address.display);
            ports.push(port);
            resolve(port);
          }),
        );
      },
    });
    // Every connection is under way before any of them has answered.
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.sort()).toEqual([
      'edge-1 unix:///run/edge-1.sock',
      'edge-2 unix:///run/edge-2.sock',
      'edge-3 tcp://10.0.0.13:2375',
    ]);
    for (const go of release.reverse()) go();
    const engines = await connecting;
    expect([...engines.keys()]).toEqual(['edge-1', 'edge-2', 'edge-3']);
    expect(engines.get('edge-3')?.host).toBe('tcp://10.0.0.13:2375');
    await closeEngines(engines);
    expect(ports.map((p) => p.closed)).toEqual([1, 1, 1]);
  });

  it('fails as a whole when one engine cannot be reached: one error naming it, every opened one closed', async () => {
    const opened: MemoryPort[] = [];
    const attempt = connectEngines(FLEET, {
      env: {},
      connector: async (address, engine) => {
        await tick();
        if (engine === 'edge-2')
          throw new EngineError('connection refused', { hint: 'start dockerd on edge-2' });
        const port = new MemoryPort(address.display);
        opened.push(port);
        return port;
      },
    });
    await expect(attempt).rejects.toThrow(EngineError);
    await expect(attempt).rejects.toThrow(
      'cannot reach engine edge-2 (unix:///run/edge-2.sock): connection refused',
    );
    await attempt.catch((error: NetformError) => expect(error.hint).toBe('start dockerd on edge-2'));
    expect(opened).toHaveLength(2);
    expect(opened.map((p) => p.closed)).toEqual([1, 1]);
  });

  it('names every engine that failed, also one whose address cannot be resolved', async () => {
    const broken = spec({
      good: 'unix:///run/good.sock',
      bad: 'tcp://bad host',
      down: 'unix:///run/down.sock',
    });
    const attempt = connectEngines(broken, {
      env: {},
      connector: async (address, engine) => {
        await tick();
        if (engine === 'down') throw new Error('ENOENT');
        return new MemoryPort(address.display);
      },
    });
    await expect(attempt).rejects.toThrow(
      'cannot reach 2 of 3 engines:\n' +
        '  engine bad: invalid engine address "tcp://bad host"\n' +
        '  engine down (unix:///run/down.sock): ENOENT',
    );
  });

  it('uses the clients a caller hands in and leaves them open', async () => {
    const mine = new MemoryPort('mine');
    const made: MemoryPort[] = [];
    const engines = await connectEngines(FLEET, {
      env: {},
      clients: { 'edge-1': mine },
      connector: async (address) => {
        await tick();
        const port = new MemoryPort(address.display);
        made.push(port);
        return port;
      },
    });
    expect(engines.get('edge-1')).toBe(mine);
    expect(made).toHaveLength(2);
    await closeEngines(engines);
    expect(mine.closed).toBe(0);
    expect(made.map((p) => p.closed)).toEqual([1, 1]);
    await expect(connectEngines(FLEET, { env: {}, clients: { 'edge-9': mine } })).rejects.toThrow(
      'a client was handed in for engine edge-9, which the spec does not name',
    );
  });

  it('connects to the engines named with `only` (--engine)', async () => {
    const engines = await connectEngines(FLEET, {
      env: {},
      only: ['edge-3', 'edge-1'],
      connector: async (address) => {
        await tick();
        return new MemoryPort(address.display);
      },
    });
    expect([...engines.keys()]).toEqual(['edge-1', 'edge-3']);
  });

  it('covers a spec without engines: as one engine, reached by --host / DOCKER_HOST', async () => {
    const engines = await connectEngines(spec(), {
      env: { DOCKER_HOST: 'unix:///run/from-env.sock' },
      connector: async (address) => {
        await tick();
        return new MemoryPort(address.display);
      },
    });
    expect([...engines.entries()].map(([name, port]) => [name, port.host])).toEqual([
      [SINGLE_ENGINE, 'unix:///run/from-env.sock'],
    ]);
  });

  it('refuses --host or --context for a spec that names its engines', async () => {
    await expect(connectEngines(FLEET, { env: {}, host: 'unix:///x.sock' })).rejects.toThrow(
      '--host and --context name one engine, but this spec names its engines',
    );
  });
});

describe('selectedEngines (--engine)', () => {
  it('keeps the spec order and refuses names the spec does not have', () => {
    expect(selectedEngines(FLEET)).toEqual(['edge-1', 'edge-2', 'edge-3']);
    expect(selectedEngines(FLEET, ['edge-2'])).toEqual(['edge-2']);
    expect(() => selectedEngines(FLEET, ['edge-9', 'edge-1'])).toThrow(
      '--engine edge-9: not an engine of this spec',
    );
    expect(() => selectedEngines(spec(), ['edge-1'])).toThrow(NetformError);
  });
});
