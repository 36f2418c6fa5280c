import { Platform1764000000000 } from './1764000000000-platform';
import { Monitoring1764100000000 } from './1764100000000-monitoring';

/** Every migration, oldest first. A new migration file is added here too. */
export const MIGRATIONS = [Platform1764000000000, Monitoring1764100000000];
