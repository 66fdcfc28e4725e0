export * from './vocabulary.js';
export * from './history.js';
export { HistoryRecorder } from './recorder.js';
export * from './invariants.js';
export { union, subtract, intersect, type Span } from './spans.js';
