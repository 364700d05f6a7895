"""test_mysql_ecommerce.py - the ecommerce workload on a real mysql server
(see server_ecommerce.py): counts checked with the server's own client,
integrity of the data, and clear one-line errors for a closed port and a
wrong password."""
from server_ecommerce import run_all

if __name__ == "__main__":
    run_all("mysql")
