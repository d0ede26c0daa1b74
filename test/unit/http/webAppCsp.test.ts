import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { webAppCsp } from '../../../src/http/webAppCsp.ts';

const base = loadConfig({ MERIDIAN_DATA_DIR: '/tmp/meridian-csp-test' });
const directive = (csp: string, name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `)) ?? '';

describe('webAppCsp', () => {
  it('lets MapLibre and React run, nothing else: own scripts only, blob: workers, never framed', () => {
    const csp = webAppCsp(base);
    expect(directive(csp, 'script-src')).toBe("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(directive(csp, 'worker-src')).toContain('blob:');
    expect(directive(csp, 'img-src')).toContain('data:');
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('adds the basemap origin to connect-src and img-src, and ignores a value that is not an http(s) URL', () => {
    const withBasemap = loadConfig({
      MERIDIAN_DATA_DIR: '/tmp/x',
      MERIDIAN_BASEMAP_STYLE_URL: 'https://tiles.example.com/styles/light.json?key=abc',
    });
    const csp = webAppCsp(withBasemap);
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self' https://tiles.example.com");
    expect(directive(csp, 'img-src')).toContain('https://tiles.example.com');
    expect(csp).not.toContain('key=abc');
    for (const bad of ['javascript:alert(1)', "https://x.example; script-src 'unsafe-inline'", 'not a url']) {
      const out = webAppCsp({ ...base, maps: { ...base.maps, basemapStyleUrl: bad } });
      expect(directive(out, 'connect-src'), bad).toBe("connect-src 'self'");
      expect(out).not.toContain("script-src 'unsafe-inline'");
    }
  });

  it('upgrades insecure requests behind an https public URL', () => {
    expect(
      webAppCsp(
        loadConfig({ MERIDIAN_DATA_DIR: '/tmp/x', MERIDIAN_PUBLIC_URL: 'https://meridian.example.com' }),
      ),
    ).toContain('upgrade-insecure-requests');
  });
});
