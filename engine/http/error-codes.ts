// k6's numeric error codes for failed requests, from k6's documented list (javascript-api/error-codes).

/** A request failure as k6 reports it: its message (`error`) and code (`error_code`). */
export interface RequestFailure {
  message: string;
  code: number;
}

/** Returns k6's code for an HTTP status: 1000 plus the status for 4xx and 5xx, 0 otherwise. */
export function errorCodeForStatus(status: number): number {
  return status >= 400 && status <= 599 ? 1000 + status : 0;
}

/** k6's code 1050 and message for a request that timed out. */
export const REQUEST_TIMEOUT: RequestFailure = { message: 'request timeout', code: 1050 };

/** Maps a Node or undici error to k6's message and code (1212 refused, 1220 reset, 1211 connect timeout, …). */
export function failureFromError(error: unknown, address: string): RequestFailure {
  const details = error as { code?: string; message?: string };
  switch (details.code) {
    case 'ECONNREFUSED':
      return { message: `dial tcp ${address}: connect: connection refused`, code: 1212 };
    case 'ECONNRESET':
      return { message: `read tcp ${address}: read: connection reset by peer`, code: 1220 };
    case 'EPIPE':
      return { message: `write tcp ${address}: write: broken pipe`, code: 1201 };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { message: `dial tcp ${address}: i/o timeout`, code: 1211 };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { message: `lookup ${address}: no such host`, code: 1101 };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { message: `dial tcp ${address}: connect: ${details.code === 'EHOSTUNREACH' ? 'no route to host' : 'network is unreachable'}`, code: 1210 };
    case 'UND_ERR_SOCKET':
      return { message: `read tcp ${address}: ${details.message ?? 'socket error'}`, code: 1200 };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return { message: `tls: failed to verify certificate: x509: certificate signed by unknown authority (${details.code})`, code: 1310 };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { message: `tls: failed to verify certificate: ${details.message ?? 'the certificate does not match the hostname'}`, code: 1311 };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return REQUEST_TIMEOUT;
    default:
      if (details.code?.startsWith('ERR_TLS_') || details.code?.startsWith('ERR_SSL_')) return { message: `tls: ${details.message ?? details.code}`, code: 1300 };
      return { message: details.message ?? String(error), code: 1000 };
  }
}
