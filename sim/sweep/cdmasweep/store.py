"""The results store: one SQLite file (docs/exploration.md, "Store schema").

    meta(key TEXT PRIMARY KEY, value TEXT)     format = cdma-sweep, schema = 1: a file without them is not ours
    sweeps(sweep_id INTEGER PRIMARY KEY, name TEXT UNIQUE, command TEXT, spec_json TEXT, created TEXT)
    runs(run_id INTEGER PRIMARY KEY, sweep_id, point_key TEXT UNIQUE, status TEXT ('ok' | 'failed'), error TEXT,
         wall_s REAL, finished TEXT, params_json TEXT, platform_json TEXT,
         <one column per parameter>, <one column per metric>)
    layers(run_id, layer_index, layer, type, <one column per per-layer figure>)

Parameter columns are named after the parameter with '.' and '-' as '_' (gpu.compression.bytes_per_cycle.zv ->
gpu_compression_bytes_per_cycle_zv); a later sweep with new parameters or metrics adds columns, so every sweep
appends to the same tables and plain SQL sees them all.
"""

import datetime
import json
import os
import re
import sqlite3

FORMAT, SCHEMA = "cdma-sweep", "1"
FIXED_RUN_COLUMNS = {"run_id", "sweep_id", "point_key", "status", "error", "wall_s", "finished", "params_json",
                     "platform_json"}


class StoreError(ValueError):
    pass


def column_name(param):
    c = re.sub(r"[^A-Za-z0-9_]", "_", param)
    if c in FIXED_RUN_COLUMNS:
        c = "p_" + c
    return c


def _sql_type(value):
    if isinstance(value, (bool, int)):  # booleans are stored as 0/1
        return "INTEGER"
    return "REAL" if isinstance(value, float) else "TEXT"


def _sql_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


class Store:
    def __init__(self, path, create=True):
        self.path = path
        exists = os.path.exists(path)
        if not exists and not create:
            raise StoreError(f"{path}: no such store")
        if exists and os.path.isdir(path):
            raise StoreError(f"{path}: is a folder, not a store")
        try:
            self.db = sqlite3.connect(path)
            self.db.execute("PRAGMA journal_mode=WAL")
            if exists and os.path.getsize(path) > 0:
                self._check_ours()
            else:
                self._create()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: not a cdma-sweep store ({e})")

    def _create(self):
        with self.db:
            self.db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)")
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("schema", SCHEMA)])
            self.db.execute("CREATE TABLE sweeps(sweep_id INTEGER PRIMARY KEY, name TEXT UNIQUE, command TEXT, "
                            "spec_json TEXT, created TEXT)")
            self.db.execute("CREATE TABLE runs(run_id INTEGER PRIMARY KEY, sweep_id INTEGER REFERENCES sweeps, "
                            "point_key TEXT UNIQUE, status TEXT, error TEXT, wall_s REAL, finished TEXT, "
                            "params_json TEXT, platform_json TEXT)")
            self.db.execute("CREATE TABLE layers(run_id INTEGER REFERENCES runs ON DELETE CASCADE, "
                            "layer_index INTEGER, layer TEXT, type TEXT)")

    def _check_ours(self):
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            raise StoreError(f"{self.path}: not a cdma-sweep store (no meta table)")
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            raise StoreError(f"{self.path}: not a cdma-sweep store (format {meta.get('format')!r})")
        if meta.get("schema") != SCHEMA:
            raise StoreError(f"{self.path}: store schema {meta.get('schema')}, this cdma-sweep reads {SCHEMA}")

    def _columns(self, table):
        return {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}

    def _ensure_columns(self, table, values):
        have = self._columns(table)
        for name, value in values.items():
            if name not in have and value is not None:
                self.db.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {_sql_type(value)}')
                have.add(name)

    def sweep_id(self, spec):
        """The sweep's row (created on first use). A name already used with a different spec is refused."""
        spec_json = json.dumps(spec.to_json(), sort_keys=True)
        row = self.db.execute("SELECT sweep_id, spec_json FROM sweeps WHERE name = ?", (spec.name,)).fetchone()
        if row:
            if row[1] != spec_json:
                raise StoreError(f"{self.path}: a sweep named {spec.name!r} with a different spec is stored; "
                                 "give this one another name")
            return row[0]
        with self.db:
            cur = self.db.execute("INSERT INTO sweeps(name, command, spec_json, created) VALUES (?, ?, ?, ?)",
                                  (spec.name, spec.command, spec_json, _now()))
        return cur.lastrowid

    def done_keys(self):
        return {r[0] for r in self.db.execute("SELECT point_key FROM runs WHERE status = 'ok'")}

    def record(self, sweep_id, key, point, result, with_layers=False):
        cols = {column_name(k): _sql_value(v) for k, v in point.items()}
        if len(cols) != len(point):
            raise StoreError(f"parameters {sorted(point)} collide as columns")
        cols.update({k: _sql_value(v) for k, v in result.get("metrics", {}).items()})
        row = {"sweep_id": sweep_id, "point_key": key, "status": result["status"], "error": result["error"],
               "wall_s": result["wall_s"], "finished": _now(), "params_json": json.dumps(point, sort_keys=True),
               "platform_json": json.dumps(result["platform"]) if result.get("platform") else None}
        row.update(cols)
        with self.db:
            self._ensure_columns("runs", row)
            old = self.db.execute("SELECT run_id FROM runs WHERE point_key = ?", (key,)).fetchone()
            if old:
                self.db.execute("DELETE FROM layers WHERE run_id = ?", (old[0],))
                self.db.execute("DELETE FROM runs WHERE run_id = ?", (old[0],))
            names = list(row)
            cur = self.db.execute(f"INSERT INTO runs({', '.join(chr(34) + n + chr(34) for n in names)}) VALUES "
                                  f"({', '.join('?' * len(names))})", [row[n] for n in names])
            run_id = cur.lastrowid
            if with_layers:
                for i, layer in enumerate(result.get("layers", [])):
                    lrow = {"run_id": run_id, "layer_index": i}
                    lrow.update({column_name(k): _sql_value(v) for k, v in layer.items()})
                    self._ensure_columns("layers", lrow)
                    names = list(lrow)
                    self.db.execute(f"INSERT INTO layers({', '.join(chr(34) + n + chr(34) for n in names)}) "
                                    f"VALUES ({', '.join('?' * len(names))})", [lrow[n] for n in names])
        return run_id

    def query(self, sql, args=()):
        cur = self.db.execute(sql, args)
        names = [d[0] for d in cur.description]
        return names, cur.fetchall()

    def sweeps(self):
        return self.query("SELECT sweep_id, name, command, spec_json, created FROM sweeps ORDER BY sweep_id")[1]


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
