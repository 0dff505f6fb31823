#!/bin/sh
# Re-makes the SQLite samples used by tests/unit/test_sqlite.c.
# Needs: the sqlite3 command-line shell.
#   default.sqlite   default page size (4096), two tables and an index
#   small.sqlite     page_size 512, rows spilling onto overflow pages,
#                    some deleted (free-list pages)
#   wal.sqlite       journal_mode=WAL (format versions 2), checkpointed
#   empty.sqlite     a database with one empty table: two pages of 1024
set -eu
cd "$(dirname "$0")"
rm -f ./*.sqlite ./*.sqlite-wal ./*.sqlite-shm

sqlite3 default.sqlite <<'SQL'
CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT, taken TEXT);
CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
CREATE INDEX photos_name ON photos(name);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO photos(name, taken) SELECT printf('IMG_%04d.JPG', i),
	printf('2024-01-%02d', i % 28 + 1) FROM n;
INSERT INTO notes(body) VALUES ('dredge sqlite sample');
SQL

sqlite3 small.sqlite <<'SQL'
PRAGMA page_size = 512;
PRAGMA auto_vacuum = NONE;
CREATE TABLE blobs(id INTEGER PRIMARY KEY, data TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
INSERT INTO blobs(data) SELECT printf('%.*c', 700 + i * 10, 'x') FROM n;
DELETE FROM blobs WHERE id % 3 = 0;
SQL

sqlite3 wal.sqlite >/dev/null <<'SQL'
PRAGMA journal_mode = WAL;
CREATE TABLE log(t INTEGER, msg TEXT);
INSERT INTO log VALUES (1, 'written in WAL mode');
PRAGMA wal_checkpoint(TRUNCATE);
SQL

sqlite3 empty.sqlite <<'SQL'
PRAGMA page_size = 1024;
CREATE TABLE t(x);
SQL

rm -f ./*.sqlite-wal ./*.sqlite-shm
for f in *.sqlite; do
	test "$(sqlite3 "$f" 'PRAGMA integrity_check;')" = ok
done
