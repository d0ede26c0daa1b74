import type { Logger } from 'pino';

export interface CatalogWatchOptions {
  /** Changes whenever an organization's tool catalog changes; part of every list-cache key. */
  catalogVersion?: (orgId: string) => Promise<number>;
  /** How often open listeners' organizations are checked for catalog changes. */
  catalogWatchMs?: number;
  /**
   * Pushes catalog changes committed by any process as they happen (PostgreSQL LISTEN/NOTIFY).
   * `changed` takes the organization id; `resync` asks for a check of every watched
   * organization (after the feed reconnects, since changes made while it was down are lost).
   */
  catalogChangeFeed?: (events: { changed(orgId: string): void; resync(): void }) => {
    close(): Promise<void>;
  };
}

/**
 * Tells listeners when an organization's tool catalog changes, wherever the change was made
 * (another process, the CLI): at once when the change feed announces it, and by polling the
 * catalog version of every organization with an open stream as a safety net.
 */
export class CatalogWatcher {
  private readonly seenVersions = new Map<string, number>();
  private readonly watchTimer?: NodeJS.Timeout;
  private readonly changeFeed?: { close(): Promise<void> };

  constructor(
    private readonly options: CatalogWatchOptions & {
      logger: Logger;
      /** Organizations with an open stream on this process. */
      watchedOrgs: () => Iterable<string>;
      /** Sends `notifications/tools/list_changed` to the organization's listeners. */
      notify: (orgId: string) => void;
    },
  ) {
    if (options.catalogVersion) {
      this.watchTimer = setInterval(() => void this.watchCatalogs(), options.catalogWatchMs ?? 1000);
      this.watchTimer.unref();
    }
    this.changeFeed = options.catalogChangeFeed?.({
      changed: (orgId) => void this.catalogChanged(orgId),
      resync: () => void this.watchCatalogs(),
    });
  }

  /**
   * Records the organization's current version when a stream opens there, so the first poll
   * that sees another one announces it.
   */
  async watch(orgId: string): Promise<void> {
    if (this.seenVersions.has(orgId)) return;
    let version: number | undefined;
    try {
      version = await this.options.catalogVersion?.(orgId);
    } catch (error) {
      // Never throws: callers have already taken a stream slot or fire and forget. Without a
      // baseline the next poll records one, so only a change made meanwhile goes unannounced.
      this.options.logger.warn({ err: error, orgId }, 'tool catalog version read failed');
      return;
    }
    if (version !== undefined && !this.seenVersions.has(orgId)) this.seenVersions.set(orgId, Number(version));
  }

  /** A change announced by the store (any process): listeners are told now, not at the next poll. */
  private async catalogChanged(orgId: string): Promise<void> {
    if (this.seenVersions.has(orgId) && this.options.catalogVersion) {
      // The poll, a safety net here, must not announce the same change a second time.
      try {
        this.seenVersions.set(orgId, Number(await this.options.catalogVersion(orgId)));
      } catch (error) {
        this.options.logger.warn({ err: error }, 'tool catalog version read failed');
      }
    }
    this.options.notify(orgId);
  }

  private async watchCatalogs(): Promise<void> {
    for (const orgId of new Set(this.options.watchedOrgs())) {
      try {
        const version = Number(await this.options.catalogVersion!(orgId));
        const seen = this.seenVersions.get(orgId);
        this.seenVersions.set(orgId, version);
        if (seen !== undefined && seen !== version) this.options.notify(orgId);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'tool catalog watch failed');
      }
    }
  }

  async close(): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
    await this.changeFeed?.close();
  }
}
