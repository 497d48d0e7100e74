/** Builds the CLI once before any test runs: tests call the built JavaScript (dist/), as users do. */
import { build } from "../scripts/build.mjs";

export default async function setup(): Promise<void> {
  await build();
}
