import type { Caller } from '../store/Caller.ts';
import { countRecentJobs } from '../jobs/index.ts';
import type { MapDefinition } from './mapDefinition.ts';
import type { MapServices } from './MapServices.ts';
import type { RenderedMap } from './renderedMap.ts';
import { resolveMap } from './resolveMap.ts';
import { checkLayerAccess } from './checkLayerAccess.ts';
import { LayerAccessError } from './LayerAccessError.ts';
import { PUBLIC_LINK_CLIENT_PREFIX, publicLinkClientId } from './publicLinkRuns.ts';
import { MeridianError } from '../errors/MeridianError.ts';

/** Config: MERIDIAN_PUBLIC_MAP_CACHE, MERIDIAN_PUBLIC_MAP_RUNS_PER_MINUTE, MERIDIAN_PUBLIC_MAP_ORG_RUNS_PER_MINUTE. */
export interface PublicLinkLimits {
  /** How long one rendering of a map version is served to every anonymous viewer; 0: rendered per view. */
  cacheTtlMs: number;
  /** Workflow runs the anonymous viewers of one map may cause per rolling minute. */
  runsPerMapPerMinute: number;
  /** The same, for all public links of one organization together. */
  runsPerOrgPerMinute: number;
}

export const DEFAULT_PUBLIC_LINK_LIMITS: PublicLinkLimits = {
  cacheTtlMs: 60_000,
  runsPerMapPerMinute: 10,
  runsPerOrgPerMinute: 60,
};

/** The link's data cannot be shown any more (its enabler left, was disabled or lost access to a layer). */
export class PublicLinkUnavailableError extends MeridianError {
  override name = 'PublicLinkUnavailableError';
  override readonly code: string = 'public_link_unavailable';
  override readonly status: number = 410;
  override readonly showable: boolean = false;
}

/** The anonymous budget is spent; `retryAfterSeconds` says when a run is allowed again. */
export class PublicLinkBudgetError extends MeridianError {
  override name = 'PublicLinkBudgetError';
  override readonly code: string = 'public_link_budget_spent';
  override readonly status: number = 429;
  override readonly showable: boolean = true;

  constructor(
    message: string,
    override readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** What a public view needs of a saved map: its version is `updatedAt` (every change bumps it). */
export interface PublicMap {
  id: string;
  orgId: string;
  updatedAt: number;
  definition: MapDefinition;
}

const WINDOW_MS = 60_000;
/** Rendered maps kept at most (bounded: each holds up to 10 layers of capped features). */
const MAX_ENTRIES = 200;

/**
 * Serves a map behind a public link (audit #2, #9). The map is resolved as the user who enabled
 * the link, after checking at every view that this user may still read every visible layer
 * (nothing is served from the cache before that check). One rendering per map version and
 * enabler is shared by every anonymous viewer for `cacheTtlMs`; concurrent viewers of a version
 * not yet rendered wait for the same rendering, so N views run each workflow layer once. The
 * workflow runs a rendering needs are counted against a rolling per-minute budget per map and
 * per organization, in the store (shared by all processes), before any is submitted.
 */
export class PublicMapViewer {
  readonly #cache = new Map<string, { expiresAt: number; rendered: Promise<RenderedMap> }>();

  constructor(
    private readonly services: MapServices,
    private readonly limits: PublicLinkLimits = DEFAULT_PUBLIC_LINK_LIMITS,
  ) {}

  async view(map: PublicMap, enabler: Caller | null): Promise<RenderedMap> {
    if (!enabler || enabler.orgId !== map.orgId) throw new PublicLinkUnavailableError('no enabler');
    const visible = map.definition.layers.filter((layer) => layer.visible);
    try {
      await checkLayerAccess(this.services.db, enabler, visible);
    } catch (error) {
      if (error instanceof LayerAccessError) throw new PublicLinkUnavailableError(error.message);
      throw error;
    }
    // The enabler (and role) is part of the key: a link rotated by someone else never sees
    // what was rendered with another user's rights.
    const key = [map.id, map.updatedAt, enabler.userId, enabler.role].join('\n');
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (hit && hit.expiresAt > now) return hit.rendered;
    this.#prune(now);
    const entry = { expiresAt: Infinity, rendered: this.#render(map, enabler) };
    this.#cache.set(key, entry);
    entry.rendered.then(
      () => (entry.expiresAt = Date.now() + this.limits.cacheTtlMs),
      () => {
        if (this.#cache.get(key) === entry) this.#cache.delete(key);
      },
    );
    return entry.rendered;
  }

  async #render(map: PublicMap, enabler: Caller): Promise<RenderedMap> {
    const runs = map.definition.layers.filter((l) => l.visible && l.source.kind === 'workflow').length;
    if (runs > 0) await this.#spendBudget(map, runs);
    return resolveMap(
      this.services,
      enabler,
      { ...map.definition, id: map.id, link: null },
      { clientId: publicLinkClientId(map.id) },
    );
  }

  async #spendBudget(map: PublicMap, runs: number): Promise<void> {
    const now = Date.now();
    const since = now - WINDOW_MS;
    const checks = [
      {
        limit: this.limits.runsPerMapPerMinute,
        used: await countRecentJobs(
          this.services.db,
          map.orgId,
          { clientId: publicLinkClientId(map.id) },
          since,
        ),
        what: 'this map',
      },
      {
        limit: this.limits.runsPerOrgPerMinute,
        used: await countRecentJobs(
          this.services.db,
          map.orgId,
          { clientIdPrefix: PUBLIC_LINK_CLIENT_PREFIX },
          since,
        ),
        what: "this organization's shared maps",
      },
    ];
    for (const { limit, used, what } of checks) {
      if (used.count + runs <= limit) continue;
      if (runs > limit)
        throw new PublicLinkBudgetError(
          `This map runs ${runs} workflows per view, more than public views of ${what} may run per minute (${limit}); its owner can draw job results instead.`,
          Math.ceil(WINDOW_MS / 1000),
        );
      const retryAfterMs = used.oldest === null ? WINDOW_MS : used.oldest + WINDOW_MS - now;
      throw new PublicLinkBudgetError(
        `Public views of ${what} have run ${used.count} workflows in the last minute (at most ${limit}).`,
        Math.max(1, Math.ceil(retryAfterMs / 1000)),
      );
    }
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
    // Oldest first (insertion order) beyond the bound.
    for (const key of this.#cache.keys()) {
      if (this.#cache.size < MAX_ENTRIES) break;
      this.#cache.delete(key);
    }
  }
}
