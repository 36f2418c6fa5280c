import { Platform1764000000000 } from './1764000000000-platform';
import { Monitoring1764100000000 } from './1764100000000-monitoring';
import { MaintenanceMark1764200000000 } from './1764200000000-maintenance-mark';
import { UptimeRollups1764300000000 } from './1764300000000-uptime-rollups';
import { Incidents1764400000000 } from './1764400000000-incidents';
import { MaintenanceWindows1764450000000 } from './1764450000000-maintenance-windows';
import { EndpointHotUpdates1764500000000 } from './1764500000000-endpoint-hot-updates';
import { HotTablesWithoutForeignKeys1764600000000 } from './1764600000000-hot-tables-without-foreign-keys';
import { UptimeCompaction1764700000000 } from './1764700000000-uptime-compaction';
import { OwnedEndpoints1764800000000 } from './1764800000000-owned-endpoints';
import { CheckResultTimingColumns1764900000000 } from './1764900000000-check-result-timing-columns';
import { CheckResultsWithoutTimeIndex1764910000000 } from './1764910000000-check-results-without-time-index';

/** Every migration, oldest first. A new migration file is added here too. */
export const MIGRATIONS = [
  Platform1764000000000,
  Monitoring1764100000000,
  MaintenanceMark1764200000000,
  UptimeRollups1764300000000,
  Incidents1764400000000,
  MaintenanceWindows1764450000000,
  EndpointHotUpdates1764500000000,
  HotTablesWithoutForeignKeys1764600000000,
  UptimeCompaction1764700000000,
  OwnedEndpoints1764800000000,
  CheckResultTimingColumns1764900000000,
  CheckResultsWithoutTimeIndex1764910000000,
];
