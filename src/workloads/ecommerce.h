/* ecommerce.h - the ecommerce workload's SQL, one set per dialect
 * (ecommerce_sql.c), used by its operations (ecommerce.c). */
#ifndef SURGE_ECOMMERCE_H
#define SURGE_ECOMMERCE_H

enum ec_stmt {
    S_INS_CUSTOMER,        /* name, email, created_at, updated_at -> id */
    S_INS_ORDER,           /* customer_id, status, total_cents, created_at, updated_at -> id */
    S_INS_ORDER_FOR,       /* total_cents, created_at, updated_at, min customer id -> id; 0 rows past the last */
    S_INS_ITEM,            /* order_id, sku, quantity, price_cents */
    S_PICK_ORDER,          /* status, min id -> id of an order in that status, locked */
    S_SET_STATUS,          /* new status, updated_at, id, old status */
    S_UPD_EMAIL,           /* email, updated_at, id */
    S_PICK_ITEM,           /* order id -> its first item's id and amount */
    S_DEL_ITEM,            /* id */
    S_SUB_TOTAL,           /* amount, updated_at, order id */
    S_COUNT_CUSTOMERS,     /* -> count, max id */
    S_MAX_ORDER,           /* -> max id */
    S_COUNT
};

typedef struct ec_sql {
    const char *const *stmts;   /* [S_COUNT] */
    const char *schema;         /* CREATE ... IF NOT EXISTS; statements separated by ';' */
    const char *drop;           /* DROP TABLE IF EXISTS, children first */
} ec_sql;

/* The SQL for a dialect ("sqlite", "postgres", "mysql"; "none" gets
 * SQLite's), or NULL. */
const ec_sql *ec_sql_for(const char *dialect);

#endif
