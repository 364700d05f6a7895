"""test_mysql_crud.py - `surge seed` and the generic CRUD workload on a real
MariaDB (see server_crud.py): tables of its own in the test database
(crud_user, `order`, `Crud Order Lines`, `crud no key`; the other tests'
tables are left alone) seeded with 10 000 rows per table and checked with
the mariadb client (counts, no orphan, values that fit, self-reference and
cycle filled, same seed same data, --dry-run, bad input, wrong password);
then `surge run --workload crud` on them, without a single error."""
from server_crud import run_all

if __name__ == "__main__":
    run_all("mysql")
