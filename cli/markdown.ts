/** Small Markdown helpers for reports posted as pull-request comments. */
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.map(cell).join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}
