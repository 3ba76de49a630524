// Access tokens of the reference target: compact JWTs (RFC 7519) signed with HS256 under a key
// that each target process draws at random, so a token from one run never works in another.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A freshly issued access token, as `POST /auth/refresh` returns it. */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/** Why a bearer token was rejected; `missing` covers an absent or non-Bearer `Authorization` header. */
export type TokenRejection = 'missing' | 'malformed' | 'bad-signature' | 'expired';

/** The outcome of checking a bearer token. */
export type TokenCheck = { valid: true; subject: string } | { valid: false; reason: TokenRejection };

/** Issues and verifies access tokens; times are Unix epoch milliseconds. */
export interface TokenAuthority {
  /** Issues a token for the user that `refreshToken` belongs to. */
  issue(refreshToken: string, nowMs: number): IssuedToken;
  /** Checks an `Authorization` header value such as `Bearer eyJ…`. */
  verifyAuthorization(header: string | undefined, nowMs: number): TokenCheck;
}

const encodedHeader = encodeSegment({ alg: 'HS256', typ: 'JWT' });

/**
 * Creates a token authority whose tokens expire `lifetimeSeconds` after issue (fractions allowed).
 * `signingKey` defaults to 32 random bytes; tests pass one to get reproducible tokens.
 */
export function createTokenAuthority(lifetimeSeconds: number, signingKey: Buffer = randomBytes(32)): TokenAuthority {
  const sign = (signingInput: string): Buffer => createHmac('sha256', signingKey).update(signingInput).digest();

  return {
    issue(refreshToken, nowMs) {
      const issuedAtSeconds = nowMs / 1000;
      const claims = {
        sub: deriveSubject(refreshToken),
        iat: Math.floor(issuedAtSeconds),
        exp: issuedAtSeconds + lifetimeSeconds,
      };
      const signingInput = `${encodedHeader}.${encodeSegment(claims)}`;
      return { accessToken: `${signingInput}.${sign(signingInput).toString('base64url')}`, expiresInSeconds: lifetimeSeconds };
    },

    verifyAuthorization(header, nowMs) {
      const match = header === undefined ? null : /^Bearer +(\S+)\s*$/i.exec(header);
      if (match === null) {
        return { valid: false, reason: 'missing' };
      }
      return verifyToken(match[1], nowMs, sign);
    },
  };
}

function verifyToken(token: string, nowMs: number, sign: (signingInput: string) => Buffer): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== encodedHeader) {
    return { valid: false, reason: 'malformed' };
  }

  const expectedSignature = sign(`${parts[0]}.${parts[1]}`);
  const givenSignature = Buffer.from(parts[2], 'base64url');
  if (givenSignature.length !== expectedSignature.length || !timingSafeEqual(givenSignature, expectedSignature)) {
    return { valid: false, reason: 'bad-signature' };
  }

  const claims = decodeClaims(parts[1]);
  if (claims === undefined) {
    return { valid: false, reason: 'malformed' };
  }
  if (nowMs / 1000 >= claims.exp) {
    return { valid: false, reason: 'expired' };
  }
  return { valid: true, subject: claims.sub };
}

function decodeClaims(segment: string): { sub: string; exp: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) {
      return undefined;
    }
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return undefined;
  }
  const { sub, exp } = parsed as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof exp !== 'number') {
    return undefined;
  }
  return { sub, exp };
}

/** Derives a stable user id from a refresh token without putting the refresh token itself into the access token. */
function deriveSubject(refreshToken: string): string {
  return `user-${createHash('sha256').update(refreshToken).digest('hex').slice(0, 16)}`;
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
