// Drops every database this run created (even if a suite crashed) and stops the embedded PostgreSQL.
const { Client } = require('pg');

module.exports = async function globalTeardown() {
  const runId = process.env.VIGIL_TEST_RUN_ID;
  const client = new Client({ connectionString: process.env.VIGIL_TEST_PG_ADMIN_URL });
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`vigil_t_${runId}_%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end().catch(() => undefined);
  }
  if (globalThis.__vigilEmbeddedPg) await globalThis.__vigilEmbeddedPg.stop();
  if (globalThis.__vigilPrivateRedis) globalThis.__vigilPrivateRedis.kill();
};
