import { Type, type Static } from '@sinclair/typebox';

/** `backup`: scheduled backups run by `vigie up` and `vigie server` (docs/backup.md). */
export const BackupConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Take backups on a schedule (vigie up and vigie server)' }),
    every: Type.Integer({ minimum: 1, maximum: 720, default: 24, description: 'Hours between two scheduled backups (1–720)' }),
    at: Type.String({
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      default: '03:00',
      description: 'UTC time (HH:MM) the schedule is anchored on: with every = 24, the daily backup time; with every = 6 and 03:00, at 03:00, 09:00, 15:00 and 21:00',
    }),
    dir: Type.String({ default: '', description: 'Directory of the archives; empty: <dataDir>/backups' }),
    keep: Type.Integer({ minimum: 1, maximum: 10_000, default: 7, description: 'Archives kept in dir: older ones are deleted after each scheduled backup' }),
  },
  { default: {} },
);
export type BackupConfig = Static<typeof BackupConfig>;
