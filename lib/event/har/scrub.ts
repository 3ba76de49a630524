// Scrubbing for the HAR importer: credentials and personal data are removed or replaced before a bundle is written.
import { isSensitiveHeaderName, isSensitiveParameterName } from '../../safety/index.ts';

/** JSON field names that carry personal data, compared without case and separators. */
const personalFieldPattern = /^(e?mail|emailaddress|phone|phonenumber|mobile|tel|telephone|name|firstname|lastname|fullname|surname|givenname|familyname|address|street|city|zip|zipcode|postcode|postalcode|birthdate|dateofbirth|dob|ssn|iban|cardnumber|ip|ipaddress)$/;

const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Counts of what was removed or replaced, by description, for the import report. */
export class ScrubLog {
  readonly counts = new Map<string, number>();
  /** Every secret or personal value removed, to check that none reaches the written file. */
  readonly removedValues = new Set<string>();

  /** Counts one removal and remembers the removed value. */
  record(description: string, value?: string): void {
    this.counts.set(description, (this.counts.get(description) ?? 0) + 1);
    if (value !== undefined && value.length >= 4) {
      this.removedValues.add(value);
    }
  }

  /** Counts `count` removals of values that are not secret, such as browser headers. */
  count(description: string, count: number): void {
    if (count > 0) {
      this.counts.set(description, (this.counts.get(description) ?? 0) + count);
    }
  }
}

/** Tells whether a JSON field name carries personal data, such as `email`, `first_name` or `phoneNumber`. */
export function isPersonalFieldName(name: string): boolean {
  return personalFieldPattern.test(name.toLowerCase().replace(/[-_\s]/g, ''));
}

/** Tells whether a request header is kept in the bundle: only application headers (`X-…`) that carry no credentials. */
export function isKeptHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('x-') && !lower.startsWith('x-forwarded-') && !isSensitiveHeaderName(lower);
}

/** Replaces e-mail addresses in text with a per-user fake address, logging each one. */
export function scrubEmails(text: string, log: ScrubLog): string {
  return text.replace(emailPattern, (email) => {
    log.record('e-mail address replaced by user-{{userId}}@example.invalid', email);
    return 'user-{{userId}}@example.invalid';
  });
}

/**
 * Scrubs a JSON request body: credential fields become placeholders (`{{refreshToken}}` for a
 * refresh token, else `{{fieldName}}`), personal fields become per-user fakes, e-mail addresses
 * in any string become a fake address.
 */
export function scrubJsonBody(value: unknown, log: ScrubLog, fieldName = ''): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => scrubJsonBody(item, log, fieldName));
  }
  if (value !== null && typeof value === 'object') {
    const scrubbed: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      scrubbed[key] = scrubJsonBody(item, log, key);
    }
    return scrubbed;
  }
  if (fieldName !== '' && isSensitiveParameterName(fieldName) && value !== null && value !== '') {
    const placeholder = /refresh/i.test(fieldName) ? 'refreshToken' : toVariableName(fieldName);
    log.record(`credential in body field "${fieldName}" replaced by {{${placeholder}}}`, String(value));
    return `{{${placeholder}}}`;
  }
  if (fieldName !== '' && isPersonalFieldName(fieldName) && value !== null && value !== '') {
    log.record(`personal data in body field "${fieldName}" replaced by a per-user value`, String(value));
    return /mail/i.test(fieldName) ? 'user-{{userId}}@example.invalid' : `user-{{userId}}`;
  }
  return typeof value === 'string' ? scrubEmails(value, log) : value;
}

/** Turns a field or path name into a variable name: `access_token` → `accessToken`. */
export function toVariableName(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
  const joined = words.map((word, index) => (index === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1))).join('');
  return /^[A-Za-z_]/.test(joined) ? joined : `v${joined}`;
}
