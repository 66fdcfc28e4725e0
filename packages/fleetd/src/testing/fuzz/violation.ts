// The error a fuzz case fails with.

/** A property of the pipeline did not hold. The message says which, and for what. */
export class PipelineViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineViolation';
  }
}
