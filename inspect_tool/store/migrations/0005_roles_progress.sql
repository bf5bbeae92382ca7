-- Roles as data, and the progress board's live updates.
--
-- Roles: what each person may do is a row of `roles` (its actions: which endpoints and which
-- workflow steps), not code. Every account has one role; the role's kind is the account's kind
-- (department, unit, viewer), so the three RLS groups of 0001 stay the database's backstop
-- and the role refines them (the province server checks the role for every request). The
-- roles are scoped as their accounts are: a unit's roles to its unit, the Department's to its
-- province. Accounts made before roles get their kind's default role, which keeps what they
-- could do: department (every step), unit_head (answers and submits), viewer (reads).
--
-- Actions: progress, ranking, accounts (list and revoke accounts on the server),
-- {self,appraisal,inspection}.{create,answer,submit,finalize}.

CREATE TABLE roles (
    name text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('department', 'unit', 'viewer')),
    title text NOT NULL,
    actions text[] NOT NULL DEFAULT '{}',
    is_default boolean NOT NULL DEFAULT false  -- the role of an account given only a kind
);
CREATE UNIQUE INDEX roles_one_default ON roles (kind) WHERE is_default;

INSERT INTO roles (name, kind, title, actions, is_default) VALUES
    ('department', 'department', 'Sở Nội vụ (mọi bước)', ARRAY[
        'progress', 'ranking', 'accounts',
        'self.create', 'self.answer', 'self.submit', 'self.finalize',
        'appraisal.create', 'appraisal.answer', 'appraisal.submit', 'appraisal.finalize',
        'inspection.create', 'inspection.answer', 'inspection.submit', 'inspection.finalize'
    ], true),
    ('administrator', 'department', 'Quản trị của Sở', ARRAY[
        'progress', 'ranking', 'accounts', 'self.create'
    ], false),
    ('appraiser', 'department', 'Người thẩm định', ARRAY[
        'progress', 'ranking', 'self.finalize',
        'appraisal.create', 'appraisal.answer', 'appraisal.submit', 'appraisal.finalize'
    ], false),
    ('inspector', 'department', 'Người kiểm tra', ARRAY[
        'progress', 'ranking',
        'inspection.create', 'inspection.answer', 'inspection.submit', 'inspection.finalize'
    ], false),
    ('unit_head', 'unit', 'Thủ trưởng đơn vị (gửi)', ARRAY[
        'progress', 'self.answer', 'self.submit'
    ], true),
    ('unit_editor', 'unit', 'Người nhập của đơn vị', ARRAY['progress', 'self.answer'], false),
    ('viewer', 'viewer', 'Người xem', ARRAY['progress'], true);

ALTER TABLE accounts ADD COLUMN role text REFERENCES roles (name);
UPDATE accounts a SET role = r.name FROM roles r WHERE r.kind = a.kind AND r.is_default;
ALTER TABLE accounts ALTER COLUMN role SET NOT NULL;

-- An account given no role takes its kind's default; a role of another kind is refused.
CREATE FUNCTION inspect_account_role() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role IS NULL THEN
        SELECT name INTO NEW.role FROM roles WHERE kind = NEW.kind AND is_default;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM roles WHERE name = NEW.role AND kind = NEW.kind) THEN
        RAISE EXCEPTION 'role % is not a role of a % account', NEW.role, NEW.kind;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_role BEFORE INSERT OR UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION inspect_account_role();

REVOKE ALL ON roles FROM PUBLIC;
GRANT SELECT ON roles TO inspect_server, inspect_department, inspect_unit, inspect_viewer;
-- an administrator revokes an account's tokens through the server
GRANT UPDATE (revoked) ON server_tokens TO inspect_server;

-- The progress board: who made each assessment's last change (the `inspect.user` each
-- transaction sets), and a NOTIFY in the same transaction as each save, so a board that
-- LISTENs sees a ward's answer when (and only when) it is committed. The payload is the
-- assessment's id; a listener reads again through its own row-level security.
ALTER TABLE assessments ADD COLUMN updated_by text NOT NULL DEFAULT '';

CREATE FUNCTION inspect_assessment_saved() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('inspect_progress', OLD.id);
        RETURN OLD;
    END IF;
    IF TG_WHEN = 'BEFORE' THEN
        NEW.updated_by := coalesce(current_setting('inspect.user', true), '');
        RETURN NEW;
    END IF;
    PERFORM pg_notify('inspect_progress', NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER assessments_by BEFORE INSERT OR UPDATE ON assessments
    FOR EACH ROW EXECUTE FUNCTION inspect_assessment_saved();
CREATE TRIGGER assessments_notify AFTER INSERT OR UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION inspect_assessment_saved();
