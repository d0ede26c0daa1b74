import { lookup, type LookupAddress } from 'node:dns';

/** Every address the system resolver gives for a host name, in its order (`verbatim`). */
export function resolveHostAddresses(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    lookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );
}
