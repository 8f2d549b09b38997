import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    // forks: the native @duckdb/node-api addon is not safe across worker threads
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
