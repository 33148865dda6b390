/**
 * Largest id of a stored row, and so of any id a client may send: the id columns are
 * PostgreSQL `integer` (int4, `serial`), and SQLite hands out the same ids.
 */
export const MAX_ROW_ID = 2_147_483_647;
