import * as HttpApp from "@effect/platform/HttpApp"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { MontaWebhook } from "../src/index.js"

/** A webhook secret of the length Monta accepts, and a value the tests search every rendering for. */
export const secretText = "whsec-0123456789-abcdefghij"
export const secret = Redacted.make(secretText)

/** One entry as Monta sends it. */
export const entry = (entityId: string, eventType: string = "updated") => ({
  entityType: "charge-point",
  entityId,
  eventType,
  eventTime: "2024-01-18T10:00:00.000Z",
  payload: { id: Number(entityId), name: `Charge point ${entityId}` }
})

/** The compact JSON body of a batch with these entries and timestamp. */
export const batchBody = (timestamp: number, entries: ReadonlyArray<unknown> = [entry("1")], pending = 0) =>
  JSON.stringify({ entries, pending, timestamp })

/** A POST of `body` to the webhook, signed with `secret` unless `signature` says otherwise. */
export const post = (
  body: string | Uint8Array,
  options: { readonly signature?: string | null; readonly headers?: Record<string, string> } = {}
) => {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers }
  const signature = options.signature === undefined ? MontaWebhook.sign(secret, body) : options.signature
  if (signature !== null) headers["x-monta-signature"] = signature
  return new Request("http://localhost/webhooks/monta", { method: "POST", headers, body })
}

/**
 * `app` as a web handler that runs on the current runtime (so on the test's `TestClock`): the same
 * conversion as `HttpApp.toWebHandler`, which runs on the default runtime.
 */
export const webHandler = <E>(app: HttpApp.Default<E>) =>
  Effect.map(Effect.runtime<never>(), (runtime) => {
    const handle = HttpApp.toWebHandlerRuntime(runtime)(app)
    return (request: Request) => Effect.promise(() => handle(request))
  })

/** A tracer that keeps every span, to look at names and attributes. */
export const recordingTracer = () => {
  const spans: Array<{ readonly name: string; readonly attributes: Map<string, unknown> }> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, attributes })
      return {
        _tag: "Span",
        name,
        spanId: String(spans.length),
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => undefined,
        attribute: (key, value) => void attributes.set(key, value),
        event: (_name, _time, more) => {
          for (const [key, value] of Object.entries(more ?? {})) attributes.set(`event.${key}`, value)
        },
        addLinks: () => undefined
      }
    },
    context: (f) => f()
  })
  return { spans, tracer }
}
