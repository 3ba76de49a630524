// Log lines on stderr in k6's logfmt form: time="…" level=warning msg="…" key=value.

/** Log severity, as k6 names it. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9_.:/@-]+$/.test(value) ? value : JSON.stringify(value);
}

/** Writes k6-style log lines; repeated messages can be limited with `once`. */
export class Logger {
  private readonly seen = new Set<string>();

  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    private readonly minimumLevel: LogLevel = 'info',
  ) {}

  log(level: LogLevel, message: string, fields: Record<string, string | number> = {}): void {
    const order: LogLevel[] = ['debug', 'info', 'warning', 'error'];
    if (order.indexOf(level) < order.indexOf(this.minimumLevel)) return;
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const extra = Object.entries(fields)
      .map(([key, value]) => ` ${key}=${quoteIfNeeded(String(value))}`)
      .join('');
    this.write(`time="${time}" level=${level} msg=${JSON.stringify(message)}${extra}\n`);
  }

  /** Logs `message` only the first time `key` is seen in this run. */
  once(key: string, level: LogLevel, message: string, fields: Record<string, string | number> = {}): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.log(level, message, fields);
  }
}
