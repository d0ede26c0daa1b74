import { describe, expect, it } from 'vitest';
import { HostAllowList, HostAllowListError } from '../../../src/net/index.ts';
import { loadConfig, ConfigError } from '../../../src/config.ts';

describe('HostAllowList (MERIDIAN_CONNECTION_HOSTS)', () => {
  it('public admits public addresses only, including IPv4 spelled as IPv6', () => {
    const list = HostAllowList.parse('public');
    expect(list.allows('db.example.com', 5432, ['8.8.8.8'])).toBe(true);
    expect(list.allows('db.example.com', 5432, ['8.8.8.8', '10.0.0.1'])).toBe(false);
    for (const address of [
      '127.0.0.1',
      '::1',
      '::ffff:127.0.0.1',
      '169.254.169.254',
      '192.168.1.1',
      '0.0.0.0',
    ])
      expect(list.allows('x.example', 5432, [address]), address).toBe(false);
    expect(list.allows('x.example', 5432, [])).toBe(false);
  });

  it('names, addresses and CIDRs admit what they name, on the port given', () => {
    const list = HostAllowList.parse(' warehouse.internal , 10.20.0.0/16:5433, [fd00::7], 127.0.0.1 ');
    expect(list.allows('Warehouse.Internal', 1, ['10.9.9.9'])).toBe(true);
    expect(list.allows('other.internal', 5433, ['10.20.3.4'])).toBe(true);
    expect(list.allows('other.internal', 5432, ['10.20.3.4'])).toBe(false);
    expect(list.allows('fd00::7', 5432, ['fd00::7'])).toBe(true);
    expect(list.allows('127.0.0.1', 5432, ['::ffff:127.0.0.1'])).toBe(true);
    expect(list.allows('localhost', 5432, ['127.0.0.1', '::1'])).toBe(false);
    expect(list.allows('db.example.com', 5432, ['8.8.8.8'])).toBe(false);
  });

  it('refuses entries it cannot read, naming them', () => {
    for (const bad of ['10.0.0.0/40', 'host:99999', 'bad_host!', '[::1', 'a/b', 'fd00::/200'])
      expect(() => HostAllowList.parse(bad), bad).toThrow(HostAllowListError);
    expect(() => loadConfig({ MERIDIAN_CONNECTION_HOSTS: 'public,10.0.0.0/99' })).toThrow(
      expect.objectContaining({
        problems: [expect.stringMatching(/^MERIDIAN_CONNECTION_HOSTS: "10\.0\.0\.0\/99"/)],
      }) as ConfigError,
    );
  });

  it('defaults to public when unset', () => {
    const { hosts } = loadConfig({}).connections;
    expect(hosts.allows('db.example.com', 5432, ['1.1.1.1'])).toBe(true);
    expect(hosts.allows('localhost', 5432, ['127.0.0.1'])).toBe(false);
  });
});
