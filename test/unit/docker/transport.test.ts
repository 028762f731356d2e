import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openTransport } from '../../../src/docker/transport.js';

describe('openTransport', () => {
  // docker-modem util.inspects each request's options, agent included, even with its debug log
  // off: an agent that printed its sockets made parallel requests slow (see transport.ts).
  it.each([
    ['unix', { kind: 'unix', display: 'unix:///x.sock', socketPath: '/x.sock' }],
    ['tcp', { kind: 'tcp', display: 'tcp://h:2375', hostname: 'h', port: 2375 }],
    ['tls', { kind: 'tcp', display: 'tcp://h:2376', hostname: 'h', port: 2376, tls: { verify: false } }],
  ] as const)('gives a %s agent that prints as its name', (_kind, address) => {
    const transport = openTransport(address, {});
    try {
      expect(inspect(transport.agent, { showHidden: true, depth: null }).length).toBeLessThan(40);
    } finally {
      transport.agent.destroy();
    }
  });
});
