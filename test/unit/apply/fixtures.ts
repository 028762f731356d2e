import { MANAGED_LABEL, PROJECT_LABEL, type DesiredState } from '../../../src/model/desired.js';
import { compileSpec } from '../../../src/spec/index.js';
import { MemoryPort } from './memory-port.js';

/** Compiles a spec written in YAML (project `shop` unless it says otherwise). */
export function spec(text: string): DesiredState {
  const compiled = compileSpec([{ file: 'netform.yaml', text }], { defaultProject: 'shop' });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors, null, 2));
  return compiled.spec;
}

export const managed = (project = 'shop'): Record<string, string> => ({
  [MANAGED_LABEL]: 'true',
  [PROJECT_LABEL]: project,
});

/**
 * The replace the unit tests drive: network `app` of project `shop` on 10.1.0.0/24 with three
 * endpoints, a-web (static 10.1.0.10, alias w), b-db (dynamic, alias d) and c-x (a container the
 * spec does not list, alias x); the spec moves `app` to 10.2.0.0/24 (a-web to 10.2.0.10).
 * Names sort in the order the endpoints are reconnected (static first).
 */
export function replaceScenario(): { port: MemoryPort; desired: DesiredState } {
  const port = new MemoryPort();
  const app = port.addNetwork({
    name: 'app',
    labels: { ...managed(), gen: '1' },
    ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
  });
  port.attach(port.addContainer('a-web'), app, { aliases: ['w'], ipv4Address: '10.1.0.10' });
  port.attach(port.addContainer('b-db', 'exited'), app, { aliases: ['d'] });
  port.attach(port.addContainer('c-x'), app, { aliases: ['x'] });
  const desired = spec(`
version: 1
project: shop
networks:
  app:
    subnet: 10.2.0.0/24
    labels: { gen: "1" }
containers:
  a-web:
    networks:
      app: { ipv4_address: 10.2.0.10, aliases: [w] }
  b-db:
    networks:
      app: { aliases: [d] }
`);
  return { port, desired };
}

/** The port's calls with the random name of a restore point written as `netform-restore-*`. */
export const callsOf = (port: MemoryPort): string[] =>
  port.calls.map((call) => call.replace(/netform-restore-[0-9a-f]+/, 'netform-restore-*'));
