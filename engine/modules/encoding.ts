// The `k6/encoding` module: base64 in k6's four variants.

type Base64Variant = 'std' | 'rawstd' | 'url' | 'rawurl';

function toBuffer(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new Error(`b64encode needs a string or an ArrayBuffer, not ${typeof input}`);
}

/** Builds the `k6/encoding` module. */
export function createEncodingModule(): Record<string, unknown> {
  function b64encode(input: unknown, variant: Base64Variant = 'std'): string {
    const buffer = toBuffer(input);
    const urlSafe = variant === 'url' || variant === 'rawurl';
    let text = buffer.toString(urlSafe ? 'base64url' : 'base64');
    // Node's base64url leaves out padding; k6's `url` variant keeps it and `rawstd` drops it.
    if (variant === 'url') text += '='.repeat((4 - (text.length % 4)) % 4);
    if (variant === 'rawstd') text = text.replace(/=+$/, '');
    return text;
  }

  function b64decode(input: string, variant: Base64Variant = 'std', format?: 's'): ArrayBuffer | string {
    const urlSafe = variant === 'url' || variant === 'rawurl';
    const buffer = Buffer.from(input, urlSafe ? 'base64url' : 'base64');
    if (format === 's') return buffer.toString('utf8');
    return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  }

  return { b64encode, b64decode, default: { b64encode, b64decode } };
}
