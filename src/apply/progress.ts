import { printable } from '../core/printable.js';
import type { ActionOutcome, ExecutionEvent } from './result.js';

/**
 * Shows an execution as it runs, on stderr. On a terminal: one live line, rewritten in place,
 * with the count of finished actions, the total and the actions in flight; failures are printed
 * as lines of their own. Otherwise (CI logs, pipes): one plain line per finished action.
 */
export class ProgressDisplay {
  private readonly inFlight = new Map<number, string>();
  private finished = 0;
  private total = 0;
  private liveLineShown = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly live: boolean,
  ) {}

  readonly onEvent = (event: ExecutionEvent): void => {
    this.total = event.total;
    if (event.type === 'action-start') {
      this.inFlight.set(event.outcome.index, event.outcome.description);
    } else {
      this.inFlight.delete(event.outcome.index);
      this.finished = event.finished;
      this.reportEnd(event.outcome);
    }
    if (this.live) this.drawLiveLine();
  };

  /** Clears the live line; call once when the execution is over. */
  stop(): void {
    if (this.live && this.liveLineShown) this.write('\r\x1b[K');
    this.liveLineShown = false;
  }

  private reportEnd(outcome: ActionOutcome): void {
    const line = endLine(outcome, this.finished, this.total);
    if (this.live) {
      if (outcome.status === 'done' || outcome.status === 'not-attempted') return;
      this.write(`\r\x1b[K${line}\n`);
      this.liveLineShown = false;
    } else {
      this.write(`${line}\n`);
    }
  }

  private drawLiveLine(): void {
    const flying = [...this.inFlight.values()];
    const current =
      flying.length === 0 ? '' : ` ${flying[0]}${flying.length > 1 ? ` (+${flying.length - 1} more)` : ''}`;
    this.write(`\r\x1b[K[${this.finished}/${this.total}]${current}`);
    this.liveLineShown = true;
  }
}

function endLine(outcome: ActionOutcome, finished: number, total: number): string {
  const time = outcome.durationMs !== undefined ? ` (${outcome.durationMs} ms)` : '';
  const error = outcome.error !== undefined ? `: ${printable(outcome.error)}` : '';
  const verb =
    outcome.status === 'done'
      ? 'done'
      : outcome.status === 'rolled-back'
        ? 'ROLLED BACK'
        : outcome.status === 'failed'
          ? 'FAILED'
          : 'not attempted';
  return `[${finished}/${total}] ${verb} ${outcome.description}${time}${error}`;
}
