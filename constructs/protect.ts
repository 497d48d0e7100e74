import type { TerraformResource } from "cdktn";

/**
 * Marks a stateful resource (mail store, key, identity, DNS record) so that Terraform refuses any plan
 * that would destroy it; removing one takes a deliberate edit of this protection, never an ordinary
 * org change.
 */
export function protect<T extends TerraformResource>(resource: T): T {
  resource.addOverride("lifecycle.prevent_destroy", true);
  return resource;
}
