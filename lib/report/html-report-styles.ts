/** The report page's own stylesheet: light and dark palettes (prefers-color-scheme) and a print layout. */
export const REPORT_STYLES = `
:root {
  --bg: #ffffff; --fg: #1b2028; --soft: #5a6472; --card: #f6f7f9; --border: #d9dde3; --grid: rgba(27, 32, 40, 0.10);
  --c-planned: #5b6573; --c-prediction: #7a3fd1; --c-good: #1a7f37; --c-neutral: #2463d6; --c-warning: #c76a00;
  --c-bad: #c62828; --c-alarm: #ff1744; --c-muted: #9aa3ad;
  --p0: #2463d6; --p1: #c76a00; --p2: #1a7f37; --p3: #a3359b; --p4: #00838f; --p5: #8d6e00; --p6: #c62828; --p7: #5b6573;
  --ok-bg: #e6f4ea; --short-bg: #fff4e0; --crossed-bg: #fde7e9;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --fg: #e4e7ec; --soft: #a3acb8; --card: #1c2027; --border: #333a45; --grid: rgba(228, 231, 236, 0.12);
    --c-planned: #aab4c0; --c-prediction: #b48cf2; --c-good: #4cc36b; --c-neutral: #6b9cf5; --c-warning: #f0a03c;
    --c-bad: #f26b6b; --c-alarm: #ff4d6d; --c-muted: #6f7884;
    --p0: #6b9cf5; --p1: #f0a03c; --p2: #4cc36b; --p3: #e07ad8; --p4: #4fd1dc; --p5: #e0c04f; --p6: #f26b6b; --p7: #aab4c0;
    --ok-bg: #15301f; --short-bg: #3a2a10; --crossed-bg: #3d161b;
  }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.4rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.4rem; }
.verdict { font-size: 1.2rem; font-weight: 600; padding: 0.7rem 1rem; border-radius: 6px; border: 1px solid var(--border); }
.verdict-ok { background: var(--ok-bg); }
.verdict-short { background: var(--short-bg); }
.verdict-crossed { background: var(--crossed-bg); }
.facts { display: flex; flex-wrap: wrap; gap: 0.3rem 1.5rem; margin: 0.7rem 0; color: var(--soft); }
.facts div { display: flex; gap: 0.4rem; }
.facts dt::after { content: ':'; }
.facts dd { margin: 0; color: var(--fg); word-break: break-all; }
.notes { border-left: 4px solid var(--c-warning); background: var(--card); padding: 0.3rem 1rem; }
.caption { color: var(--soft); margin: 0 0 0.5rem; }
.chart-card { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 0.2rem 1rem 0.8rem; margin: 1rem 0; }
.chart { min-height: 2rem; }
.empty { color: var(--soft); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--border); padding: 0.3rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { color: var(--soft); font-weight: 600; }
.pass { color: var(--c-good); }
.fail { color: var(--c-bad); font-weight: 700; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.9em; }
footer { color: var(--soft); margin-top: 2rem; font-size: 0.85rem; }
.u-legend { color: var(--fg); font-size: 0.85rem; }
@media print {
  :root {
    --bg: #ffffff; --fg: #000000; --soft: #444444; --card: #ffffff; --border: #bbbbbb; --grid: rgba(0, 0, 0, 0.12);
    --c-planned: #555555; --c-prediction: #6a1b9a; --c-good: #1b5e20; --c-neutral: #0d47a1; --c-warning: #b35c00;
    --c-bad: #b71c1c; --c-alarm: #e00032; --c-muted: #888888;
    --p0: #0d47a1; --p1: #b35c00; --p2: #1b5e20; --p3: #6a1b9a; --p4: #006064; --p5: #6d5500; --p6: #b71c1c; --p7: #555555;
    --ok-bg: #ffffff; --short-bg: #ffffff; --crossed-bg: #ffffff;
  }
  body { max-width: none; padding: 0; font-size: 11pt; }
  .chart-card, table, .notes { break-inside: avoid; }
  details { display: none; }
}
`;
