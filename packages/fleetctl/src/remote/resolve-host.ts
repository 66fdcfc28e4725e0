// A machine named by a hostname that only this side knows (DNS, /etc/hosts): its addresses, for
// matching machines' public IPs. Bounded in time; nothing when it does not resolve.
import { lookup } from 'node:dns/promises';

/** How long a name may take to resolve. */
const RESOLVE_TIMEOUT_MS = 2000;

/** The addresses `name` resolves to, or none (not a name, no answer in time). */
export async function resolveHost(name: string): Promise<string[]> {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(name)) return [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
  });
  const found = lookup(name, { all: true }).then(
    (addrs) => addrs.map((a) => a.address),
    () => [],
  );
  try {
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
}
