import { codePoints, compileGlob, type CompiledGlob, type GlobWork } from '@fleet/unit';

/** Matches a glob against a unit name (Go `path.Match` semantics). */
export type GlobMatcher = (glob: string, name: string) => boolean;

/** Distinct globs kept compiled; beyond this the cache starts over. */
const MAX_GLOBS = 8_192;
/** (glob, name) answers kept; beyond this the answers start over. */
const MAX_ANSWERS = 1 << 20;
/** Names kept as code points; beyond this they start over. */
const MAX_NAMES = 65_536;

/**
 * Compiled `Conflicts=`/`Replaces=` globs and the answers that took more than a quick check, for
 * one planning pass or, kept by the engine, across passes: a unit's globs are compiled once, and a
 * (glob, name) pair is matched once while both stay in the cluster. Bounded (it starts over when
 * full). `work` counts matching steps (see `GlobWork`), a deterministic measure for tests.
 */
export class GlobCache {
  readonly work: GlobWork = { steps: 0 };
  /** Each glob compiled, with its answers: one look-up per match, not two. */
  private readonly compiled = new Map<string, Entry>();
  private readonly names = new Map<string, readonly number[]>();
  /** Answers kept, over all globs. */
  private size = 0;

  /** The matcher, bound to this cache. */
  readonly match: GlobMatcher = (glob, name) => {
    const e = this.entry(glob);
    if (e.glob.quick(name, this.work) === false) return false;
    const known = e.answers?.get(name);
    if (known !== undefined) return known;
    const answer = e.glob.matches(name, this.work, this.chars(name));
    if (this.size >= MAX_ANSWERS) {
      for (const x of this.compiled.values()) x.answers = undefined;
      this.size = 0;
    }
    (e.answers ??= new Map()).set(name, answer);
    this.size++;
    return answer;
  };

  /** A name's code points, read once for all the globs it is matched against. */
  private chars(name: string): readonly number[] {
    let chars = this.names.get(name);
    if (chars === undefined) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      this.names.set(name, (chars = codePoints(name)));
      this.work.steps += chars.length;
    }
    return chars;
  }

  private entry(pattern: string): Entry {
    let e = this.compiled.get(pattern);
    if (e === undefined) {
      if (this.compiled.size >= MAX_GLOBS) {
        this.compiled.clear();
        this.size = 0;
      }
      this.compiled.set(pattern, (e = { glob: compileGlob(pattern), answers: undefined }));
    }
    return e;
  }
}

/** A compiled glob and its (name -> matches) answers. */
interface Entry {
  readonly glob: CompiledGlob;
  answers: Map<string, boolean> | undefined;
}
