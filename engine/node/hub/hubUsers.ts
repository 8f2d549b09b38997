/**
 * Who may use the hub: users with a role (read or write) and a colour for their cursor, each
 * known by the SHA-256 of a token. The hub keeps only the hashes, so its config file can be
 * read by anyone who may read the repository without giving access.
 */
import { createHash, randomBytes } from "node:crypto";
import { TOKEN_PATTERN } from "./hubProtocol.js";

export type Role = "read" | "write";

export interface HubUser {
  readonly name: string;
  readonly role: Role;
  /** A CSS colour for the user's cursor and presence. */
  readonly colour: string;
}

export interface HubUserEntry extends HubUser {
  /** SHA-256 of the token, lower-case hex. */
  readonly tokenSha256: string;
}

/** The hex SHA-256 of a token, as the config file stores it. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A fresh random token (32 bytes, base64url). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

const PALETTE = ["#2563eb", "#d9480f", "#1a7f37", "#9333ea", "#c2255c", "#0e7490", "#a16207", "#4d7c0f"];

/** A stable colour for a user who was given none. */
export function colourFor(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export class UserDirectory {
  private readonly byHash = new Map<string, HubUser>();

  constructor(entries: readonly HubUserEntry[]) {
    for (const e of entries) {
      const hash = e.tokenSha256.toLowerCase();
      if (this.byHash.has(hash)) throw new Error(`two users share a token (${this.byHash.get(hash)!.name} and ${e.name})`);
      this.byHash.set(hash, { name: e.name, role: e.role, colour: e.colour });
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The user a token belongs to, or undefined (no token, a malformed one, an unknown one). */
  authenticate(token: string | undefined): HubUser | undefined {
    if (!token || !TOKEN_PATTERN.test(token)) return undefined;
    return this.byHash.get(hashToken(token));
  }
}
