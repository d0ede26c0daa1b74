/** The stateless protocol revision the SDK serves directly; anything older is a 2025 client. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
// JSON-RPC batching was removed from MCP in 2025-06-18; only 2025-03-26 and older sessions may batch.
export const FIRST_VERSION_WITHOUT_BATCHING = '2025-06-18';
