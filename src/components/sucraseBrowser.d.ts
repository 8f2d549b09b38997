/**
 * Types for sucrase's CommonJS build. The editor imports it as
 * `import sucrase from "sucrase/dist/index.js"` because Framework's bundle of the package's ESM
 * entry asks ts-interface-checker (CommonJS) for a named export it does not get ("does not
 * provide an export named 'createCheckers'"); the CommonJS build reads it off the default. Same API.
 */
declare module "sucrase/dist/index.js" {
  import * as sucrase from "sucrase";
  export default sucrase;
}
