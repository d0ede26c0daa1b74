import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Credentials never reach them: the headers that carry them and any
 * field named like a secret are redacted wherever they appear.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'meridian' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
          '*.secret',
          '*.client_secret',
          '*.refresh_token',
          '*.access_token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string; ip?: string }) => ({
          id: req.id,
          method: req.method,
          // Query strings can carry codes and tokens; log the path only.
          url: req.url.split('?')[0],
          ip: req.ip,
        }),
      },
    },
    destination,
  );
}
