// The `k6/metrics` module: Counter, Gauge, Rate and Trend.
import { currentContext, sampleTags } from '../context.ts';
import type { Metric, MetricContains, MetricType, Tags } from '../metrics.ts';
import type { TestRun } from '../test-run.ts';

/** Builds the `k6/metrics` module for one run. */
export function createMetricsModule(run: TestRun): Record<string, unknown> {
  function defineClass(type: MetricType) {
    return class CustomMetric {
      readonly name: string;
      private readonly metric: Metric;

      constructor(name: string, isTime = false) {
        if (currentContext() !== undefined) {
          throw new Error(`metric "${name}" is created inside an iteration; create metrics in the init code, at the top level of the script`);
        }
        const contains: MetricContains = isTime && type !== 'counter' && type !== 'rate' ? 'time' : 'default';
        this.metric = run.registry.define(name, type, type === 'trend' || type === 'gauge' ? contains : 'default');
        this.name = name;
      }

      add(value: unknown, tags?: Tags): boolean {
        let numeric: number;
        if (type === 'rate') numeric = value ? 1 : 0;
        else numeric = typeof value === 'boolean' ? Number(value) : Number(value);
        if (Number.isNaN(numeric)) {
          run.logger.once(`nan:${this.name}`, 'warning', `${this.name}.add() received ${String(value)}, which is not a number; the sample is dropped`);
          return false;
        }
        const stringTags: Tags = {};
        for (const [key, tagValue] of Object.entries(tags ?? {})) stringTags[key] = String(tagValue);
        run.registry.add(this.metric, numeric, sampleTags(currentContext(), stringTags));
        return true;
      }
    };
  }

  const Counter = defineClass('counter');
  const Gauge = defineClass('gauge');
  const Rate = defineClass('rate');
  const Trend = defineClass('trend');
  return { Counter, Gauge, Rate, Trend, default: { Counter, Gauge, Rate, Trend } };
}
