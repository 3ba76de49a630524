import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostic.ts';

/** A parsed YAML file that can map a field path back to a line and column. */
export interface YamlSource {
  file: string;
  /** The document as plain data; undefined when the YAML could not be parsed. */
  data: unknown;
  /** Syntax errors, each with its position. */
  syntaxDiagnostics: Diagnostic[];
  /** Line and column of the field at `path`, or of its nearest existing parent. */
  locate(path: readonly (string | number)[], at?: 'key' | 'value'): { line: number; column: number };
}

/** Parses YAML text, keeping node positions for later diagnostics. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  // Only the first syntax error is reported: the parser's later errors usually follow from it.
  const syntaxDiagnostics: Diagnostic[] = [];
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    const position = firstError.linePos?.[0] ?? { line: 1, col: 1 };
    const lineText = text.split('\n')[position.line - 1] ?? '';
    const more = document.errors.length - 1;
    syntaxDiagnostics.push({
      file,
      line: position.line,
      column: position.col,
      fieldPath: '',
      // The parser's message repeats the position and quotes the source after a colon; keep the first clause.
      rule: `invalid YAML: ${firstError.message.split(' at line ')[0]}${more > 0 ? ` (${more} more syntax errors follow from here)` : ''}`,
      hint: lineText.includes('{{')
        ? 'A value containing {{placeholders}} must be quoted: path: "/events/{{eventId}}".'
        : 'Check the indentation and quote values that contain ": " or start with {, [, * or &.',
    });
  }

  const toPosition = (offset: number) => {
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  return {
    file,
    data: syntaxDiagnostics.length === 0 ? document.toJS() : undefined,
    syntaxDiagnostics,
    locate: (path, at = 'value') => toPosition(findOffset(document, path, at)),
  };
}

// Walks the document tree along `path` and returns the start offset of the deepest node found.
function findOffset(document: Document, path: readonly (string | number)[], at: 'key' | 'value'): number {
  let node: unknown = document.contents;
  let offset = (document.contents as Node | null)?.range?.[0] ?? 0;
  for (const [index, segment] of path.entries()) {
    const isLast = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) {
        return offset;
      }
      const keyOffset = (pair.key as Node).range?.[0] ?? offset;
      const valueOffset = (pair.value as Node | null)?.range?.[0] ?? keyOffset;
      offset = isLast && at === 'key' ? keyOffset : valueOffset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item === undefined) {
        return offset;
      }
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}
