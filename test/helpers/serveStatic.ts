import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm",
  ".parquet": "application/vnd.apache.parquet", ".csv": "text/csv; charset=utf-8", ".arrow": "application/vnd.apache.arrow.file",
  ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8",
  ".map": "application/json", ".woff2": "font/woff2",
};

export interface StaticServer {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash). */
  readonly origin: string;
  /** Every request served, as "STATUS /path", in order. */
  readonly log: string[];
  close(): Promise<void>;
}

export interface ServeStaticOptions {
  /** Extra files served at fixed paths ("/bench/bars.parquet" -> a file on disk), e.g. bench inputs. */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * Serves the folder `root` (a built Framework site) on 127.0.0.1 at a free port, as Framework's
 * own hosting would: `/x` serves `x.html` when there is one, `/dir/` serves `dir/index.html`, and
 * each file gets its MIME type (application/wasm for wasm, which streaming compilation needs).
 *
 * @example
 * const server = await serveStatic("dist");
 * await page.goto(`${server.origin}/data`);
 * await server.close();
 */
export async function serveStatic(root: string, options: ServeStaticOptions = {}): Promise<StaticServer> {
  const base = normalize(root);
  const log: string[] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
      res.on("finish", () => log.push(`${res.statusCode} ${path}`));
      const candidates = options.files?.[path] ? [options.files[path]] : [];
      const file = normalize(join(base, path));
      if (!candidates.length && file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end();
        return;
      }
      candidates.push(...(path.endsWith("/") ? [join(file, "index.html")] : [file, `${file}.html`]));
      for (const candidate of candidates) {
        const info = await stat(candidate).catch(() => undefined);
        if (!info?.isFile()) continue;
        res.writeHead(200, {
          "content-type": MIME[extname(candidate).toLowerCase()] ?? "application/octet-stream",
          "content-length": info.size,
          "cache-control": "no-store",
        });
        if (req.method === "HEAD") res.end();
        else createReadStream(candidate).pipe(res);
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
