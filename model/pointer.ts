/** RFC 6901 JSON pointers, as used by ajv's instancePath and by rule findings. */

export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/**
 * Calls `visit` with every string in a value (keys excepted) and the path to it. The path array is reused as
 * the walk goes on: read it, or copy it, inside `visit`. Walks a 50,000-member org without an array per string.
 */
export function eachString(value: unknown, visit: (s: string, path: readonly (string | number)[]) => void, path: (string | number)[] = []): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      eachString(value[i], visit, path);
      path.pop();
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      path.push(k);
      eachString(v, visit, path);
      path.pop();
    }
  }
}
