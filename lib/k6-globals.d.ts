// k6 v1 and later expose timers as globals; @types/k6 only declares them in the k6/timers module.
declare function setTimeout(callback: () => void, delayMs: number): unknown;
declare function clearTimeout(timer: unknown): void;
