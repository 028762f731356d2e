import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { EngineError } from '../../../src/model/errors.js';
import type { EngineEvent, EventOptions, EventStream } from '../../../src/model/port.js';
import { startWatch, type Watcher } from '../../../src/watch/controller.js';
import { MemoryPort } from '../apply/memory-port.js';

/**
 * The watch controller's own control flow across the engines of a spec with `engines:`, driven
 * by in-memory engines whose event streams the test feeds and breaks: one link per engine, a
 * reconcile of every engine once all answer, an event on one engine reconciling, a lost engine
 * followed by a resync, and a spec file switching between one engine and `engines:`. Docker's
 * own behaviour is tested on real engines in test/engine/watch-engines.test.ts.
 */
class EventStreamOf implements EventStream {
  private queue: EngineEvent[] = [];
  private wake: (() => void) | undefined;
  private ended: Error | 'closed' | undefined;

  push(event: EngineEvent): void {
    this.queue.push(event);
    this.wake?.();
  }
  fail(error: Error): void {
    this.ended = error;
    this.wake?.();
  }
  close(): void {
    this.ended ??= 'closed';
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<EngineEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended === 'closed') return;
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** A MemoryPort with a stream of events the test controls, and an engine that can stop answering. */
class WatchedEngine extends MemoryPort {
  streams: EventStreamOf[] = [];
  answers = true;
  connects = 0;
  /** The next observe fails as an engine that stopped answering (its event stream still open). */
  observeFails = false;
  override observe(): ReturnType<MemoryPort['observe']> {
    if (this.observeFails) {
      this.observeFails = false;
      return Promise.reject(new EngineError('the engine did not answer in time', { kind: 'unreachable' }));
    }
    return super.observe();
  }
  events(_options: EventOptions): Promise<EventStream> {
    const stream = new EventStreamOf();
    this.streams.push(stream);
    return Promise.resolve(stream);
  }
  get stream(): EventStreamOf {
    return this.streams.at(-1)!;
  }
  override close(): Promise<void> {
    return Promise.resolve();
  }
}

const engines = { a: new WatchedEngine(), b: new WatchedEngine() };
const connectEngine = (name: string): Promise<WatchedEngine> => {
  const engine = engines[name as keyof typeof engines];
  if (!engine) return Promise.reject(new Error(`no engine ${name}`));
  engine.connects += 1;
  if (!engine.answers) {
    return Promise.reject(new EngineError(`engine ${name} does not answer`, { kind: 'unreachable' }));
  }
  return Promise.resolve(engine);
};

let dir: string;
let watcher: Watcher | undefined;

/** The spec as editors write it: a new file renamed over the old one. */
async function writeSpec(spec: unknown): Promise<void> {
  await writeFile(join(dir, 'netform.yaml.tmp'), stringify(spec));
  await rename(join(dir, 'netform.yaml.tmp'), join(dir, 'netform.yaml'));
}

const twoEngines = {
  version: 1,
  project: 'shop',
  engines: { a: { host: 'unix:///a.sock' }, b: { host: 'unix:///b.sock' } },
  networks: {
    web: { subnet: '10.213.232.0/24' },
    back: { subnet: '10.213.233.0/24', engines: ['b'] },
  },
};

/** Polls until `check` holds; the test's own timeout fails it otherwise (nothing here measures time). */
const until = (check: () => boolean): Promise<void> =>
  vi.waitFor(() => expect(check()).toBe(true), { timeout: 20_000, interval: 20 });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-watch-engines-'));
  engines.a = new WatchedEngine();
  engines.b = new WatchedEngine();
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(spec: unknown, mode: 'enforce' | 'report' = 'enforce'): Promise<Watcher> {
  await writeSpec(spec);
  watcher = await startWatch({ cwd: dir, files: ['netform.yaml'], debounceMs: 0, mode, connectEngine });
  return watcher;
}

describe('watch across the engines of a spec with engines:', () => {
  it('follows each engine and reconciles every engine, each on its part of the spec', async () => {
    const w = await start(twoEngines);
    await until(() => w.status().reconciles > 0);
    expect(w.status().engines).toEqual({ a: true, b: true });
    expect(w.status().notReadyBecause).toBeUndefined();
    expect(engines.a.streams).toHaveLength(1);
    expect(engines.b.streams).toHaveLength(1);
    expect(engines.a.network('web')).toBeDefined();
    expect(engines.a.network('back')).toBeUndefined();
    expect(engines.b.network('back')).toBeDefined();
    expect(w.status().latestFleetPlan?.engines.map((e) => e.engine)).toEqual(['a', 'b']);
    expect(w.status().latestPlan).toBeUndefined();
  });

  it("repairs engine b after an event on b's stream", async () => {
    const w = await start(twoEngines);
    await until(() => w.status().lastResult === 'changed');
    const before = w.status().reconciles;
    const back = engines.b.network('back')!;
    engines.b.networks.delete(back.id);
    engines.b.stream.push({
      type: 'network',
      action: 'destroy',
      id: back.id,
      attributes: { name: 'back' },
      time: 0,
    });
    await until(() => engines.b.network('back') !== undefined);
    await until(() => w.status().reconciles > before);
    expect(w.status().lastResult).toBe('changed');
    expect(engines.b.calls.filter((c) => c.startsWith('create-network back'))).toHaveLength(2);
  });

  it('an event about something not the project on an engine does not reconcile', async () => {
    const w = await start(twoEngines);
    await until(() => w.status().lastResult === 'changed');
    const before = w.status().reconciles;
    engines.a.stream.push({
      type: 'network',
      action: 'destroy',
      id: 'x',
      attributes: { name: 'theirs' },
      time: 0,
    });
    // A marker event after it: once its reconcile ran, the first one has been read too.
    const web = engines.a.network('web')!;
    engines.a.stream.push({
      type: 'network',
      action: 'connect',
      id: web.id,
      attributes: { name: 'web' },
      time: 0,
    });
    await until(() => w.status().reconciles > before);
    expect(w.status().reconciles).toBe(before + 1);
  });

  it('report mode plans every engine and changes none', async () => {
    const w = await start(twoEngines, 'report');
    await until(() => w.status().reconciles > 0);
    expect(w.status().lastResult).toBe('drift');
    expect(engines.a.calls).toEqual([]);
    expect(engines.b.calls).toEqual([]);
    const plan = w.status().latestFleetPlan!;
    expect(plan.engines.map((e) => [e.engine, e.plan.actions.length])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('an engine lost: not ready while it is away, reconnected with backoff, then resynced', async () => {
    const w = await start(twoEngines);
    await until(() => w.status().lastResult === 'changed');
    const before = w.status().reconciles;
    engines.b.answers = false;
    engines.b.stream.fail(new EngineError('lost the event stream', { kind: 'unreachable' }));
    await until(() => w.status().engines.b === false);
    expect(w.status().notReadyBecause).toBe('the engine b does not answer');
    // Meanwhile b's networks are removed; b comes back.
    for (const n of [...engines.b.networks.values()]) engines.b.networks.delete(n.id);
    await until(() => engines.b.connects >= 3);
    engines.b.answers = true;
    await until(() => w.status().engines.b === true);
    await until(() => engines.b.network('back') !== undefined && engines.b.network('web') !== undefined);
    await until(() => w.status().reconciles > before && w.status().notReadyBecause === undefined);
    expect(engines.b.streams).toHaveLength(2);
    expect(engines.a.streams).toHaveLength(1);
  });

  it('a spec file switching from one engine to engines: and back follows the new engines', async () => {
    const single = { version: 1, project: 'shop', networks: { web: { subnet: '10.213.232.0/24' } } };
    await writeSpec(single);
    watcher = await startWatch({
      cwd: dir,
      files: ['netform.yaml'],
      debounceMs: 0,
      connect: () => connectEngine('a'),
      connectEngine,
    });
    const w = watcher;
    await until(() => w.status().reconciles > 0);
    expect(w.status().engines).toEqual({ default: true });
    expect(w.status().latestPlan).toBeDefined();

    await writeSpec(twoEngines);
    await until(() => engines.b.network('back') !== undefined);
    await until(() => w.status().latestFleetPlan !== undefined);
    expect(w.status().engines).toEqual({ a: true, b: true });
    expect(w.status().specValid).toBe(true);
    // The single engine's link was stopped: its stream closed, a new one opened for engine a.
    expect(engines.a.streams).toHaveLength(2);

    await writeSpec({ ...single, networks: { web2: { subnet: '10.213.234.0/24' } } });
    await until(() => w.status().engines.default === true && engines.a.network('web2') !== undefined);
    expect(Object.keys(w.status().engines)).toEqual(['default']);
  });

  it('a spec with engines: with a single-engine connect() only is refused, and the last spec stays', async () => {
    const single = { version: 1, project: 'shop', networks: { web: { subnet: '10.213.232.0/24' } } };
    await writeSpec(single);
    watcher = await startWatch({
      cwd: dir,
      files: ['netform.yaml'],
      debounceMs: 0,
      connect: () => connectEngine('a'),
    });
    const w = watcher;
    await until(() => w.status().reconciles > 0);
    await writeSpec(twoEngines);
    await until(() => !w.status().specValid);
    expect(w.status().engines).toEqual({ default: true });
    expect(engines.b.connects).toBe(0);
  });

  it('refuses --host (one engine) for a spec with engines: at the start, saying why', async () => {
    await writeSpec(twoEngines);
    await expect(
      startWatch({ cwd: dir, files: ['netform.yaml'], host: 'unix:///elsewhere.sock' }),
    ).rejects.toThrow('--host names one engine, but this spec names its engines');
    expect(engines.a.connects + engines.b.connects).toBe(0);
  });

  it('a reconcile that finds one engine not answering reconnects that engine only, then resyncs', async () => {
    const w = await start(twoEngines);
    await until(() => w.status().lastResult === 'changed');
    const before = w.status().reconciles;
    engines.b.observeFails = true;
    const web = engines.a.network('web')!;
    engines.a.stream.push({
      type: 'network',
      action: 'connect',
      id: web.id,
      attributes: { name: 'web' },
      time: 0,
    });
    // The failed reconcile drops b's link; b answers again at once and is resynced.
    await until(() => engines.b.streams.length === 2 && w.status().reconciles >= before + 2);
    expect(engines.a.streams).toHaveLength(1);
    expect(w.status().lastResult).not.toBe('failed');
  });
});
