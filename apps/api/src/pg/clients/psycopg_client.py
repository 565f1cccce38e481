"""Drives pgfan's PostgreSQL port (or PostgreSQL itself) with psycopg 3 or psycopg2, as a user's
script would, and prints what it saw as one JSON object. Run by postgres-clients.test.ts with
Debian's /usr/bin/python3.

usage: psycopg_client.py psycopg|psycopg2 HOST PORT DATABASE USER
When the script prints {"waiting": ...} it waits for a line on stdin, then cancels the query it runs.
"""
import json
import sys
import threading

driver, host, port, database, user = sys.argv[1:6]
GROUPS = 'SELECT country, count(*), sum(revenue), max(ts) FROM events WHERE flags > %s GROUP BY country ORDER BY country COLLATE "C"'
SLOW = "SELECT sum(slow(user_id, 20)) FROM events WHERE flags >= %s"


def text(rows):
    return [[None if v is None else str(v) for v in row] for row in rows]


def cancel_when_told(conn):
    print(json.dumps({"waiting": True}), flush=True)
    sys.stdin.readline()
    conn.cancel()


def main():
    out = {}
    if driver == "psycopg2":
        import psycopg2

        conn = psycopg2.connect(host=host, port=port, dbname=database, user=user)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SET pgfan.partitions = 2")
        cur.execute(GROUPS, (3,))
        out["rows"] = text(cur.fetchall())
        out["columns"] = [[d.name, d.type_code] for d in cur.description]
        canceled = psycopg2.errors.QueryCanceled
    else:
        import psycopg

        conn = psycopg.connect(host=host, port=port, dbname=database, user=user, autocommit=True)
        cur = conn.cursor()
        cur.execute("SET pgfan.partitions = 2")
        cur.execute(GROUPS, (3,))
        out["rows"] = text(cur.fetchall())
        out["columns"] = [[d.name, d.type_code] for d in cur.description]
        # A server-side cursor, read a page at a time inside its transaction.
        with conn.transaction():
            with conn.cursor(name="pages") as named:
                named.execute("SELECT id, country FROM events ORDER BY id")
                first = named.fetchmany(100)
                rest = named.fetchall()
        out["cursor"] = [len(first), len(rest), first[0][0], rest[-1][0]]
        canceled = psycopg.errors.QueryCanceled

    threading.Thread(target=cancel_when_told, args=(conn,), daemon=True).start()
    try:
        cur.execute(SLOW, (0,))
        out["cancel"] = "not cancelled"
    except canceled as error:
        out["cancel"] = error.sqlstate if hasattr(error, "sqlstate") else error.pgcode
    cur.execute("SELECT 1")
    out["after"] = cur.fetchone()[0]
    conn.close()
    print(json.dumps(out), flush=True)


main()
