// The bundle player (k6 side) and the pure helpers it shares with the event loader.
export { playBundle } from './play.ts';
export { countRequests, defaultExpectedLatencyMs, estimateBundleDurationMs, estimateOverloadedBundleSeconds, isExpectedStatus, overloadedRequestSeconds } from './steps.ts';
export type { PlayContext, PlayResult } from './play.ts';
export { listPlaceholders, readCapture, renderDeep, renderTemplate, runtimeVariableNames } from './template.ts';
export type { CapturedResponse } from './template.ts';
