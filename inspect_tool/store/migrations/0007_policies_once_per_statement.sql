-- The row-level-security policies of 0001 asked who the account is (inspect_account_province,
-- inspect_account_unit: a lookup in accounts) once for every row a statement touched: reading
-- one assessment's 64 items cost 64 lookups (the department's policy, two each). Wrapped in a
-- scalar subquery the lookup is made once per statement (an InitPlan), the same answer for
-- every row; what each account may see and change is exactly as before (tests/test_postgres.py
-- proves it with plain SQL as each kind of account).
--
-- Only the policies of 0001 that still exist are changed (a later migration may have
-- replaced some).

DO $$
DECLARE
    by_province constant text := '(SELECT inspect_account_province(current_user)) IN ('''', province)';
    by_unit constant text := 'unit = (SELECT inspect_account_unit(current_user))';
    p record;
BEGIN
    FOR p IN
        SELECT * FROM (VALUES
            ('department', 'units', by_province, true),
            ('department', 'assessments', by_province, true),
            ('department', 'items', by_province, true),
            ('department', 'audit', by_province || ' OR log = ''store''', true),
            ('unit', 'units', 'code = (SELECT inspect_account_unit(current_user))', false),
            ('unit', 'assessments', by_unit, true),
            ('unit', 'items', by_unit, true),
            ('unit', 'audit', by_unit, true),
            ('viewer', 'units', by_province, false),
            ('viewer', 'assessments', by_province, false),
            ('viewer', 'items', by_province, false),
            ('viewer', 'audit', by_province, false)
        ) AS t (policy, tab, rule, checks)
    LOOP
        IF EXISTS (
            SELECT 1 FROM pg_policies
            WHERE schemaname = current_schema() AND tablename = p.tab AND policyname = p.policy
        ) THEN
            IF p.checks THEN
                EXECUTE format('ALTER POLICY %I ON %I USING (%s) WITH CHECK (%s)',
                               p.policy, p.tab, p.rule, p.rule);
            ELSE
                EXECUTE format('ALTER POLICY %I ON %I USING (%s)', p.policy, p.tab, p.rule);
            END IF;
        END IF;
    END LOOP;
END
$$;
