"""test_pg_crud.py - `surge seed` and the generic CRUD workload on a real
PostgreSQL (see server_crud.py): a schema of its own (surge_crud) seeded
with 10 000 rows per table and checked with psql (counts, no orphan,
values that fit, self-reference and cycle filled, same seed same data,
--dry-run, bad input, wrong password); then `surge run --workload crud` on
it and on pgbench's schema, without a single error."""
from server_crud import run_all

if __name__ == "__main__":
    run_all("postgres")
