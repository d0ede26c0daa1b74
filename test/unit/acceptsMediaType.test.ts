import { describe, expect, it } from 'vitest';
import { acceptsMediaType } from '../../src/mcp/acceptsMediaType.ts';

// The Accept rule behind /mcp's 406 (SECURITY-TESTS F6): a POST must accept both
// application/json and text/event-stream, wildcards count, q=0 means "not acceptable".
describe('acceptsMediaType', () => {
  it.each([
    ['application/json, text/event-stream', 'application/json', true],
    ['application/json, text/event-stream', 'text/event-stream', true],
    ['APPLICATION/JSON', 'application/json', true],
    ['text/event-stream;q=0.5 , application/json;q=1', 'text/event-stream', true],
    ['*/*', 'text/event-stream', true],
    ['application/*', 'application/json', true],
    ['application/*', 'text/event-stream', false],
    ['text/*;q=0', 'text/event-stream', false],
    ['text/event-stream;q=0.0', 'text/event-stream', false],
    ['application/jsonx', 'application/json', false],
    ['application/json-seq', 'application/json', false],
    ['', 'application/json', false],
    ['text/html', 'text/event-stream', false],
  ])('%j admits %s: %s', (accept, mediaType, expected) => {
    expect(acceptsMediaType(accept, mediaType)).toBe(expected);
  });
});
