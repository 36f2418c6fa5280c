import { createHash, randomBytes } from 'node:crypto';

/** `vgl_` + 8 hex characters (the shown prefix) + `_` + 43 characters of secret (256 bits). */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = `vgl_${randomBytes(4).toString('hex')}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The shown prefix of a key given from outside (a bootstrap key may not follow our format). */
export function displayPrefix(key: string): string {
  const ours = /^(vgl_[0-9a-f]{8})_/.exec(key);
  // A key of another format shows a fingerprint, never its own characters.
  return ours ? ours[1] : `pin_${hashApiKey(key).slice(0, 8)}`;
}
