/** One problem in an event or bundle file, located so that an editor can jump to it. */
export interface Diagnostic {
  /** File path as the user gave it or as resolved from the event file. */
  file: string;
  /** 1-based line; 0 when the problem has no place inside the file (a missing file). */
  line: number;
  /** 1-based column; 0 when `line` is 0. */
  column: number;
  /** Dotted path of the field, such as `platforms.web.share`; empty for the whole file. */
  fieldPath: string;
  /** The rule that was broken, in words: `must be <= 1`. */
  rule: string;
  /** The offending value as short JSON text, when there is one. */
  value?: string;
  /** What to do about it. */
  hint?: string;
}

const maxValueChars = 60;

/** Formats a value for a message: JSON, cut to about 60 characters. */
export function formatValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > maxValueChars ? `${text.slice(0, maxValueChars - 1)}…` : text;
}

/** Formats one diagnostic as `file:line:column: field: rule (got value). hint`. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const place = diagnostic.line > 0 ? `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}` : diagnostic.file;
  const field = diagnostic.fieldPath === '' ? '' : ` ${diagnostic.fieldPath}:`;
  const value = diagnostic.value === undefined ? '' : ` (got ${diagnostic.value})`;
  const hint = diagnostic.hint === undefined ? '' : ` ${diagnostic.hint}`;
  return `${place}:${field} ${diagnostic.rule}${value}.${hint}`;
}

/** Formats a list of diagnostics, one per line, sorted by file and position. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const sorted = [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
  return sorted.map((diagnostic) => `  ${formatDiagnostic(diagnostic)}`).join('\n');
}
