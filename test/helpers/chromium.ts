import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Request } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** The machine's flags for Debian Chromium, plus a resolver rule that makes every other host unresolvable. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  // Belt and braces with the route() below: requests a worker makes outside the page's routing
  // cannot reach another host either.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

export interface Browser {
  readonly context: BrowserContext;
  /** Every request the browser made (pages and workers), in order. */
  readonly requests: string[];
  /** Requests that were refused because they left 127.0.0.1. */
  readonly blocked: string[];
  close(): Promise<void>;
}

const isLocal = (url: string) => /^(https?|wss?):\/\/127\.0\.0\.1(:\d+)?\//.test(url) || /^(data|blob|about):/.test(url);

/**
 * Starts Debian's Chromium headless with a fresh profile, records every request and aborts any
 * that leaves 127.0.0.1. Fails (never skips) when Chromium is not installed.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's Chromium; run "apt-get install chromium" (as root), then test again`);
  }
  const profile = await mkdtemp(join(tmpdir(), "qw-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1200, height: 900 },
  });
  const requests: string[] = [];
  const blocked: string[] = [];
  const record = (request: Request) => requests.push(request.url());
  context.on("request", record);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    blocked.push(url);
    return route.abort("blockedbyclient");
  });
  return {
    context, requests, blocked,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
