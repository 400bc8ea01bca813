/** Styles of the pages of Dashboard 2.0 (overview, key page, audit, 404, phone layout); appended to DASHBOARD_CSS. */
export const PAGES_CSS = `
.panel-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem 1rem; margin-bottom: .6rem; }
.range { display: flex; gap: .2rem; flex-wrap: wrap; }
.range a { padding: .2rem .55rem; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; font-size: .85rem; }
.range a[aria-current="true"] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: .8rem; margin: 0 0 1rem; }
.stats div { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
.stats dt { color: var(--muted); font-size: .8rem; }
.stats dd { margin: 0; font-size: 1.4rem; font-weight: 700; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 1.5rem; }
.chart-box { margin: .5rem 0 0; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { fill: var(--muted); font-size: 11px; font-family: inherit; }
.s-0 { fill: var(--ok); } .s-1 { fill: #e08a00; } .s-2 { fill: #b45fd6; } .s-3 { fill: #2a9fd6; }
.s-4 { fill: var(--warn); } .s-5 { fill: var(--danger); } .s-6 { fill: #7f8c9d; } .s-7 { fill: #4a5566; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; list-style: none; padding: 0; margin: .5rem 0 0; font-size: .82rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: .3rem; }
.swatch { width: 10px; height: 10px; }
table.compact { margin-top: .4rem; }
.meter-cell { width: 40%; }
.meter-cell meter { width: 100%; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: .6rem 0 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.crumbs { margin: 0; }
.field-error { color: var(--danger); font-weight: 600; font-size: .82rem; }
.form-error { grid-column: 1 / -1; margin: 0; }
.check-ok { color: var(--ok); font-weight: 600; } .check-failed { color: var(--danger); font-weight: 600; }
form.edit, form.search { align-items: start; margin-bottom: .5rem; }
form .buttons { display: flex; gap: .8rem; align-items: center; align-self: end; }
.count { color: var(--muted); }
.not-found { max-width: 560px; }
.not-found .code { font-size: 3rem; font-weight: 800; margin: 0; color: var(--muted); }
code { overflow-wrap: anywhere; }
@media (max-width: 720px) {
  header.top .bar { padding: .5rem .8rem; }
  header.top .signed-in { display: none; }
  #toasts { padding: 0 .8rem; }
  main { padding: .8rem; gap: 1rem; }
  section.panel { padding: .9rem; }
  table.cards-on-phone, table.cards-on-phone tbody, table.cards-on-phone tr, table.cards-on-phone td { display: block; width: 100%; }
  table.cards-on-phone thead { display: none; }
  table.cards-on-phone tr { border: 1px solid var(--line); border-radius: 8px; padding: .4rem .6rem; margin-bottom: .6rem; }
  table.cards-on-phone td { border: 0; padding: .2rem 0; display: grid; grid-template-columns: 6.5rem 1fr; gap: .5rem; min-width: 0; overflow-wrap: anywhere; }
  table.cards-on-phone td::before { content: attr(data-label); color: var(--muted); font-size: .8rem; }
  td .actions { flex-wrap: wrap; white-space: normal; }
  .cards { grid-template-columns: 1fr; }
  .once .row { flex-wrap: wrap; }
}
`
