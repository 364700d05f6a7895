"""test_pg_migrate.py - `surge migrate` on a real PostgreSQL (schema surge_mig_test): numbered files applied once each, in
numeric order, recorded in surge_migrations and checked with the database's
own client; re-runs, --dry-run, --status, a failing file, an edited file,
bad names, and two runs at once (see migrate_cases.py)."""
from migrate_cases import run_all

if __name__ == "__main__":
    run_all("postgres")
