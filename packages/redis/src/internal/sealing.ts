import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto"

/** How a payload is written in Redis. */
export type Encoding = "aes-256-gcm" | "plain"

/** Seals and opens the stored pair. */
export interface Sealer {
  readonly encoding: Encoding
  readonly seal: (plaintext: string, clientId: string) => string
  /** Throws when the payload was not sealed with this key (or was tampered with). */
  readonly open: (payload: string, encoding: string, clientId: string) => string
}

const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * AES-256-GCM with a key derived by HKDF-SHA256 from the configured secret. The IV comes from
 * `node:crypto` (a nonce must be unpredictable and unique across processes, which the Effect
 * `Random` does not promise). The clientId is the additional authenticated data, so a payload
 * copied under another clientId's key does not open.
 */
export const aesGcm = (secret: string): Sealer => {
  const key = Buffer.from(hkdfSync("sha256", secret, "monta-auth/redis", "token-store v1", 32))
  return {
    encoding: "aes-256-gcm",
    seal: (plaintext, clientId) => {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv("aes-256-gcm", key, iv)
      cipher.setAAD(Buffer.from(clientId, "utf8"))
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64")
    },
    open: (payload, encoding, clientId) => {
      if (encoding !== "aes-256-gcm") {
        throw new Error(`the stored pair is ${encoding}, this instance expects aes-256-gcm`)
      }
      const bytes = Buffer.from(payload, "base64")
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(clientId, "utf8"))
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8")
      } catch {
        throw new Error("the stored pair does not decrypt with this encryption key")
      }
    }
  }
}

/** No encryption: only when the user opted in with `allowPlaintext: true`. */
export const plain: Sealer = {
  encoding: "plain",
  seal: (plaintext) => plaintext,
  open: (payload, encoding) => {
    if (encoding !== "plain") {
      throw new Error(`the stored pair is ${encoding}, and this instance has no encryption key`)
    }
    return payload
  }
}
