/** Shared by the uniqueness rules: each later item whose key an earlier item already has. */
export function laterDuplicates<T>(items: readonly T[], key: (item: T) => string): { index: number; first: number; item: T }[] {
  const seen = new Map<string, number>();
  const out: { index: number; first: number; item: T }[] = [];
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else out.push({ index, first, item });
  });
  return out;
}
