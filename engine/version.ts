/**
 * The engine's version as bundles record it (engine/bundle.ts): package.json's "version". A
 * constant rather than a read of package.json so that the browser worker and the Node trader
 * know it alike; bump it with package.json's (test/engine/bundle.test.ts fails while they differ).
 */
export const ENGINE_VERSION = "0.1.0";
