// A HAR capture of a web user's launch, with secrets and personal data planted to test scrubbing.

export const origin = 'https://app.example.test';
const startMs = Date.parse('2026-01-10T18:00:00.000Z');

// Values that must never reach the imported bundle.
export const secrets = ['abc123secret', 'rt-SECRET-1234567', 'at-SECRET-abcdef123', 'qs-SECRET-999', 'jane.doe@mail.test', 'foreign-SECRET-zzz', 'apikey-SECRET-42', 'Jane Doe'];

interface EntrySpec {
  atMs: number;
  timeMs: number;
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: { mimeType: string; text: string };
  status?: number;
  responseHeaders?: Record<string, string>;
  responseText?: string;
}

export function entry(spec: EntrySpec): object {
  const pairs = (record: Record<string, string> = {}) => Object.entries(record).map(([name, value]) => ({ name, value }));
  return {
    startedDateTime: new Date(startMs + spec.atMs).toISOString(),
    time: spec.timeMs,
    request: { method: spec.method ?? 'GET', url: spec.url, headers: pairs(spec.headers), ...(spec.body === undefined ? {} : { postData: spec.body }) },
    response: { status: spec.status ?? 200, headers: pairs(spec.responseHeaders), content: { mimeType: 'application/json', text: spec.responseText ?? '{}' } },
    timings: { wait: spec.timeMs },
  };
}

const bearer = { Authorization: 'Bearer at-SECRET-abcdef123', 'User-Agent': 'Mozilla/5.0', Accept: '*/*' };
export const capture = {
  log: {
    version: '1.2',
    entries: [
      entry({ atMs: 0, timeMs: 80, url: `${origin}/events/evt-1001`, headers: { Cookie: 'session=abc123secret; theme=dark', 'User-Agent': 'Mozilla/5.0' }, responseText: '<html></html>' }),
      entry({ atMs: 5, timeMs: 30, url: 'https://cdn.other.test/app.js' }),
      entry({
        atMs: 100,
        timeMs: 40,
        method: 'POST',
        url: `${origin}/auth/refresh`,
        body: { mimeType: 'application/json', text: '{"refreshToken":"rt-SECRET-1234567"}' },
        responseText: '{"accessToken":"at-SECRET-abcdef123","expiresInSeconds":900}',
      }),
      entry({ atMs: 150, timeMs: 50, url: `${origin}/api/me`, headers: { ...bearer, 'X-Client-Version': '5.2.0', 'X-Api-Key': 'apikey-SECRET-42' } }),
      entry({ atMs: 152, timeMs: 60, url: `${origin}/api/events/evt-1001`, headers: bearer }),
      entry({ atMs: 153, timeMs: 100, url: `${origin}/api/feed?page=1&access_token=qs-SECRET-999`, headers: bearer }),
      entry({
        atMs: 154,
        timeMs: 150,
        method: 'POST',
        url: `${origin}/vendor/register`,
        headers: bearer,
        body: { mimeType: 'application/json', text: '{"eventId":"evt-1001","email":"jane.doe@mail.test","displayName":"x","name":"Jane Doe"}' },
      }),
      entry({ atMs: 210, timeMs: 20, url: `${origin}/static/a.jpg` }),
      entry({ atMs: 400, timeMs: 10, url: `${origin}/old-page`, status: 302, responseHeaders: { Location: '/new-page' } }),
      entry({ atMs: 415, timeMs: 15, url: `${origin}/new-page` }),
      entry({ atMs: 3000, timeMs: 30, url: `${origin}/api/notifications`, headers: bearer }),
      entry({ atMs: 3100, timeMs: 30, url: `${origin}/api/other`, headers: { Authorization: 'Bearer foreign-SECRET-zzz' } }),
      entry({ atMs: 3200, timeMs: 30, method: 'POST', url: `${origin}/api/search`, body: { mimeType: 'application/x-www-form-urlencoded', text: 'q=jane.doe@mail.test' } }),
    ],
  },
};
