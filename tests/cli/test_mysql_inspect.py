"""test_mysql_inspect.py - `surge inspect` on a real MariaDB (see
server_inspect.py): tables of its own in the test database (the test user
may create no other database; the ecommerce tests' tables are left alone)
with a composite primary key, self-referencing and composite foreign keys,
mixed-case and reserved-word names with spaces, varchar(5), decimal(6,2),
an ENUM, CHECKs, JSON (MariaDB: longtext with a json_valid CHECK), UUID,
AUTO_INCREMENT, generated columns, a table without a primary key and one
big enough for the row estimate; compared with what the test wrote."""
from server_inspect import run_all

TABLES = "`Order Lines`, `select`, `user`, surge_inspect_log, `back``tick`, surge_inspect_big"

SETUP = f"""
SET FOREIGN_KEY_CHECKS = 0;
DROP VIEW IF EXISTS surge_inspect_view;
DROP TABLE IF EXISTS {TABLES};
SET FOREIGN_KEY_CHECKS = 1;
CREATE TABLE `user` (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `Name` varchar(5) NOT NULL UNIQUE,
  balance decimal(6,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
  mood enum('sad', 'ok', 'it''s "great", really', 'back\\\\slash') DEFAULT 'ok',
  manager_id int NULL,
  token {{uuid}} DEFAULT uuid(),
  extra json,
  created timestamp NULL DEFAULT current_timestamp(),
  CONSTRAINT user_manager FOREIGN KEY (manager_id) REFERENCES `user` (id)
) ENGINE=InnoDB;
CREATE TABLE `select` (
  region char(2) NOT NULL,
  num bigint NOT NULL,
  label text,
  label_len int GENERATED ALWAYS AS (char_length(label)) VIRTUAL,
  label_up varchar(100) AS (upper(label)) STORED,
  PRIMARY KEY (region, num),
  KEY by_num (num, region)
) ENGINE=InnoDB;
CREATE TABLE `Order Lines` (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  region char(2) NOT NULL,
  num bigint NOT NULL,
  `user` int NULL,
  qty smallint CHECK (qty > 0),
  UNIQUE KEY ol_qty_user (qty, `user`),
  CONSTRAINT `Lines To Select` FOREIGN KEY (num, region) REFERENCES `select` (num, region),
  CONSTRAINT ol_user FOREIGN KEY (`user`) REFERENCES `user` (id)
) ENGINE=InnoDB;
CREATE TABLE surge_inspect_log (at datetime, message text, level double) ENGINE=InnoDB;
CREATE TABLE `back``tick` (x int) ENGINE=InnoDB;
CREATE TABLE surge_inspect_big (id int PRIMARY KEY) ENGINE=InnoDB;
CREATE VIEW surge_inspect_view AS SELECT `Name` FROM `user`;
INSERT INTO `user` (`Name`, balance, mood) VALUES ('ann', 1.5, 'sad'), ('bob', 2, 'it''s "great", really');
UPDATE `user` SET manager_id = 1 WHERE `Name` = 'bob';
INSERT INTO `select` (region, num, label) VALUES ('eu', 1, 'x'), ('us', 2, 'yy'), ('eu', 3, NULL);
INSERT INTO `Order Lines` (region, num, `user`, qty) VALUES ('eu', 1, 1, 3), ('us', 2, 2, 1);
INSERT INTO surge_inspect_log VALUES (now(), 'a', 1), (now(), 'b', 2), (now(), 'c', 3), (now(), 'd', 4);
INSERT INTO `back``tick` VALUES (1);
INSERT INTO surge_inspect_big SELECT seq FROM seq_1_to_200000;
ANALYZE TABLE surge_inspect_big;
"""

TEARDOWN = f"""
SET FOREIGN_KEY_CHECKS = 0;
DROP VIEW IF EXISTS surge_inspect_view;
DROP TABLE IF EXISTS {TABLES};
"""

DB = "surge"   # the database of the test URL
INT = {"type": "int(11)", "base_type": "int"}
BIGINT = {"type": "bigint(20)", "base_type": "bigint"}
TEXT = {"type": "text", "base_type": "text", "length": 65535}

WANT = {
    (DB, "user"): {
        "columns": [
            ("id", dict(INT, nullable=False, identity=True)),
            ("Name", {"type": "varchar(5)", "base_type": "varchar", "length": 5, "nullable": False}),
            ("balance", {"type": "decimal(6,2)", "base_type": "decimal", "precision": 6, "scale": 2,
                         "nullable": False, "default": "0.00"}),
            ("mood", {"type": "enum('sad','ok','it''s \"great\", really','back\\\\slash')", "base_type": "enum",
                      "default": "'ok'", "enum": ["sad", "ok", "it's \"great\", really", "back\\slash"]}),
            ("manager_id", INT),
            ("token", {"type": "uuid", "base_type": "uuid", "default": "uuid()"}),   # see setup()
            ("extra", {"type": "longtext", "base_type": "json"}),
            ("created", {"type": "timestamp", "base_type": "timestamp", "default": "current_timestamp()"}),
        ],
        "primary_key": ["id"],
        "unique": [["Name"]],
        "foreign_keys": [(["manager_id"], DB, "user", ["id"])],
        "checks": ["`balance` >= 0", "json_valid(`extra`)"],
        "rows": 2,
    },
    (DB, "select"): {
        "columns": [
            ("region", {"type": "char(2)", "base_type": "char", "length": 2, "nullable": False}),
            ("num", dict(BIGINT, nullable=False)),
            ("label", TEXT),
            ("label_len", dict(INT, generated=True)),
            ("label_up", {"type": "varchar(100)", "base_type": "varchar", "length": 100, "generated": True}),
        ],
        "primary_key": ["region", "num"],
        "rows": 3,
    },
    (DB, "Order Lines"): {
        "columns": [
            ("id", {"type": "bigint(20) unsigned", "base_type": "bigint", "nullable": False, "identity": True}),
            ("region", {"type": "char(2)", "base_type": "char", "length": 2, "nullable": False}),
            ("num", dict(BIGINT, nullable=False)),
            ("user", INT),
            ("qty", {"type": "smallint(6)", "base_type": "smallint"}),
        ],
        "primary_key": ["id"],
        "unique": [["qty", "user"]],
        "foreign_keys": [(["num", "region"], DB, "select", ["num", "region"]), (["user"], DB, "user", ["id"])],
        "checks": ["`qty` > 0"],
        "rows": 2,
    },
    (DB, "surge_inspect_log"): {
        "columns": [
            ("at", {"type": "datetime", "base_type": "datetime"}),
            ("message", TEXT),
            ("level", {"type": "double", "base_type": "double"}),
        ],
        "primary_key": [],
        "rows": 4,
    },
    (DB, "back`tick"): {"columns": [("x", INT)], "primary_key": [], "rows": 1},
    (DB, "surge_inspect_big"): {"columns": [("id", dict(INT, nullable=False))], "primary_key": ["id"],
                                "rows": ("about", 200000, 100000)},
}

ABSENT = [((DB, "surge_inspect_view"), "a view")]


def setup(client):
    """MariaDB has a UUID type since 10.7; before, a uuid is a char(36)."""
    version = client.query("SELECT VERSION()")[0][0]
    major, minor = (int(x) for x in version.split("-")[0].split(".")[:2])
    if (major, minor) >= (10, 7):
        return SETUP.replace("{uuid}", "uuid"), WANT
    want = dict(WANT)
    want[(DB, "user")] = dict(want[(DB, "user")], columns=[
        (name, {"type": "char(36)", "base_type": "char", "length": 36, "default": "uuid()"} if name == "token" else f)
        for name, f in want[(DB, "user")]["columns"]])
    return SETUP.replace("{uuid}", "char(36)"), want


def more(checks, surge, url, client, d):
    schemas = {t.get("schema") for t in d.get("tables", [])}
    checks.eq("mysql: only the URL's database is read", schemas, {DB})
    real = client.one("SELECT COUNT(*) FROM surge_inspect_big")
    checks.eq("mysql: big table really holds 200000 rows (server)", real, 200000)


if __name__ == "__main__":
    run_all("mysql", setup, TEARDOWN, WANT, ABSENT, more)
