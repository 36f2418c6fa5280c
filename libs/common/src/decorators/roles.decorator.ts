import { SetMetadata } from '@nestjs/common';
import type { Role } from '../http/vigil-request';

export const ROLES = 'vigil:roles';
/**
 * The roles allowed on a route. Without it: any role may read (GET/HEAD), operator and admin may write.
 */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
