const DEFAULT_MAX_LISTEN_STREAMS_PER_USER = 10;

/**
 * Open event streams per user, on this process: 2026-07-28 `subscriptions/listen` streams and
 * 2025-protocol session streams count against one cap. Without it one token could hold hundreds
 * of idle streams (SECURITY-TESTS J3). A limit, not request state: a client over it elsewhere is
 * bounded by that process's own count (N processes → at most N × the cap).
 */
export class ListenStreamSlots {
  private readonly open = new Map<string, number>();
  readonly cap: number;

  constructor(maxPerUser?: number) {
    this.cap = maxPerUser ?? DEFAULT_MAX_LISTEN_STREAMS_PER_USER;
  }

  /** Takes a slot; undefined when the user is at the cap. The release frees it once, however often called. */
  take(orgId: string, userId: string): (() => void) | undefined {
    const key = `${orgId}:${userId}`;
    const open = this.open.get(key) ?? 0;
    if (open >= this.cap) return undefined;
    this.open.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Organizations with at least one open stream (whose catalogs are watched). */
  orgIds(): string[] {
    return [...this.open.keys()].map((key) => key.split(':')[0]!);
  }
}
