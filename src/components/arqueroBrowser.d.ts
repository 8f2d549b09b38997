/**
 * Types for Arquero's browser (UMD) build. Pages and components import it as
 * `import aq from "arquero/dist/arquero.min.js"` because Framework's bundle of the package's ESM
 * entry keeps `node:` imports and fails in the browser (STACK.md P13); the API is the same.
 */
declare module "arquero/dist/arquero.min.js" {
  import * as aq from "arquero";
  export default aq;
}
