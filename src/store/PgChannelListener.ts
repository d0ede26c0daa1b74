import pg from 'pg';
import type { Logger } from 'pino';

export interface PgChannelListenerOptions {
  connectionString: string;
  channel: string;
  /** Shown in pg_stat_activity, so operators (and tests) can tell this session from the pool's. */
  applicationName: string;
  logger: Logger;
  onNotification(payload: string): void;
  /**
   * Called after every (re)connection once LISTEN is in place: notifications sent while the
   * session was down are lost, so the owner re-reads whatever it was told about.
   */
  onListening?(): void;
  /** First reconnection delay; doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * One dedicated PostgreSQL session that LISTENs on a channel. A pooled connection cannot hold a
 * LISTEN (it goes back to the pool), hence its own client. When the session drops (server
 * restart, pg_terminate_backend, network), it reconnects with exponential backoff and jitter
 * until closed; errors are logged, never thrown, so a store outage cannot crash the process.
 */
export class PgChannelListener {
  private client?: pg.Client;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;

  constructor(private readonly o: PgChannelListenerOptions) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      application_name: this.o.applicationName,
    });
    this.client = client;
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.o.logger.warn(
        { err: error, channel: this.o.channel },
        'store notification session lost; reconnecting',
      );
      this.scheduleReconnect();
    };
    // Without an 'error' listener a dropped session would be an uncaught exception.
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => {
      if (message.channel === this.o.channel && message.payload) this.o.onNotification(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.o.channel)}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (this.closed || dropped) return;
    this.failures = 0;
    this.o.onListening?.();
  }

  private scheduleReconnect(): void {
    const min = this.o.minBackoffMs ?? 100;
    const max = this.o.maxBackoffMs ?? 5000;
    const delay = Math.min(max, min * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures++;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }
}
