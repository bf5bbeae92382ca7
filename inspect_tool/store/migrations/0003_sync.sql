-- Sync (`inspect-tool sync`, inspect_tool/server/sync.py): what the province server has
-- acknowledged to each laptop (its device id, kept in the laptop's store), per assessment: the
-- seq and hash of the audit head. A later push from that laptop based on an older entry than
-- one it was acknowledged is a rewritten history, refused. Rows carry the unit and province of
-- their assessment, under the same row-level security as the assessments.

CREATE TABLE sync_devices (
    device text NOT NULL,
    assessment_id text NOT NULL,
    unit text NOT NULL,
    province text NOT NULL DEFAULT '',
    seq integer NOT NULL,
    hash text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device, assessment_id)
);
CREATE INDEX sync_devices_unit ON sync_devices (unit);

GRANT SELECT, INSERT, UPDATE ON sync_devices TO inspect_department, inspect_unit;
ALTER TABLE sync_devices ENABLE ROW LEVEL SECURITY;

CREATE POLICY department ON sync_devices TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));
CREATE POLICY unit ON sync_devices TO inspect_unit
    USING (unit = inspect_account_unit(current_user))
    WITH CHECK (unit = inspect_account_unit(current_user));
