import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import type { EndpointSettings } from '../../../src/model/desired.js';
import type { DesiredState } from '../../../src/model/desired.js';
import { managed, spec } from './fixtures.js';
import { MemoryPort } from './memory-port.js';

/**
 * The orders the executor keeps among connects and reconnects at any parallelism (src/apply/
 * execute.ts, endpointOrder; docs/apply.md, "Concurrency"): on one network, an endpoint the
 * daemon gives an address to starts only after every endpoint with a static address listed
 * before it has ended; one container's endpoint actions never overlap and go in plan order; the
 * rest overlap up to the parallelism. The port below records when each request starts and ends
 * and holds every request for a few milliseconds, so that whatever is allowed to overlap does.
 * What the engine does with the order (the address a dynamic endpoint gets) is tested against
 * real engines in test/engine/connect-order.test.ts.
 */

/** One request: `connect CONTAINER NETWORK` or `disconnect CONTAINER NETWORK`. */
interface Span {
  request: string;
  container: string;
  network: string;
  static: boolean;
  start: number;
  end: number;
}

class RecordingPort extends MemoryPort {
  readonly spans: Span[] = [];
  private tick = 0;
  /** The most requests in flight at once. */
  peak = 0;
  private inFlight = 0;

  override async connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void> {
    const isStatic = settings.ipv4Address !== undefined || settings.ipv6Address !== undefined;
    // Static connects are held longest: a dynamic connect sent beside them would start first.
    await this.record('connect', networkId, containerId, isStatic, isStatic ? 15 : 5, () =>
      super.connect(networkId, containerId, settings),
    );
  }

  override async disconnect(networkId: string, containerId: string): Promise<void> {
    await this.record('disconnect', networkId, containerId, false, 5, () =>
      super.disconnect(networkId, containerId),
    );
  }

  private async record(
    request: string,
    networkId: string,
    containerId: string,
    isStatic: boolean,
    holdMs: number,
    send: () => Promise<void>,
  ): Promise<void> {
    const span: Span = {
      request,
      container: this.containers.get(containerId)?.name ?? containerId,
      network: this.networks.get(networkId)?.name ?? networkId,
      static: isStatic,
      start: this.tick++,
      end: -1,
    };
    this.spans.push(span);
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      await send();
    } finally {
      this.inFlight -= 1;
      span.end = this.tick++;
    }
  }
}

const overlap = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;

/** Three existing networks, each container's connects to them, statics and dynamics mixed. */
function connectScenario(): { port: RecordingPort; desired: DesiredState } {
  const port = new RecordingPort();
  ['front', 'back', 'side'].forEach((name, n) =>
    port.addNetwork({
      name,
      labels: managed(),
      ipam: { driver: 'default', options: {}, config: [{ subnet: `10.1.${n}.0/24`, auxAddresses: {} }] },
    }),
  );
  for (const name of [
    'a-dyn',
    'b-dyn',
    'c-dyn',
    'm-static',
    'n-static',
    'o-side',
    'p-prio',
    'x-solo',
    'y-solo',
  ]) {
    port.addContainer(name);
  }
  const desired = spec(`
version: 1
project: shop
networks:
  front: { subnet: 10.1.0.0/24 }
  back: { subnet: 10.1.1.0/24 }
  side: { subnet: 10.1.2.0/24 }
containers:
  a-dyn:
    networks: { front: {}, back: {}, side: {} }
  b-dyn:
    networks: { front: {}, side: { ipv4_address: 10.1.2.20 } }
  c-dyn:
    networks: { front: {}, back: {} }
  m-static:
    networks: { front: { ipv4_address: 10.1.0.10 }, back: { ipv4_address: 10.1.1.10 } }
  n-static:
    networks: { front: { ipv4_address: 10.1.0.11 } }
  o-side:
    networks: { side: { ipv4_address: 10.1.2.30 } }
  p-prio:
    networks:
      front: { priority: 1 }
      back: { priority: 100 }
      side: { priority: 50 }
  x-solo:
    networks: { back: {} }
  y-solo:
    networks: { back: {} }
`);
  return { port, desired };
}

describe('connects at any parallelism', () => {
  it.each([1, 2, 4, 8, 16])(
    'keep static before dynamic per network and one container at a time, at %i',
    async (n) => {
      const { port, desired } = connectScenario();
      const plan = planForEngine(desired, await port.observe());
      expect(plan.actions.every((a) => a.kind === 'connect')).toBe(true);
      const result = await executePlan(plan, port, { parallelism: { connect: n } });
      expect(result.status).toBe('applied');
      const spans = port.spans;
      expect(spans).toHaveLength(plan.actions.length);

      // (a) on each network, no dynamic connect starts before every static one listed before it in
      // the plan has ended. (The plan lists a network's statics first; Compose's priority can move
      // one container's connect ahead, as p-prio's to back, which then goes first.)
      const indexOf = (s: Span): number =>
        plan.actions.findIndex(
          (a) => a.kind === 'connect' && a.container === s.container && a.network === s.network,
        );
      let waited = 0;
      for (const dynamic of spans.filter((s) => !s.static)) {
        for (const fixed of spans.filter((s) => s.static && s.network === dynamic.network)) {
          if (indexOf(fixed) > indexOf(dynamic)) continue;
          waited += 1;
          expect(
            dynamic.start,
            `${dynamic.container} on ${dynamic.network} after ${fixed.container}`,
          ).toBeGreaterThan(fixed.end);
        }
      }
      expect(waited).toBe(17);
      // (b) one container's connects never overlap, and go in plan order.
      for (const container of new Set(spans.map((s) => s.container))) {
        const mine = spans.filter((s) => s.container === container);
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThan(mine[i - 1]!.end);
        const planned = plan.actions.flatMap((a) =>
          a.kind === 'connect' && a.container === container ? [a.network] : [],
        );
        expect(mine.map((s) => s.network)).toEqual(planned);
      }
      // Compose's priority: p-prio joins back (100), side (50), front (1), in that order.
      expect(spans.filter((s) => s.container === 'p-prio').map((s) => s.network)).toEqual([
        'back',
        'side',
        'front',
      ]);

      // Everything else overlaps up to the parallelism, and never beyond it.
      expect(port.peak).toBeLessThanOrEqual(n);
      if (n === 1) {
        // One at a time: exactly the plan's order.
        expect(port.peak).toBe(1);
        expect(spans.map(indexOf)).toEqual(plan.actions.map((_, i) => i));
      } else {
        // x-solo and y-solo (one dynamic connect each to back, waiting for m-static's there) overlap.
        const [x, y] = ['x-solo', 'y-solo'].map((c) => spans.find((s) => s.container === c)!);
        expect(overlap(x!, y!)).toBe(true);
        expect(port.peak).toBeGreaterThan(1);
      }
      // Where every endpoint ended up: what the spec says.
      expect(port.endpoint('m-static', 'front')?.ipv4Address).toBe('10.1.0.10');
      expect(port.endpoint('b-dyn', 'side')?.ipv4Address).toBe('10.1.2.20');
    },
  );

  it('let the statics of a network go side by side, and what waits for nothing start at once', async () => {
    const { port, desired } = connectScenario();
    const plan = planForEngine(desired, await port.observe());
    await executePlan(plan, port, { parallelism: { connect: 8 } });
    const on = (container: string, network: string): Span =>
      port.spans.find((s) => s.container === container && s.network === network)!;
    // m-static and n-static on front: both static, different containers.
    expect(overlap(on('m-static', 'front'), on('n-static', 'front'))).toBe(true);
    // o-side's only connect (static, to side) waits for nothing: it runs beside the statics of front.
    expect(overlap(on('o-side', 'side'), on('m-static', 'front'))).toBe(true);
  });
});

describe('reconnects at any parallelism', () => {
  it('start a dynamic reconnect on a network only after the static ones listed before it have ended', async () => {
    const port = new RecordingPort();
    const app = port.addNetwork({
      name: 'app',
      labels: managed(),
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
    });
    const other = port.addNetwork({
      name: 'other',
      labels: managed(),
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.1.0/24', auxAddresses: {} }] },
    });
    for (const name of ['a-dyn', 'b-dyn', 'm-static', 'n-static']) {
      const container = port.addContainer(name);
      port.attach(container, app, {
        aliases: ['old'],
        ...(name.endsWith('static') ? { ipv4Address: name === 'm-static' ? '10.1.0.10' : '10.1.0.11' } : {}),
      });
      port.attach(container, other, { aliases: ['old'] });
    }
    const desired = spec(`
version: 1
project: shop
networks:
  app: { subnet: 10.1.0.0/24 }
  other: { subnet: 10.1.1.0/24 }
containers:
  a-dyn:
    networks: { app: { aliases: [new] }, other: { aliases: [new] } }
  b-dyn:
    networks: { app: { aliases: [new] }, other: { aliases: [new] } }
  m-static:
    networks: { app: { ipv4_address: 10.1.0.10, aliases: [new] }, other: { aliases: [new] } }
  n-static:
    networks: { app: { ipv4_address: 10.1.0.11, aliases: [new] }, other: { aliases: [new] } }
`);
    const plan = planForEngine(desired, await port.observe());
    expect(plan.actions.map((a) => a.kind)).toEqual(Array<string>(8).fill('reconnect'));
    const result = await executePlan(plan, port, { parallelism: { reconnect: 8 } });
    expect(result.status).toBe('applied');

    const spans = port.spans;
    // Each reconnect is a disconnect then a connect: a dynamic one's disconnect starts after the
    // static ones' connects on app have ended.
    const staticEnds = spans.filter((s) => s.network === 'app' && s.request === 'connect' && s.static);
    expect(staticEnds).toHaveLength(2);
    for (const c of ['a-dyn', 'b-dyn']) {
      const first = spans.find((s) => s.container === c && s.network === 'app')!;
      for (const fixed of staticEnds) expect(first.start).toBeGreaterThan(fixed.end);
    }
    // One container's reconnects never overlap.
    for (const c of ['a-dyn', 'b-dyn', 'm-static', 'n-static']) {
      const mine = spans.filter((s) => s.container === c);
      expect(mine).toHaveLength(4);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThan(mine[i - 1]!.end);
    }
    // The two dynamic reconnects on app run side by side.
    const firstOf = (c: string): Span => spans.find((s) => s.container === c && s.network === 'app')!;
    const lastOf = (c: string): Span => spans.filter((s) => s.container === c && s.network === 'app').at(-1)!;
    expect(firstOf('a-dyn').start < lastOf('b-dyn').end && firstOf('b-dyn').start < lastOf('a-dyn').end).toBe(
      true,
    );
  });
});

describe('an action that fails', () => {
  it('leaves what waits for it not attempted', async () => {
    const { port, desired } = connectScenario();
    const plan = planForEngine(desired, await port.observe());
    port.failOn('connect m-static to front');
    const result = await executePlan(plan, port, { parallelism: { connect: 4 } });
    expect(result.status).toBe('failed');
    const statusOf = (container: string, network: string): string | undefined =>
      result.actions.find((o) => o.description.includes(container) && o.description.includes(network))
        ?.status;
    expect(statusOf('m-static', 'front')).toBe('failed');
    // The dynamic connects to front waited for m-static's and then found the execution stopping.
    for (const c of ['a-dyn', 'b-dyn', 'c-dyn']) expect(statusOf(c, 'front')).toBe('not-attempted');
    expect(port.spans.some((s) => s.network === 'front' && !s.static)).toBe(false);
  });
});

describe("the plan's order of connects with Compose's priority", () => {
  /** `container network` of each connect, in plan order. */
  const connects = async (port: MemoryPort, desired: DesiredState): Promise<string[]> =>
    planForEngine(desired, await port.observe()).actions.flatMap((a) =>
      a.kind === 'connect' ? [`${a.container} ${a.network}`] : [],
    );
  const twoNetworks = (): MemoryPort => {
    const port = new MemoryPort();
    ['m', 'n'].forEach((name, i) =>
      port.addNetwork({
        name,
        labels: managed(),
        ipam: { driver: 'default', options: {}, config: [{ subnet: `10.1.${i}.0/24`, auxAddresses: {} }] },
      }),
    );
    for (const name of ['a', 'b', 's']) port.addContainer(name);
    return port;
  };

  it("keeps a network's static endpoints before the dynamic ones a priority would move ahead", async () => {
    // a's priority puts n before m; s has a static address on n. Before: a's connect to n took
    // the first slot, ahead of s's static one there (and took its address in
    // test/engine/plan-honesty.test.ts).
    const order = await connects(
      twoNetworks(),
      spec(`
version: 1
project: shop
networks: { m: { subnet: 10.1.0.0/24 }, n: { subnet: 10.1.1.0/24 } }
containers:
  a:
    networks: { m: { priority: 1 }, n: { priority: 9 } }
  b:
    networks: { m: {} }
  s:
    networks: { n: { ipv4_address: 10.1.1.2 } }
`),
    );
    expect(order).toEqual(['b m', 's n', 'a n', 'a m']);
  });

  it('keeps priority when the two orders contradict each other, and decides the same way each time', async () => {
    // a: static on m, dynamic on n first (priority); b: static on n, dynamic on m first. No order
    // keeps both rules: each container's priority is kept, and the dynamic endpoint earliest in
    // the plan's usual order (b's on m) goes ahead of the static one on its network.
    const text = `
version: 1
project: shop
networks: { m: { subnet: 10.1.0.0/24 }, n: { subnet: 10.1.1.0/24 } }
containers:
  a:
    networks: { m: { ipv4_address: 10.1.0.2, priority: 1 }, n: { priority: 9 } }
  b:
    networks: { m: { priority: 9 }, n: { ipv4_address: 10.1.1.2, priority: 1 } }
`;
    const order = await connects(twoNetworks(), spec(text));
    expect(order).toEqual(['b m', 'b n', 'a n', 'a m']);
    expect(await connects(twoNetworks(), spec(text))).toEqual(order);
    // The plan says so, naming the address the early endpoint could take, and what to do.
    const notes = planForEngine(spec(text), await twoNetworks().observe()).notes.map((n) => n.message);
    expect(notes).toEqual([
      expect.stringMatching(
        /^connect b to m goes before the static address 10\.1\.0\.2 \(a\) there: the containers' Compose priorities contradict .* give m an ip_range that leaves the static addresses out, or change a priority\.$/,
      ),
    ]);
  });

  it('says nothing of the contradiction when an ip_range keeps the static addresses out of the daemon’s hands', async () => {
    const text = `
version: 1
project: shop
networks:
  m: { subnet: 10.1.0.0/24, ip_range: 10.1.0.128/25 }
  n: { subnet: 10.1.1.0/24 }
containers:
  a:
    networks: { m: { ipv4_address: 10.1.0.2, priority: 1 }, n: { priority: 9 } }
  b:
    networks: { m: { priority: 9 }, n: { ipv4_address: 10.1.1.2, priority: 1 } }
`;
    const plan = planForEngine(spec(text), await twoNetworks().observe());
    expect(
      plan.actions.flatMap((a) => (a.kind === 'connect' ? [`${a.container} ${a.network}`] : [])),
    ).toEqual(['b m', 'b n', 'a n', 'a m']);
    expect(plan.notes).toEqual([]);
  });
});
