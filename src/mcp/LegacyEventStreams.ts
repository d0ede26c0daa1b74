import { jsonRpcError } from './jsonRpcError.ts';
import type { ListenStreamSlots } from './ListenStreamSlots.ts';

const TOOLS_CHANGED_EVENT = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`;

/**
 * The standalone event streams of 2025-protocol sessions (GET /mcp), per organization: server
 * notifications (today `notifications/tools/list_changed`) with keep-alives. The 2026-07-28
 * listen streams are the SDK's; these are ours, since the SDK serves 2025 clients statelessly.
 */
export class LegacyEventStreams {
  private readonly listeners = new Map<string, Set<(message: string) => void>>();

  constructor(
    private readonly slots: ListenStreamSlots,
    /** Called as a stream opens (the catalog watcher starts watching its organization). */
    private readonly onOpen: (orgId: string) => void,
  ) {}

  /** Organizations with an open stream on this process. */
  orgIds(): string[] {
    return [...this.listeners.keys()];
  }

  /** Opens a stream, counted against the same per-user cap as 2026-07-28 listen streams. */
  open(orgId: string, userId: string, signal: AbortSignal): Response {
    const release = this.slots.take(orgId, userId);
    if (!release) {
      return jsonRpcError(
        429,
        -32000,
        `Too many open event streams: at most ${this.slots.cap} per user; close one first`,
        { 'Retry-After': '30' },
      );
    }
    const encoder = new TextEncoder();
    let cleanup = () => undefined as void;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const listeners = this.listeners.get(orgId) ?? new Set();
        this.listeners.set(orgId, listeners);
        const send = (message: string) => {
          if (message === '') return cleanup();
          try {
            controller.enqueue(encoder.encode(message));
          } catch {
            cleanup();
          }
        };
        const keepAlive = setInterval(() => send(': keepalive\n\n'), 15_000);
        keepAlive.unref();
        listeners.add(send);
        this.onOpen(orgId);
        cleanup = () => {
          if (!listeners.delete(send)) return;
          clearInterval(keepAlive);
          if (listeners.size === 0) this.listeners.delete(orgId);
          release();
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        controller.enqueue(encoder.encode(': stream open\n\n'));
        // The slot is freed when the client's socket closes, not at the next keep-alive write.
        if (signal.aborted) cleanup();
        else signal.addEventListener('abort', () => cleanup(), { once: true });
      },
      cancel: () => cleanup(),
    });
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
      },
    });
  }

  /** Tells the organization's streams that its tools changed. */
  toolsChanged(orgId: string): void {
    for (const send of this.listeners.get(orgId) ?? []) send(TOOLS_CHANGED_EVENT);
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const listeners of this.listeners.values()) for (const send of listeners) send('');
  }
}
