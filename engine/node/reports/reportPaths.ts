/** Where reports live in the project: one place, so the loaders, the publisher and the config agree. */
import { join, resolve } from "node:path";

/** The project root (this file is engine/node/reports/reportPaths.ts). */
export const PROJECT_ROOT = resolve(import.meta.dirname, "../../..");

/** The committed report specs, one `<id>.json` each, under a project root. */
export const specsDir = (root: string = PROJECT_ROOT): string => join(root, "src", "reports", "specs");

/** A report id: the first 12 hex digits of its spec's sha256. */
export const REPORT_ID = /^[0-9a-f]{12}$/;

/** The site path of a report page. */
export const reportPage = (id: string): string => `/reports/${id}`;
