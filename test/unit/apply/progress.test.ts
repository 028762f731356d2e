import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../../src/apply/progress.js';
import type { ActionOutcome } from '../../../src/apply/result.js';

const outcome = (
  index: number,
  description: string,
  status: ActionOutcome['status'],
  extra: Partial<ActionOutcome> = {},
): ActionOutcome => ({
  index,
  kind: 'connect',
  description,
  status,
  operations: [],
  ...extra,
});

function drive(live: boolean): string {
  let out = '';
  const display = new ProgressDisplay((text) => (out += text), live);
  display.onEvent({ type: 'action-start', outcome: outcome(0, 'connect a to n', 'not-attempted'), total: 3 });
  display.onEvent({ type: 'action-start', outcome: outcome(1, 'connect b to n', 'not-attempted'), total: 3 });
  display.onEvent({
    type: 'action-end',
    outcome: outcome(0, 'connect a to n', 'done', { durationMs: 12 }),
    total: 3,
    finished: 1,
  });
  display.onEvent({
    type: 'action-end',
    outcome: outcome(1, 'connect b to n', 'failed', { durationMs: 5, error: 'no such container' }),
    total: 3,
    finished: 2,
  });
  display.onEvent({
    type: 'action-end',
    outcome: outcome(2, 'connect c to n', 'not-attempted'),
    total: 3,
    finished: 3,
  });
  display.stop();
  return out;
}

describe('ProgressDisplay', () => {
  it('prints one plain line per finished action without a terminal', () => {
    expect(drive(false)).toBe(
      '[1/3] done connect a to n (12 ms)\n' +
        '[2/3] FAILED connect b to n (5 ms): no such container\n' +
        '[3/3] not attempted connect c to n\n',
    );
  });
  it('rewrites one live line on a terminal, with the count and what is in flight, keeping failures', () => {
    const out = drive(true);
    expect(out).toContain('\r\x1b[K[0/3] connect a to n (+1 more)');
    expect(out).toContain('\r\x1b[K[1/3] connect b to n');
    expect(out).toContain('\r\x1b[K[2/3] FAILED connect b to n (5 ms): no such container\n');
    expect(out).not.toContain('done connect a');
    expect(out.endsWith('\r\x1b[K')).toBe(true);
  });
});
