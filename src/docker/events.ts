import type { IncomingMessage } from 'node:http';
import { EngineError } from '../model/errors.js';
import type { EngineEvent, EngineEventType, EventOptions, EventStream } from '../model/port.js';
import type { EngineClient } from './client.js';

/** One line of GET /events (API 1.22+; the older `status`/`id`/`from` fields are not read). */
interface ApiEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null } | null;
  time?: number;
  timeNano?: number;
}

const EVENT_TYPES: readonly EngineEventType[] = ['network', 'container', 'service'];

/**
 * Subscribes to the engine's events of the given types and actions (docs/watch.md, "Events").
 * The engine filters by type and by action name separately, so what it sends is filtered again
 * here by the pair. Resolves once the engine has answered, so every later event is seen.
 */
export async function subscribeEvents(
  client: EngineClient,
  swarmManager: boolean,
  options: EventOptions,
): Promise<EventStream> {
  const types = EVENT_TYPES.filter(
    (type) => (options.actions[type]?.length ?? 0) > 0 && (type !== 'service' || swarmManager),
  );
  const actions = [...new Set(types.flatMap((type) => options.actions[type] ?? []))];
  const response = await client.openStream({
    operation: 'subscribing to the engine events',
    path: '/events?',
    route: 'GET /events',
    query: { filters: { type: types, event: actions } },
    ok: [200],
  });
  const wanted = (event: EngineEvent): boolean =>
    types.includes(event.type) && (options.actions[event.type]?.includes(event.action) ?? false);
  return new EngineEventStream(response, client.host, wanted);
}

/** The events of one GET /events response: newline-delimited JSON objects. */
class EngineEventStream implements EventStream {
  private closed = false;

  constructor(
    private readonly response: IncomingMessage,
    private readonly host: string,
    private readonly wanted: (event: EngineEvent) => boolean,
  ) {
    response.setEncoding('utf8');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EngineEvent> {
    let buffer = '';
    try {
      for await (const chunk of this.response as AsyncIterable<string>) {
        buffer += chunk;
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 1);
          if (event !== undefined && this.wanted(event)) yield event;
        }
      }
    } catch (error) {
      if (this.closed) return;
      throw new EngineError(
        `lost the event stream of the engine at ${this.host}: ${(error as Error).message}`,
        { hint: 'the engine stopped or the connection to it broke', cause: error, kind: 'unreachable' },
      );
    } finally {
      // Also when the caller stops iterating early: the request ends with the iteration.
      this.response.destroy();
    }
    if (!this.closed) {
      throw new EngineError(`the engine at ${this.host} ended its event stream`, {
        hint: 'the engine stopped or restarted',
        kind: 'unreachable',
      });
    }
  }
}

/** One event line; undefined for blank lines, other types and lines that are not an event. */
export function parseEvent(line: string): EngineEvent | undefined {
  if (line.trim() === '') return undefined;
  let raw: ApiEvent;
  try {
    raw = JSON.parse(line) as ApiEvent;
  } catch {
    return undefined;
  }
  const type = EVENT_TYPES.find((t) => t === raw.Type);
  if (type === undefined || typeof raw.Action !== 'string') return undefined;
  const time =
    typeof raw.timeNano === 'number'
      ? Math.floor(raw.timeNano / 1e6)
      : typeof raw.time === 'number'
        ? raw.time * 1000
        : Date.now();
  return {
    type,
    action: raw.Action,
    id: raw.Actor?.ID ?? '',
    attributes: { ...(raw.Actor?.Attributes ?? {}) },
    time,
  };
}
