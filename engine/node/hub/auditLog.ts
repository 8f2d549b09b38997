/**
 * The hub's audit log: one JSON object per line in `<data>/audit.jsonl`, appended and synced
 * as it happens: who connected to or was refused from which document, who changed it (edits
 * are summed per connection over a few seconds: count and bytes), versions made and restored,
 * notebooks saved; bundles promoted, refused and approved, and what traders did with them
 * (bundle-event: start, stop, rollback); reports published; actions on traders through the hub
 * (account-action: pause, resume, kill, flatten, params, with the user and the outcome). Never holds a token.
 */
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export type AuditEvent =
  | "connect" | "disconnect" | "refused" | "edit" | "closed"
  | "version-create" | "version-restore" | "save" | "store-recovered" | "store-error"
  | "bundle-promote" | "bundle-refused" | "bundle-approve" | "bundle-event" | "report-publish"
  | "account-action";

export interface AuditRow {
  /** UTC ms when it happened (for an edit: its last change). */
  readonly time: number;
  readonly event: AuditEvent;
  /** The user's name; absent when none was authenticated. */
  readonly user?: string;
  readonly doc?: string;
  /** Anything else: reason, bytes, updates, version… */
  readonly [field: string]: unknown;
}

export interface AuditQuery {
  readonly doc?: string;
  readonly user?: string;
  readonly event?: AuditEvent;
  /** The last `limit` matching rows. Default 200. */
  readonly limit?: number;
}

export class AuditLog {
  private fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }

  /** Appends `row`; on disk when this returns. */
  write(row: AuditRow): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(`${JSON.stringify(row)}\n`);
    let written = 0;
    while (written < line.length) written += writeSync(this.fd, line, written, line.length - written);
    fdatasyncSync(this.fd);
  }

  /** The last rows matching `query`, oldest first. A torn last line (a crash mid-write) is skipped. */
  read(query: AuditQuery = {}): AuditRow[] {
    if (!existsSync(this.path)) return [];
    const rows: AuditRow[] = [];
    for (const line of readFileSync(this.path, "utf8").split("\n")) {
      if (!line) continue;
      let row: AuditRow;
      try {
        row = JSON.parse(line) as AuditRow;
      } catch {
        continue;
      }
      if (query.doc !== undefined && row.doc !== query.doc) continue;
      if (query.user !== undefined && row.user !== query.user) continue;
      if (query.event !== undefined && row.event !== query.event) continue;
      rows.push(row);
    }
    return rows.slice(-(query.limit ?? 200));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
