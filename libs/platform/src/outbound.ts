import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** A target StoreLens refuses to connect to on a tenant's behalf; the message says why. */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
}

/** One list of hosts and networks: `10.0.0.0/8`, `::1`, `metadata.google.internal`. */
class HostList {
  private readonly networks = new BlockList();
  private readonly names = new Set<string>();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      const [addr, bits] = entry.split('/');
      const family = isIP(addr ?? '');
      if (family && bits !== undefined) {
        this.networks.addSubnet(addr!, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
      } else if (family) {
        this.networks.addAddress(addr!, family === 6 ? 'ipv6' : 'ipv4');
      } else if (entry) {
        this.names.add(entry.replace(/\.$/, ''));
      }
    }
    this.empty = entries.length === 0;
  }

  hasName(host: string): boolean {
    return this.names.has(host);
  }

  hasAddress(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.networks.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Where StoreLens may connect for a tenant (webhook targets, camera streams): a deny list (by default link-local
 * networks and the cloud metadata addresses, so a tenant cannot make StoreLens read the host's credentials) and an
 * optional allow list. Both are checked on the host name and on every address it resolves to, so a name that
 * points at a denied address is refused too.
 */
export class OutboundPolicy {
  private readonly deny: HostList;
  private readonly allow: HostList;

  constructor(
    { deny, allow }: { deny: readonly string[]; allow: readonly string[] },
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.deny = new HostList(deny);
    this.allow = new HostList(allow);
  }

  /** Resolves the host and throws OutboundRefusedError when it may not be reached. */
  async check(host: string): Promise<void> {
    const name = host
      .replace(/^\[|\]$/g, '')
      .toLowerCase()
      .replace(/\.$/, '');
    if (!name) throw new OutboundRefusedError('the URL has no host');
    if (this.deny.hasName(name)) throw new OutboundRefusedError(`host ${name} is not allowed`);
    let addresses: string[];
    if (isIP(name)) addresses = [name];
    else {
      try {
        addresses = await this.resolve(name);
      } catch {
        throw new OutboundRefusedError(`host ${name} does not resolve`);
      }
    }
    for (const address of addresses) {
      if (this.deny.hasAddress(address)) throw new OutboundRefusedError(`host ${name} (${address}) is not allowed`);
    }
    if (!this.allow.empty) {
      const allowed = this.allow.hasName(name) || addresses.every((a) => this.allow.hasAddress(a));
      if (!allowed) throw new OutboundRefusedError(`host ${name} is not in the allow list`);
    }
  }
}
