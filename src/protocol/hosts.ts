/** OKX hosts by site and environment (docs/OKX-PROTOCOL.md §1.3). Demo REST uses the live host plus x-simulated-trading: 1. */
export type Site = 'global' | 'eea' | 'us';

/** The REST base URL and the three WebSocket URLs (public, private, business) of one OKX site. */
export interface HostSet {
  rest: string;
  wsPublic: string;
  wsPrivate: string;
  wsBusiness: string;
}

const ws = (host: string): Omit<HostSet, 'rest'> => ({
  wsPublic: `wss://${host}:8443/ws/v5/public`,
  wsPrivate: `wss://${host}:8443/ws/v5/private`,
  wsBusiness: `wss://${host}:8443/ws/v5/business`,
});

export const HOSTS: Record<Site, { live: HostSet; demo: HostSet }> = {
  global: {
    live: { rest: 'https://www.okx.com', ...ws('ws.okx.com') },
    demo: { rest: 'https://www.okx.com', ...ws('wspap.okx.com') },
  },
  eea: {
    live: { rest: 'https://eea.okx.com', ...ws('wseea.okx.com') },
    demo: { rest: 'https://eea.okx.com', ...ws('wseeapap.okx.com') },
  },
  us: {
    live: { rest: 'https://us.okx.com', ...ws('wsus.okx.com') },
    demo: { rest: 'https://us.okx.com', ...ws('wsuspap.okx.com') },
  },
};

/** The REST and WebSocket URLs of an OKX site (`global`, `eea`, `us`) for live or demo trading. */
export function hostsFor(site: Site, demo: boolean): HostSet {
  return HOSTS[site][demo ? 'demo' : 'live'];
}

/** WS URLs for a base REST URL that is not an OKX host (e.g. the local exchange): same origin, ws scheme. */
export function wsUrlsForBase(baseUrl: string): Omit<HostSet, 'rest'> {
  const u = new URL(baseUrl);
  const scheme = u.protocol === 'https:' ? 'wss:' : 'ws:';
  const origin = `${scheme}//${u.host}`;
  return {
    wsPublic: `${origin}/ws/v5/public`,
    wsPrivate: `${origin}/ws/v5/private`,
    wsBusiness: `${origin}/ws/v5/business`,
  };
}

/** Official REST origins of a site (docs/OKX-PROTOCOL.md §1.3); global also answers on openapi.okx.com. */
export function officialRestOrigins(site: Site): string[] {
  const o = [HOSTS[site].live.rest, HOSTS[site].demo.rest];
  if (site === 'global') o.push('https://openapi.okx.com');
  return [...new Set(o)];
}

/** True when `url` is an https URL on one of the site's official OKX REST hosts (no other port, no credentials in it). */
export function isOfficialRestUrl(site: Site, url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return officialRestOrigins(site).includes(u.origin);
}
