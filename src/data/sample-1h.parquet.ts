// Framework data loader: the built-in synthetic sample "sample-1h" (see engine/data/syntheticSamples.ts).
import { emitSyntheticSample } from "../../data-loaders/synthetic.js";

await emitSyntheticSample("sample-1h", "parquet");
