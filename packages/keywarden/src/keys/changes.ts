/** The events keys.* emit after a change: audit entries and webhook payloads, never a key or hash. */
import { changeContext, type EventHub } from '../events/hub.js'
import type { ChangeContext, EventType } from '../events/types.js'
import type { ApiKeyRecord } from '../stores/types.js'

/** The field names an input object set (its own keys with a defined value). */
export function fieldsOf(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return []
  return Object.keys(input)
    .filter((k) => (input as Record<string, unknown>)[k] !== undefined)
    .sort()
}

export interface KeyChangeEvents {
  /** Checks the context first (before the change is made): throws ValidationError when it is invalid. */
  context(context: ChangeContext | undefined): ReturnType<typeof changeContext>
  emit(
    type: EventType,
    record: ApiKeyRecord,
    context: ReturnType<typeof changeContext>,
    extra?: { fields?: string[]; detail?: Record<string, string>; previous?: ApiKeyRecord },
  ): Promise<void>
}

export function keyChangeEvents(hub: EventHub): KeyChangeEvents {
  return {
    context: changeContext,
    async emit(type, record, context, extra = {}) {
      const data: Record<string, unknown> = { key: record }
      if (extra.previous) data.previous = extra.previous
      await hub.emit({
        type,
        ...context,
        target: { type: 'key', id: extra.previous ? extra.previous.id : record.id },
        ownerId: record.ownerId,
        ...(extra.fields ? { fields: extra.fields } : {}),
        ...(extra.detail ? { detail: extra.detail } : {}),
        data,
      })
    },
  }
}
