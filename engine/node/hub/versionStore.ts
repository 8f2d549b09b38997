/**
 * Named versions of documents: a version is the document's whole Yjs state at one moment, with
 * a name, who made it and when. One file per version (`<dir>/<kind>/<id>/<n>.version`: two
 * checksummed records, the JSON description then the state), written atomically, numbered
 * 1, 2, 3… per document.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomicFile.js";
import type { DocName } from "./docNames.js";
import { frameRecord, readRecords } from "./updateLog.js";

export interface VersionInfo {
  /** 1, 2, 3… in the order made. */
  readonly version: number;
  readonly name: string;
  /** UTC ms. */
  readonly time: number;
  readonly user: string;
  /** Size of the state, bytes. */
  readonly bytes: number;
}

export interface StoredVersion {
  readonly info: VersionInfo;
  readonly state: Uint8Array;
}

export class VersionStore {
  constructor(readonly dir: string) {}

  private folder(doc: DocName): string {
    return join(this.dir, doc.kind, doc.id);
  }

  private numbers(doc: DocName): number[] {
    const folder = this.folder(doc);
    if (!existsSync(folder)) return [];
    return readdirSync(folder).map((f) => /^(\d+)\.version$/.exec(f)?.[1]).filter((x): x is string => !!x).map(Number).sort((a, b) => a - b);
  }

  /** Stores `state` as the next version of `doc`. */
  create(doc: DocName, meta: { readonly name: string; readonly user: string; readonly time: number }, state: Uint8Array): VersionInfo {
    const version = (this.numbers(doc).at(-1) ?? 0) + 1;
    const info: VersionInfo = { version, name: meta.name, time: meta.time, user: meta.user, bytes: state.byteLength };
    const head = frameRecord(new TextEncoder().encode(JSON.stringify(info)));
    writeFileAtomic(join(this.folder(doc), `${version}.version`), Buffer.concat([head, frameRecord(state)]));
    return info;
  }

  /** Version `version` of `doc`, or undefined. Throws if its file is damaged. */
  get(doc: DocName, version: number): StoredVersion | undefined {
    const path = join(this.folder(doc), `${version}.version`);
    if (!existsSync(path)) return undefined;
    const bytes = readFileSync(path);
    const { records, end } = readRecords(bytes);
    if (records.length !== 2 || end !== bytes.length) throw new Error(`${path} is damaged`);
    return { info: JSON.parse(new TextDecoder().decode(records[0])) as VersionInfo, state: records[1]! };
  }

  /** The versions of `doc`, oldest first. */
  list(doc: DocName): VersionInfo[] {
    return this.numbers(doc).map((n) => this.get(doc, n)?.info).filter((x): x is VersionInfo => !!x);
  }
}
