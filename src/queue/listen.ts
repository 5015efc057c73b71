import type pg from 'pg';
import { loadPg } from './pg.js';
import type { QueueSource } from './connect.js';

/** Channel of new or requeued jobs; the payload is the run id. */
export const JOBS_CHANNEL = 'fanout_jobs';
/** Channel of run state changes (halt, cancel, end); the payload is the run id. */
export const RUNS_CHANNEL = 'fanout_runs';

/** A LISTEN connection that comes back after the server restarts. */
export interface Listener {
  close(): Promise<void>;
}

/**
 * Listens on the queue's channels; `onNotify` gets each notification, and `onReconnect` is called after a
 * lost connection comes back (notifications sent meanwhile are lost, so callers look again).
 *
 * @example
 * const listener = listen(source, ({ channel, runId }) => wake(), () => wake());
 */
export function listen(
  source: QueueSource,
  onNotify: (note: { readonly channel: string; readonly runId: number }) => void,
  onReconnect: () => void,
): Listener {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let everConnected = false;

  const connect = async (delay: number): Promise<void> => {
    if (closed) return;
    const next = new (loadPg().Client)(source.config);
    client = next;
    const retry = (): void => {
      if (client !== next || closed) return;
      client = undefined;
      next.end().catch(() => {});
      timer = setTimeout(() => void connect(Math.min(delay * 2, 2000)), delay);
    };
    next.on('error', retry);
    next.on('end', retry);
    next.on('notification', (message) => {
      onNotify({ channel: message.channel, runId: Number(message.payload) });
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${JOBS_CHANNEL}; LISTEN ${RUNS_CHANNEL}`);
      if (everConnected) onReconnect();
      everConnected = true;
      delay = 250;
    } catch {
      retry();
    }
  };
  void connect(250);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
