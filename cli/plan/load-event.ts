import { loadEvent, type LoadedEvent } from '../../lib/event/index.ts';

/** Reads and validates an event file and its bundles for planning; errors name the file, line and field. */
export function loadEventForPlan(path: string): LoadedEvent {
  return loadEvent(path);
}
