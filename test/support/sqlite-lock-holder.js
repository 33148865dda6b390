// Holds the write lock of a SQLite database from another process, as a backup tool or a second
// service would: prints "locked" once it holds it, releases it after <ms>, then exits.
const Database = require('better-sqlite3');

const [path, ms] = process.argv.slice(2);
const db = new Database(path);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
}, Number(ms));
