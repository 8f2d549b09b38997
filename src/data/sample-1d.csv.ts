// Framework data loader: the built-in synthetic sample "sample-1d" as CSV, for download.
import { emitSyntheticSample } from "../../data-loaders/synthetic.js";

await emitSyntheticSample("sample-1d", "csv");
