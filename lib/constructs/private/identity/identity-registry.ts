import type { IConstruct } from 'constructs';
import { Annotations } from '../../../core/annotations.ts';

export type IdentityKind = 'vm_id' | 'mac_address' | 'ipv4_address' | 'vpn_address' | 'user_name';

/**
 * Every VM id, MAC, address and user name the tree assigns is claimed here.
 * Two constructs claiming one value is a synth error on both, each naming the
 * other, with a hint to pin a different value.
 */
export class IdentityRegistry {
  private readonly claims = new Map<string, IConstruct>();

  claim(kind: IdentityKind, value: string | number, owner: IConstruct): void {
    const key = `${kind}=${String(value).toLowerCase()}`;
    const holder = this.claims.get(key);
    if (holder === undefined) {
      this.claims.set(key, owner);
      return;
    }
    if (holder === owner) return;
    const hint = `give one of them another ${kind.replace('_', ' ')} explicitly`;
    Annotations.of(owner).addError(`${kind} ${value} is also claimed by ${holder.node.path}`, {
      hint,
      rule: 'PVECDK-IDENTITY-COLLISION',
    });
    Annotations.of(holder).addError(`${kind} ${value} is also claimed by ${owner.node.path}`, {
      hint,
      rule: 'PVECDK-IDENTITY-COLLISION',
    });
  }

  /** Who holds a value, if anyone. */
  holderOf(kind: IdentityKind, value: string | number): IConstruct | undefined {
    return this.claims.get(`${kind}=${String(value).toLowerCase()}`);
  }
}
