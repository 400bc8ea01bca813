/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { raw } from 'hono/html'
import type { FC } from 'hono/jsx'
import type { ApiKeyRecord, VerifyFailureCode } from 'keywarden'
import { outcomeLabel, usageChart, usageLegend } from '../charts/usage.js'
import { RANGES, type RangeName, type UsageBucketView } from '../data.js'
import { RangePicker } from './range.js'

export interface TopKey {
  record: ApiKeyRecord
  valid: number
  failed: number
}

export interface OverviewProps {
  range: RangeName
  buckets: UsageBucketView[]
  valid: number
  failed: number
  failures: Partial<Record<VerifyFailureCode, number>>
  topKeys: TopKey[]
  keyCount: number
}

const fmt = (n: number) => n.toLocaleString('en-US')

export const Overview: FC<OverviewProps> = (props) => {
  const total = props.valid + props.failed
  const failures = (Object.entries(props.failures) as [string, number][]).sort((a, b) => b[1] - a[1])
  return (
    <>
      <section class="panel" aria-labelledby="overview-title">
        <div class="panel-head">
          <h1 id="overview-title">Overview</h1>
          <RangePicker base="/" range={props.range} />
        </div>
        <dl class="stats">
          <div>
            <dt>Verifications</dt>
            <dd>{fmt(total)}</dd>
          </div>
          <div>
            <dt>Valid</dt>
            <dd>{fmt(props.valid)}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd>{fmt(props.failed)}</dd>
          </div>
          <div>
            <dt>Failure rate</dt>
            <dd>{total === 0 ? '—' : `${((props.failed / total) * 100).toFixed(1)} %`}</dd>
          </div>
          <div>
            <dt>Keys</dt>
            <dd>
              <a href="/dashboard/keys">{fmt(props.keyCount)}</a>
            </dd>
          </div>
        </dl>
        <h2>Verifications over {RANGES[props.range].label}, by outcome</h2>
        <figure class="chart-box" id="overview-chart">
          {raw(
            usageChart(
              'overview-usage',
              `Verifications over ${RANGES[props.range].label}`,
              props.buckets,
              RANGES[props.range].granularity,
            ),
          )}
          <figcaption>{raw(usageLegend())}</figcaption>
        </figure>
      </section>
      <div class="two">
        <section class="panel" aria-labelledby="top-title">
          <h2 id="top-title">Top keys</h2>
          {props.topKeys.length === 0 ? (
            <p class="empty">No verifications in this range.</p>
          ) : (
            <table class="compact">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Valid</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {props.topKeys.map((top) => (
                  <tr>
                    <td>
                      <a href={`/dashboard/keys/${encodeURIComponent(top.record.id)}`}>{top.record.name}</a>
                    </td>
                    <td>{fmt(top.valid)}</td>
                    <td>{fmt(top.failed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section class="panel" aria-labelledby="failures-title">
          <h2 id="failures-title">Failures by reason</h2>
          {failures.length === 0 ? (
            <p class="empty">No failed verifications in this range.</p>
          ) : (
            <table class="compact">
              <tbody>
                {failures.map(([code, n]) => (
                  <tr>
                    <th scope="row">{outcomeLabel(code)}</th>
                    <td>{fmt(n)}</td>
                    <td class="meter-cell">
                      <meter
                        min={0}
                        max={props.failed}
                        value={n}
                        aria-label={`${outcomeLabel(code)} share`}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  )
}
