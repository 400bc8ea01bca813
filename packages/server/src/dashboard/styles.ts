/** The dashboard's stylesheet, served from /assets/dashboard.css (no inline styles: strict CSP). */
export const DASHBOARD_CSS = `:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #fff; --text: #1c2430; --muted: #5d6b7e; --line: #dde2ea;
  --accent: #2456d6; --accent-text: #fff; --danger: #c0392b; --ok: #1e8a4c; --warn: #a86400;
  --code: #eef1f6; --focus: #ffb020;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #12161c; --panel: #1b2129; --text: #e6ebf2; --muted: #9aa7b8; --line: #2c3541;
    --accent: #5b8cff; --code: #252d38; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.45; }
a { color: var(--accent); }
header.top { position: sticky; top: 0; z-index: 10; background: var(--panel); border-bottom: 1px solid var(--line); }
header.top .bar { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1.2rem; padding: .6rem 1.5rem; }
header.top .brand { font-size: 1.15rem; font-weight: 700; letter-spacing: .02em; color: var(--text); text-decoration: none; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .2rem; list-style: none; margin: 0; padding: 0; }
header.top nav a { display: block; padding: .3rem .6rem; border-radius: 6px; color: var(--text); text-decoration: none; }
header.top nav a[aria-current="page"] { background: var(--code); font-weight: 600; }
header.top .who { margin-left: auto; color: var(--muted); font-size: .9rem; display: flex; gap: .8rem; align-items: center; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem; display: grid; gap: 1.5rem; min-width: 0; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.2rem 1.4rem; }
section.panel { min-width: 0; }
section.panel h1, section.panel > h2, .panel-head h2 { margin: 0 0 .2rem; font-size: 1.15rem; }
p.lead { margin: 0 0 1rem; color: var(--muted); }
form.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .8rem; align-items: end; }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .85rem; }
label .opt { font-weight: 400; color: var(--muted); }
input, select { font: inherit; font-weight: 400; padding: .45rem .55rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--text); width: 100%; }
input[aria-invalid="true"] { border-color: var(--danger); }
button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); color: var(--text); padding: .42rem .8rem; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; }
button.danger { color: var(--danger); border-color: var(--danger); }
button.small { padding: .2rem .55rem; font-size: .85rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
table { width: 100%; border-collapse: collapse; margin-top: 1rem; font-size: .92rem; }
th, td { text-align: left; padding: .5rem .45rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
td .actions { white-space: nowrap; display: flex; gap: .35rem; }
td .actions form { display: inline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
code { background: var(--code); padding: .1rem .3rem; border-radius: 4px; }
.limit { display: block; font-size: .8rem; white-space: nowrap; }
.scope { display: inline-block; background: var(--code); border-radius: 999px; padding: 0 .5rem; margin: 0 .2rem .2rem 0; font-size: .8rem; }
.state { font-weight: 600; font-size: .82rem; border-radius: 999px; padding: .1rem .55rem; }
.state-active { color: var(--ok); background: color-mix(in srgb, var(--ok) 14%, transparent); }
.state-revoked { color: var(--danger); background: color-mix(in srgb, var(--danger) 14%, transparent); }
.state-expired { color: var(--warn); background: color-mix(in srgb, var(--warn) 14%, transparent); }
.muted { color: var(--muted); }
.empty { color: var(--muted); padding: 1rem 0; }
.once { border: 2px solid var(--ok); border-radius: 8px; padding: .9rem 1rem; margin-top: 1rem;
  background: color-mix(in srgb, var(--ok) 8%, var(--panel)); }
.once h3 { margin: 0 0 .3rem; font-size: 1rem; }
.once .row { display: flex; gap: .5rem; margin-top: .5rem; }
.once input { font-family: ui-monospace, Menlo, Consolas, monospace; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 1rem; display: grid; gap: .6rem; align-content: start; }
.card h3 { margin: 0; font-size: 1rem; display: flex; justify-content: space-between; align-items: center; }
.card dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: .15rem .8rem; font-size: .88rem; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
.card .buttons { display: flex; gap: .5rem; }
.badge { font-size: .75rem; font-weight: 600; border-radius: 999px; padding: .1rem .5rem; }
.badge-set { color: var(--ok); background: color-mix(in srgb, var(--ok) 14%, transparent); }
.badge-unset { color: var(--muted); background: var(--code); }
.badge-expired { color: var(--warn); background: color-mix(in srgb, var(--warn) 14%, transparent); }
.hint { font-weight: 400; font-size: .8rem; color: var(--muted); min-height: 1.1em; }
.hint-error { color: var(--danger); }
.hint-ok { color: var(--ok); }
#toasts { display: grid; gap: .4rem; padding: 0 1.5rem; }
#toasts:not(:empty) { padding-bottom: .6rem; }
.toast { max-width: 640px; display: flex; gap: .8rem; align-items: start; justify-content: space-between; padding: .7rem .9rem;
  border-radius: 8px; background: var(--panel); border: 1px solid var(--line); box-shadow: 0 6px 20px rgb(0 0 0 / .15); }
.toast-success { border-left: 5px solid var(--ok); }
.toast-error { border-left: 5px solid var(--danger); }
.toast-close { border: 0; background: transparent; font-size: 1.1rem; line-height: 1; padding: 0 .2rem; }
.login { max-width: 430px; margin: 12vh auto; }
.login form { display: grid; gap: .9rem; }
.error { color: var(--danger); font-weight: 600; }
.pager { margin-top: .8rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); border: 0; }
`
