// Observable Framework config. Every setting below keeps `npm run build` offline
// (see ../shared/STACK.md 2.1 and pitfalls P5, P6).
import { reportPages } from "./engine/node/reports/reportPages.ts";

export default {
  title: "Quant workbench",
  root: "src",
  // tests that build the site in parallel each give their own folder
  output: process.env.QW_SITE_OUT ?? "dist",
  // Framework downloads the DuckDB json/parquet extensions at build time when a page uses
  // `sql`/DuckDBClient; that host is unreachable here. `null` removes them (`false` does not).
  duckdb: { extensions: { json: null, parquet: null } },
  // The default theme pulls a Google Fonts stylesheet: an external request. Drop it.
  globalStylesheets: [],
  // the order a researcher works in, not the alphabet
  pages: [
    { name: "Data", path: "/data" },
    { name: "Backtest", path: "/workbench" },
    { name: "Sweep", path: "/sweep" },
    { name: "Walk-forward", path: "/walk-forward" },
    {
      name: "Research",
      pages: [
        { name: "Returns and volatility", path: "/research/universe" },
        { name: "Strategy robustness", path: "/research/robustness" },
        { name: "Risk rules", path: "/research/risk-rules" },
      ],
    },
    {
      name: "Collaborate",
      pages: [
        { name: "Strategy editor", path: "/editor" },
        { name: "Compare versions", path: "/compare" },
        { name: "Notebook", path: "/notebook" },
      ],
    },
    { name: "Live monitor", path: "/monitor" },
    { name: "Reports", path: "/reports/" },
    { name: "Sample data", path: "/samples" },
  ],
  // one page per report spec (src/reports/specs/<id>.json), built by src/reports/[run].json.ts
  dynamicPaths: () => reportPages(),
  pager: false,
  search: false,
};
