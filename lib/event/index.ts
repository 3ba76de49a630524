// Event and bundle files on the Node side (build and plan time): reading, validating, reporting.
export type { Diagnostic } from './diagnostic.ts';
export { formatDiagnostic, formatDiagnostics } from './diagnostic.ts';
export { loadBundle, loadEvent, validateFile, type ValidatedFile } from './load.ts';
export type { ArrivalSpec, BundleFile, BundleStep, EventFile, LoadedEvent, PlatformSpec, RequestSpec } from './types.ts';
