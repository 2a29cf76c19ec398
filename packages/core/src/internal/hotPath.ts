import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import { NodeInspectSymbol } from "effect/Inspectable"

/**
 * An `Effect` with a hot path the runtime takes without an instruction of its own.
 *
 * Effect 3's generator runner (`Effect.gen`) treats a yielded value whose `_tag` is `"Success"`
 * as an `Exit` and reads its `value` inline; that is why `yield* Effect.succeed(a)` costs no more
 * than a loop step. This object presents itself that way only while `read()` returns a value:
 * `_tag` asks `read()` on every access and pins the answer for the `value` read that follows in
 * the same synchronous step. Otherwise `_tag` is not an `Exit` tag and the runtime runs it as a
 * `Commit` primitive: `commit()` asks `read()` once more and gives an `Exit` or `slow`.
 *
 * Its `_op` is always `"Commit"`, so nothing that keeps an `Exit` (such as `Effect.runSyncExit`'s
 * fast path) ever keeps this object: only the generator's inline read sees it as an `Exit`, and
 * that read is over before any other code runs. The test `hot-path.test.ts` pins this contract to
 * the installed `effect`, so an upgrade that changes it fails there rather than in production.
 *
 * @internal
 */
class HotPath<A, E> {
  /** The value of the last `"Success"` answer. */
  pinned: A | undefined = undefined
  /** True between a `"Success"` answer and the next read of `_tag` or `value` (or `commit`). */
  armed = false
  constructor(
    readonly name: string,
    readonly read: () => A | undefined,
    readonly slow: Effect.Effect<A, E>
  ) {}
  get _tag(): string {
    if (this.armed) {
      this.armed = false
      return this.name
    }
    const value = this.read()
    if (value === undefined) return this.name
    this.pinned = value
    this.armed = true
    return "Success"
  }
  get value(): A | undefined {
    this.armed = false
    return this.pinned
  }
  /** Where Effect keeps an `Exit`'s value internally: answered like `value`, should a runner read it. */
  get effect_instruction_i0(): A | undefined {
    this.armed = false
    return this.pinned
  }
  commit(): Effect.Effect<A, E> {
    this.armed = false
    const value = this.read()
    return value === undefined ? this.slow : Effect.succeed(value)
  }
  toJSON() {
    return { _id: "Effect", _tag: this.name }
  }
  toString() {
    return `Effect(${this.name})`
  }
  [NodeInspectSymbol]() {
    return this.toJSON()
  }
}
Object.setPrototypeOf(HotPath.prototype, Effectable.CommitPrototype)

/** @internal */
export const make = <A, E>(options: {
  readonly name: string
  readonly read: () => A | undefined
  readonly slow: Effect.Effect<A, E>
}): Effect.Effect<A, E> => new HotPath(options.name, options.read, options.slow) as unknown as Effect.Effect<A, E>
