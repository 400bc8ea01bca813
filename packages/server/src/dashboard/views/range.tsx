/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { RANGES, type RangeName } from '../data.js'

/** Links to the same page for 24 h / 7 d / 30 d. */
export const RangePicker: FC<{ base: string; range: RangeName }> = ({ base, range }) => (
  <nav class="range" aria-label="Time range">
    {(Object.keys(RANGES) as RangeName[]).map((name) => (
      <a href={`${base}?range=${name}`} aria-current={name === range ? 'true' : undefined}>
        {RANGES[name].label}
      </a>
    ))}
  </nav>
)
