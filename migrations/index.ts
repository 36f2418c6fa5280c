import { Platform1764000000000 } from './1764000000000-platform';

/** Every migration, oldest first. A new migration file is added here too. */
export const MIGRATIONS = [Platform1764000000000];
