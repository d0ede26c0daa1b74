/**
 * Passes a body through unchanged and calls `onEnd` once, when it ends, fails or is cancelled,
 * or when `signal` aborts (the client closed the connection). The Node adapter acts on a closed
 * socket only once the body yields its next chunk, which on an idle stream is the next keep-alive
 * (up to 15 s later): waiting for that held the stream's slot after the client left (audit #12).
 */
export function observeEnd(
  body: ReadableStream<Uint8Array>,
  onEnd: () => void,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const abandon = () => {
    end();
    reader.cancel(signal.reason).catch(() => undefined);
  };
  if (signal.aborted) abandon();
  else signal.addEventListener('abort', abandon, { once: true });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}
