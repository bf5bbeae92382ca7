-- Recommendations followed up (inspect_tool/recommendations.py): each recommendation of a
-- finalized inspection or appraisal gets its own record here, while the assessment stays
-- locked. Its audit chain is in `audit`, under the record's id, with the record's unit and
-- province, so the policies of 0001 hold for it too.
--
-- Who may do what, as in 0001: a unit sees and reports on its own recommendations, the
-- Department all of its province, a viewer reads its province. A unit never writes a record
-- as "done" or "withdrawn" (only the Department accepts a reported "done"): the policy says
-- so, whatever the tool does.

CREATE TABLE followups (
    id text PRIMARY KEY,
    assessment_id text NOT NULL,
    unit text NOT NULL,
    province text NOT NULL DEFAULT '',
    state text NOT NULL CHECK (state IN ('open', 'in_progress', 'reported', 'done', 'withdrawn')),
    version integer NOT NULL DEFAULT 0,
    doc jsonb NOT NULL
);
CREATE INDEX followups_unit ON followups (unit);
CREATE INDEX followups_province ON followups (province);
CREATE INDEX followups_assessment ON followups (assessment_id);

-- the kind of the account behind the statement (department, unit, viewer), for the tool to
-- say who may accept; security definer as the functions of 0001, accounts stays unreadable
CREATE FUNCTION inspect_account_kind(who name) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT kind FROM accounts WHERE name = who $$;

GRANT SELECT ON followups TO inspect_department, inspect_unit, inspect_viewer;
GRANT INSERT, UPDATE ON followups TO inspect_department, inspect_unit;

ALTER TABLE followups ENABLE ROW LEVEL SECURITY;

CREATE POLICY department ON followups TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));

CREATE POLICY unit_read ON followups FOR SELECT TO inspect_unit
    USING (unit = inspect_account_unit(current_user));
CREATE POLICY unit_insert ON followups FOR INSERT TO inspect_unit
    WITH CHECK (unit = inspect_account_unit(current_user) AND state = 'open');
CREATE POLICY unit_update ON followups FOR UPDATE TO inspect_unit
    USING (unit = inspect_account_unit(current_user)
           AND state IN ('open', 'in_progress', 'reported'))
    WITH CHECK (unit = inspect_account_unit(current_user)
                AND state IN ('open', 'in_progress', 'reported'));

CREATE POLICY viewer ON followups FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
