import type * as HttpClient from "@effect/platform/HttpClient"
import { grants, type Scope } from "@monta-auth/schema"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as RcMap from "effect/RcMap"
import type * as Scope_ from "effect/Scope"
import * as Stream from "effect/Stream"
import { type AuthEvent, type AuthEventHub, MontaAuthEvents } from "../AuthEvent.js"
import type { MontaAuthService } from "../MontaAuth.js"
import type {
  Credential,
  CredentialEvent,
  CredentialInfo,
  MontaCredentialsOptions,
  MontaCredentialsService,
  NamedMontaAuth
} from "../MontaCredentials.js"
import { InsufficientScope, InvalidOptions, MontaAuthClosed, UnknownCredential } from "../MontaError.js"
import { TokenStore } from "../TokenStore.js"
import { forClient } from "./authMetrics.js"
import { marginFor as boundedMargin, millis } from "./authOptions.js"
import * as grant from "./credentialGrant.js"
import * as idleRefresh from "./idleRefresh.js"
import * as internalAuth from "./montaAuth.js"
import * as internalApi from "./montaAuthApi.js"
import * as internalRotation from "./rotation.js"

/** What the registry holds of one credential while it is idle: no fiber, no service. */
interface Entry extends idleRefresh.Watched {
  readonly credential: Credential
  /** Declared, or learned from `/consumers/me` (kept across release and rebuild). */
  scopes: ReadonlyArray<Scope> | undefined
}

/** How many credentials `forScope` asks `/consumers/me` about at once. */
const lookupConcurrency = 8

/** @internal */
export const make = (
  options: MontaCredentialsOptions
): Effect.Effect<MontaCredentialsService, InvalidOptions, HttpClient.HttpClient | TokenStore | Scope_.Scope> =>
  Effect.gen(function*() {
    const { credentials, idleTimeToLive, metricLabels, refreshIdle, ...shared } = options
    const labelOf = (name: string) => metricLabels === "none" ? null : name
    const margin = millis(shared.refreshMargin ?? "5 minutes")
    // C5: by default the jitter spans the whole margin, so refreshes spread across it.
    const authOptions = { ...shared, jitter: shared.jitter ?? Duration.millis(margin) }
    const jitter = millis(authOptions.jitter)
    const store = yield* TokenStore
    const api = yield* internalApi.make({
      baseUrl: shared.baseUrl ?? "https://partner-api.monta.com/api/v1",
      requestTimeout: shared.requestTimeout,
      allowInsecure: shared.allowInsecure
    })

    const registry = new Map<string, Entry>()
    let closed = false
    // Every credential's events, each with its name; a credential's own stream filters this one.
    const pubsub = yield* PubSub.unbounded<CredentialEvent>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
    const publishNamed = (name: string, event: AuthEvent) => {
      pubsub.unsafeOffer({ name, event })
    }
    const events: Stream.Stream<CredentialEvent> = Stream.fromPubSub(pubsub)
    const hubOf = (name: string): AuthEventHub => ({
      publish: (event) => publishNamed(name, event),
      events: Stream.filterMap(events, (item) => item.name === name ? Option.some(item.event) : Option.none())
    })

    const marginFor = boundedMargin(margin)

    const scheduler = refreshIdle === false ? undefined : yield* idleRefresh.make({
      store,
      marginFor,
      jitter,
      concurrency: 16,
      publish: (name, event) => publishNamed(name, event),
      rotate: (watched, request) => {
        const entry = watched as Entry
        const { clientId, clientSecret } = grant.authOptionsOf(entry.credential)
        return internalRotation.make({
          clientId,
          clientSecret,
          api,
          store,
          metrics: forClient(clientId, labelOf(entry.name)),
          publish: (event) => publishNamed(entry.name, event)
        })(request)
      }
    })

    // C1: a credential's `MontaAuth`, built on use and released after `idleTimeToLive` unused.
    const services = yield* RcMap.make({
      lookup: (name: string) =>
        Effect.gen(function*() {
          const entry = registry.get(name)
          if (entry === undefined) return yield* Effect.fail(new UnknownCredential({ name }))
          scheduler?.unwatch(entry)
          // Runs after the service's own finalizers: the released credential goes to the scheduler.
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              if (!closed && registry.get(name) === entry) scheduler?.watch(entry)
            })
          )
          return yield* internalAuth.make({ ...authOptions, ...grant.authOptionsOf(entry.credential) }, labelOf(name))
            .pipe(
              Effect.provideService(TokenStore, store),
              Effect.provideService(MontaAuthEvents, hubOf(name))
            )
        }),
      idleTimeToLive: idleTimeToLive ?? "10 minutes"
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => closed = true))

    const use = <A, E>(entry: Entry, f: (auth: MontaAuthService) => Effect.Effect<A, E>) =>
      Effect.suspend(() =>
        closed || registry.get(entry.name) !== entry
          ? Effect.fail(new MontaAuthClosed({ clientId: grant.keyOf(entry.credential) }))
          : Effect.scoped(
            Effect.flatMap(
              Effect.catchAll(
                RcMap.get(services, entry.name),
                () => Effect.fail(new MontaAuthClosed({ clientId: grant.keyOf(entry.credential) }))
              ),
              f
            )
          )
      )

    const facade = (entry: Entry): NamedMontaAuth => {
      const clientId = grant.keyOf(entry.credential)
      return {
        name: entry.name,
        clientId,
        baseUrl: api.baseUrl,
        accessToken: use(entry, (auth) => auth.accessToken),
        current: use(entry, (auth) => auth.current),
        invalidate: (token) => Effect.catchAll(use(entry, (auth) => auth.invalidate(token)), () => Effect.void),
        me: use(entry, (auth) =>
          Effect.tap(auth.me, (me) =>
            Effect.sync(() => {
              entry.scopes = me.scopes
            }))),
        requireScope: (...scopes) => use(entry, (auth) => auth.requireScope(...scopes)),
        events: hubOf(entry.name).events
      }
    }

    const get = (name: string) =>
      Effect.suspend(() => {
        const entry = registry.get(name)
        return entry === undefined ? Effect.fail(new UnknownCredential({ name })) : Effect.succeed(facade(entry))
      })

    const add = (name: string, credential: Credential) =>
      Effect.gen(function*() {
        yield* grant.validate(name, credential)
        if (registry.has(name)) {
          return yield* Effect.fail(
            new InvalidOptions({ option: "credentials", problem: `a credential named "${name}" is already held` })
          )
        }
        registry.set(name, {
          name,
          key: grant.keyOf(credential),
          credential,
          scopes: credential.scopes,
          generation: 0,
          spread: false,
          failures: 0,
          retry: undefined
        })
        byScope.clear()
      })

    const remove = (name: string) =>
      Effect.suspend(() => {
        const entry = registry.get(name)
        if (entry === undefined) return Effect.fail(new UnknownCredential({ name }))
        registry.delete(name)
        byScope.clear()
        scheduler?.unwatch(entry)
        return RcMap.invalidate(services, name)
      })

    // C2: the least-privileged credential granting the scope, remembered until the set changes.
    const byScope = new Map<Scope, Entry>()
    const scopesOf = (entry: Entry) =>
      entry.scopes !== undefined
        ? Effect.succeed(entry.scopes)
        : Effect.map(facade(entry).me, (me) => me.scopes)
    const forScope = (scope: Scope) =>
      Effect.gen(function*() {
        const known = byScope.get(scope)
        if (known !== undefined && registry.get(known.name) === known) return facade(known)
        const entries = [...registry.values()]
        const found = yield* Effect.forEach(
          entries,
          (entry) => Effect.option(scopesOf(entry)),
          { concurrency: lookupConcurrency }
        )
        let best: { readonly entry: Entry; readonly size: number } | undefined
        const granted = new Set<string>()
        found.forEach((scopes, i) => {
          if (scopes._tag === "None") return
          for (const held of scopes.value) granted.add(held)
          if (!grants(scopes.value, scope)) return
          if (best === undefined || scopes.value.length < best.size) {
            best = { entry: entries[i]!, size: scopes.value.length }
          }
        })
        if (best === undefined) {
          return yield* Effect.fail(new InsufficientScope({ required: [scope], granted: [...granted] }))
        }
        byScope.set(scope, best.entry)
        return facade(best.entry)
      })

    for (const [name, credential] of Object.entries(credentials)) yield* add(name, credential)

    return {
      baseUrl: api.baseUrl,
      get,
      forScope,
      add,
      remove,
      names: Effect.sync(() => [...registry.keys()]),
      describe: Effect.sync((): ReadonlyArray<CredentialInfo> =>
        [...registry.values()].map((entry) => ({ name: entry.name, clientId: entry.key, scopes: entry.scopes }))
      ),
      events,
      hub: (name) =>
        Effect.suspend(() =>
          registry.has(name) ? Effect.succeed(hubOf(name)) : Effect.fail(new UnknownCredential({ name }))
        )
    }
  })
