/**
 * The peers of P3, each an authenticated client of MontaFake as its users would set it up, outside
 * Effect:
 * - google-auth-library's `OAuth2Client.request` (gaxios with its default fetch) holding a cached
 *   access token, with a `refreshHandler` that rotates the pair through the fake's `/auth/refresh`
 *   (a fresh login through `/auth/token` when that fails) on expiry or on a 401;
 * - axios with the axios-auth-refresh interceptor: a request interceptor attaches the bearer, the
 *   refresh interceptor rotates the pair the same way on a 401 and retries the request.
 * Neither reaches a Google endpoint. Both read each body as JSON and count their refreshes, so the
 * benchmark can show that the refresh path works and that none ran while it measured.
 */
import type { ConsumerInput } from "@monta-auth/testing"
import axios, { type AxiosInstance } from "axios"
import { createAuthRefresh } from "axios-auth-refresh"
import { OAuth2Client } from "google-auth-library"

/** An authenticated client of the fake for the benchmark: one GET, and how often it refreshed. */
export interface Peer {
  readonly name: string
  readonly get: (path: string) => Promise<unknown>
  readonly refreshes: () => number
  /** Makes the next request meet the refresh path (expired or rejected token). */
  readonly spoil: () => void
}

interface Pair {
  readonly accessToken: string
  readonly refreshToken: string
  readonly expiresAt: number
}

const post = async (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

const toPair = async (response: Response): Promise<Pair> => {
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`)
  const body = await response.json() as {
    accessToken: string
    refreshToken: string
    accessTokenExpirationDate: string
  }
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    expiresAt: Date.parse(body.accessTokenExpirationDate)
  }
}

/** A first pair by `POST /auth/token`. */
export const login = async (baseUrl: string, consumer: ConsumerInput): Promise<Pair> =>
  toPair(await post(`${baseUrl}/auth/token`, { clientId: consumer.clientId, clientSecret: consumer.clientSecret }))

/** The next pair by `POST /auth/refresh` with `pair`'s refresh token; a new login if that is refused. */
const rotate = async (baseUrl: string, consumer: ConsumerInput, pair: Pair): Promise<Pair> => {
  const refreshed = await post(`${baseUrl}/auth/refresh`, { refreshToken: pair.refreshToken })
  return refreshed.ok ? toPair(refreshed) : (await refreshed.body?.cancel(), login(baseUrl, consumer))
}

/**
 * google-auth-library's `OAuth2Client` with the fake's pair as cached credentials and a refresh
 * handler; `forceRefreshOnFailure` makes a 401 call the handler too, not only an expiry.
 */
export const googlePeer = async (baseUrl: string, consumer: ConsumerInput): Promise<Peer> => {
  let pair = await login(baseUrl, consumer)
  let refreshes = 0
  const client = new OAuth2Client({ forceRefreshOnFailure: true })
  client.refreshHandler = async () => {
    refreshes++
    pair = await rotate(baseUrl, consumer, pair)
    return { access_token: pair.accessToken, expiry_date: pair.expiresAt }
  }
  client.setCredentials({ access_token: pair.accessToken, expiry_date: pair.expiresAt })
  return {
    name: "google-auth-library OAuth2Client.request",
    get: async (path) => (await client.request({ url: `${baseUrl}${path}`, responseType: "json" })).data,
    refreshes: () => refreshes,
    spoil: () => client.setCredentials({ access_token: "spoiled", expiry_date: Date.now() + 3_600_000 })
  }
}

/** axios with a bearer-attaching request interceptor and axios-auth-refresh on 401. */
export const axiosPeer = async (baseUrl: string, consumer: ConsumerInput): Promise<Peer> => {
  let pair = await login(baseUrl, consumer)
  let refreshes = 0
  const instance: AxiosInstance = axios.create({ baseURL: baseUrl, responseType: "json" })
  instance.interceptors.request.use((config) => {
    config.headers.set("Authorization", `Bearer ${pair.accessToken}`)
    return config
  })
  // axios-auth-refresh's declarations import axios's CommonJS types, this module its ESM ones: the
  // same instance under two declarations of one type.
  createAuthRefresh(
    instance as unknown as Parameters<typeof createAuthRefresh>[0],
    async (failed: { response: { config: { headers: Record<string, string> } } }) => {
      refreshes++
      pair = await rotate(baseUrl, consumer, pair)
      failed.response.config.headers["Authorization"] = `Bearer ${pair.accessToken}`
    },
    { statusCodes: [401] }
  )
  return {
    name: "axios + axios-auth-refresh",
    get: async (path) => (await instance.get(path)).data,
    refreshes: () => refreshes,
    spoil: () => {
      pair = { ...pair, accessToken: "spoiled" }
    }
  }
}

/** `n` GETs of `/charge-points/{id}` through `peer`, `inFlight` at a time. */
export const peerBurst = async (peer: Peer, n: number, inFlight: number): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      await peer.get(`/charge-points/${(i % 250) + 1}`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker))
}

/**
 * Proves each peer's refresh path against the fake: a spoiled token is answered 401, the peer
 * refreshes and the retried request succeeds. Returns the refreshes it took.
 */
export const checkRefresh = async (peer: Peer): Promise<number> => {
  const before = peer.refreshes()
  peer.spoil()
  await peer.get("/charge-points/1")
  const taken = peer.refreshes() - before
  if (taken !== 1) throw new Error(`${peer.name}: a rejected token took ${taken} refreshes, expected 1`)
  return taken
}
