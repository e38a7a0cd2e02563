"""The zero-sum check (0005) once per ledger transaction at commit, not once per posting.

The deferred trigger still fires for every posting and checks its transaction, but a transaction
just checked is not summed again for its next postings: the renewal job writes six postings per
transaction, and summing each transaction six times was a third of its commit. A remembered
check (a transaction-local setting) is forgotten whenever postings are inserted (a statement
trigger), so a posting added after its transaction was checked (``SET CONSTRAINTS … IMMEDIATE``
and then another insert) is always checked again: only repeats within one firing of the queued
checks, with no posting written in between, are skipped.
"""

from django.db import migrations

CHECK_ONCE = """
CREATE OR REPLACE FUNCTION billing_posting_zero_sum() RETURNS trigger AS $$
DECLARE
    unbalanced record;
BEGIN
    -- Checked just now, and no posting inserted since (billing_posting_zero_sum_forget).
    IF current_setting('billing.zero_sum_checked', true) = NEW.transaction_id::text THEN
        RETURN NULL;
    END IF;
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
    PERFORM set_config('billing.zero_sum_checked', NEW.transaction_id::text, true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION billing_posting_zero_sum_forget() RETURNS trigger AS $$
BEGIN
    PERFORM set_config('billing.zero_sum_checked', '', true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_posting_zero_sum_forget
    AFTER INSERT ON billing_posting
    FOR EACH STATEMENT EXECUTE FUNCTION billing_posting_zero_sum_forget();
"""

CHECK_EVERY_POSTING = """
DROP TRIGGER IF EXISTS billing_posting_zero_sum_forget ON billing_posting;
DROP FUNCTION IF EXISTS billing_posting_zero_sum_forget();

CREATE OR REPLACE FUNCTION billing_posting_zero_sum() RETURNS trigger AS $$
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
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has literal % signs

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0017_invoices_immutable_and_schedule")]

    operations = [
        migrations.RunPython(_on_postgres(CHECK_ONCE), _on_postgres(CHECK_EVERY_POSTING))
    ]
