import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    // forks: the native @duckdb/node-api addon is not safe across worker threads
    pool: "forks",
    testTimeout: 30_000,
    // property tests draw from one fixed seed: CI runs the same cases every time
    setupFiles: ["test/setup.ts"],
    hookTimeout: 60_000,
  },
});
