"""PostgreSQL guards of the ledger (DESIGN.md §4): the database itself refuses a transaction
whose postings do not sum to zero per currency (checked at commit, so a transaction's postings
can be inserted one by one), and any change or deletion of a posting or a transaction.

SQLite (the demo) relies on the same checks in ``billing.ledger``.
"""

from django.db import migrations

ZERO_SUM = """
CREATE FUNCTION billing_posting_zero_sum() RETURNS trigger AS $$
DECLARE
    unbalanced record;
BEGIN
    SELECT currency, SUM(amount_minor) AS total INTO unbalanced
      FROM billing_posting
     WHERE transaction_id = NEW.transaction_id
     GROUP BY currency
    HAVING SUM(amount_minor) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: % % left over',
            NEW.transaction_id, unbalanced.total, unbalanced.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER billing_posting_zero_sum
    AFTER INSERT ON billing_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION billing_posting_zero_sum();

CREATE FUNCTION billing_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable (%.%): write a correcting transaction',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_posting_immutable
    BEFORE UPDATE OR DELETE ON billing_posting
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_immutable();

CREATE TRIGGER billing_ledgertransaction_immutable
    BEFORE UPDATE OR DELETE ON billing_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS billing_ledgertransaction_immutable ON billing_ledgertransaction;
DROP TRIGGER IF EXISTS billing_posting_immutable ON billing_posting;
DROP FUNCTION IF EXISTS billing_ledger_immutable();
DROP TRIGGER IF EXISTS billing_posting_zero_sum ON billing_posting;
DROP FUNCTION IF EXISTS billing_posting_zero_sum();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has literal % signs

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_ledger_orders")]

    operations = [migrations.RunPython(_on_postgres(ZERO_SUM), _on_postgres(DROP))]
