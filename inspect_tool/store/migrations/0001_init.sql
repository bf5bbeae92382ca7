-- The central store's first schema: units, assessments with their items and summaries, the
-- append-only audit trail, pinned criteria sets, evidence files, and the accounts.
--
-- Who may see what is enforced here, by row-level security, not only by the tool: every
-- secured table carries the unit (and province) of its rows, indexed; one policy per kind of
-- account. The account roles are members of inspect_department, inspect_unit or
-- inspect_viewer; they own nothing and do not bypass RLS. The owner (who runs `db init`) only
-- migrates and manages accounts.

CREATE TABLE inspect_schema (
    version integer NOT NULL
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'inspect_department') THEN
        CREATE ROLE inspect_department NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'inspect_unit') THEN
        CREATE ROLE inspect_unit NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'inspect_viewer') THEN
        CREATE ROLE inspect_viewer NOLOGIN;
    END IF;
END
$$;

-- kind: department (every unit of its province; '' = every province), unit (its own unit
-- only), viewer (reads its province)
CREATE TABLE accounts (
    name text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('department', 'unit', 'viewer')),
    unit text NOT NULL DEFAULT '',
    province text NOT NULL DEFAULT '',
    created timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'unit' OR unit <> '')
);

-- The account behind the current statement: the login role itself. Security definer, so that
-- accounts stays unreadable to the account roles; current_user is passed in by the policies,
-- evaluated as the caller.
CREATE FUNCTION inspect_account_unit(who name) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT unit FROM accounts WHERE name = who $$;

CREATE FUNCTION inspect_account_province(who name) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT province FROM accounts WHERE name = who $$;

CREATE TABLE units (
    code text PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL,
    parent text NOT NULL DEFAULT '',
    valid_from text NOT NULL DEFAULT '',
    valid_to text NOT NULL DEFAULT '',
    successor text NOT NULL DEFAULT '',
    province text NOT NULL DEFAULT ''
);
CREATE INDEX units_province ON units (province);

CREATE TABLE assessments (
    id text PRIMARY KEY,
    unit text NOT NULL,
    province text NOT NULL DEFAULT '',
    version integer NOT NULL DEFAULT 0,
    header jsonb NOT NULL,
    -- the summary, kept in the same transaction as each save (store.interface.Summary);
    -- summarized is false when a save could not give it (an import): the workflow computes it
    summarized boolean NOT NULL DEFAULT false,
    kind text NOT NULL,
    year integer NOT NULL,
    set_id text NOT NULL,
    set_version text NOT NULL,
    state text NOT NULL,
    base text NOT NULL DEFAULT '',
    answered integer NOT NULL DEFAULT 0,
    items integer NOT NULL DEFAULT 0,
    total double precision NOT NULL DEFAULT 0,
    max_points double precision NOT NULL DEFAULT 0,
    index_value double precision NOT NULL DEFAULT 0,
    band text NOT NULL DEFAULT '',
    updated text NOT NULL DEFAULT '',
    created text NOT NULL DEFAULT '',
    areas jsonb NOT NULL DEFAULT '[]'  -- per area: [code, points, maximum]
);
CREATE INDEX assessments_unit ON assessments (unit);
CREATE INDEX assessments_province ON assessments (province);
CREATE INDEX assessments_year ON assessments (year, set_id);

CREATE TABLE items (
    assessment_id text NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    code text NOT NULL,
    unit text NOT NULL,
    province text NOT NULL DEFAULT '',
    doc jsonb NOT NULL,
    PRIMARY KEY (assessment_id, code)
);
CREATE INDEX items_unit ON items (unit);

-- The audit trail: one chain per log (an assessment's id, or "store"), computed by the tool
-- in Python with the same canonical JSON as the embedded store, so chains move between stores
-- byte for byte. Append-only: a trigger refuses UPDATE and DELETE, and no role is granted them.
CREATE TABLE audit (
    log text NOT NULL,
    seq integer NOT NULL,
    unit text NOT NULL DEFAULT '',
    province text NOT NULL DEFAULT '',
    entry text NOT NULL,
    PRIMARY KEY (log, seq)
);
CREATE INDEX audit_unit ON audit (unit);

CREATE FUNCTION inspect_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION inspect_audit_append_only();

CREATE TABLE sets (
    hash text PRIMARY KEY,
    text text NOT NULL
);

CREATE TABLE evidence (
    sha256 text PRIMARY KEY,
    data bytea NOT NULL
);

-- Privileges: read and write what each kind may; never UPDATE or DELETE on the audit trail.
GRANT SELECT ON units, assessments, items, audit, sets, evidence, inspect_schema
    TO inspect_department, inspect_unit, inspect_viewer;
GRANT INSERT, UPDATE, DELETE ON units, assessments, items TO inspect_department;
GRANT INSERT, UPDATE, DELETE ON assessments, items TO inspect_unit;
GRANT INSERT ON audit, sets, evidence TO inspect_department, inspect_unit;
REVOKE ALL ON accounts FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM PUBLIC;

-- Row-level security: one policy per kind of account on every secured table.
ALTER TABLE units ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;

CREATE POLICY department ON units TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));
CREATE POLICY department ON assessments TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));
CREATE POLICY department ON items TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));
CREATE POLICY department ON audit TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province) OR log = 'store')
    WITH CHECK (inspect_account_province(current_user) IN ('', province) OR log = 'store');

CREATE POLICY unit ON units FOR SELECT TO inspect_unit
    USING (code = inspect_account_unit(current_user));
CREATE POLICY unit ON assessments TO inspect_unit
    USING (unit = inspect_account_unit(current_user))
    WITH CHECK (unit = inspect_account_unit(current_user));
CREATE POLICY unit ON items TO inspect_unit
    USING (unit = inspect_account_unit(current_user))
    WITH CHECK (unit = inspect_account_unit(current_user));
CREATE POLICY unit ON audit TO inspect_unit
    USING (unit = inspect_account_unit(current_user))
    WITH CHECK (unit = inspect_account_unit(current_user));

CREATE POLICY viewer ON units FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
CREATE POLICY viewer ON assessments FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
CREATE POLICY viewer ON items FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
CREATE POLICY viewer ON audit FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));

INSERT INTO inspect_schema (version) VALUES (1);
