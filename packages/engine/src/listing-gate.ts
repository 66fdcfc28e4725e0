/**
 * Where one watch's events meet a re-list of what it watches, without closing the watch: while the
 * listing is read the events are held; once it replaced the cached state, those it already holds
 * (at or below its revision) are dropped and the later ones applied, in order. Applied to the
 * state the listing replaced, a later event would be lost (until the next re-list); applied after
 * it, an earlier one would bring back what the listing no longer has.
 */
export class ListingGate<E extends { readonly revision: string }> {
  /** Events at or below this revision are in the cached state already. */
  private floor = 0n;
  private held: E[] | undefined;

  constructor(private readonly apply: (e: E) => void) {}

  /** An event from the watch. */
  deliver(e: E): void {
    if (BigInt(e.revision) <= this.floor) return;
    if (this.held === undefined) this.apply(e);
    else this.held.push(e);
  }

  /** A re-list starts: hold the events. */
  hold(): void {
    this.held ??= [];
  }

  /** The listing read at `revision` replaced the state: apply the held events it lacks. */
  listed(revision: string): void {
    this.floor = BigInt(revision);
    this.release();
  }

  /** The re-list failed: the state stands, and the held events apply to it. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const e of held) this.deliver(e);
  }
}
