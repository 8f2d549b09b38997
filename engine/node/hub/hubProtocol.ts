/**
 * What a hub client needs to know beyond the y-websocket protocol: how to present its token, the
 * extra message it may send, and the close codes the hub ends a connection with. Pure (no Node),
 * so the browser pages can import it.
 *
 * y-websocket stops reconnecting on a close code in 4400–4499 (the server decided; retrying
 * cannot help), so refusals use that range; a too-large frame is ws's 1009, after which the
 * client retries (and a client that keeps sending it keeps being closed).
 */

/** The WebSocket subprotocol carrying a token, for clients that cannot send headers: `bearer.<token>`. */
export const BEARER_PROTOCOL_PREFIX = "bearer.";

/** Tokens: URL- and subprotocol-safe characters, at least 16 of them. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

/** y-protocols' message types (sync, awareness) and the hub's own. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;
/** `[MESSAGE_SAVE]`: write the document through now (a notebook's markdown file); writers only, no reply. */
export const MESSAGE_SAVE = 64;

export const CLOSE = {
  /** A frame that is not a well-formed sync/awareness message. */
  BAD_MESSAGE: 4400,
  /** No token, or a token the hub does not know. */
  UNAUTHORIZED: 4401,
  /** The page's origin is not allowed. */
  FORBIDDEN_ORIGIN: 4403,
  /** The path is not a valid document name (unknown kind, bad id). */
  BAD_DOCUMENT: 4404,
  /** The hub is shutting down; reconnect later. */
  GOING_AWAY: 1001,
  /** ws's code for a frame over the size limit. */
  TOO_LARGE: 1009,
  /** The hub could not store an update; the update was not applied. */
  STORE_FAILED: 1011,
} as const;
