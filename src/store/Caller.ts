import type { Role } from './schema.ts';

/** Who is asking. Every repository function that reads tenant data takes one and filters by it. */
export interface Caller {
  orgId: string;
  userId: string;
  role: Role;
}
