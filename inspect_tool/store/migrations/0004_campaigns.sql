-- Campaigns (inspect_tool/campaign.py): a province's yearly plan, each unit's track through
-- it, and each unit's explanations of the items its appraisal changed.
--
-- Row-level security in the style of 0001: the Department (of the campaign's province)
-- writes campaigns and tracks; a unit reads the campaigns it takes part in and its own
-- track, and writes only its own explanations (giải trình); a viewer reads its province.
-- `province` is the units' province as `units.province` holds it. Audit entries go to the
-- audit table of 0001, in the log "campaign:<id>" (the Department's) or
-- "campaign:<id>:<unit>" (a unit's), so the policies of 0001 already cover them.

CREATE TABLE campaigns (
    id text PRIMARY KEY,
    province text NOT NULL DEFAULT '',
    year integer NOT NULL,
    units text[] NOT NULL DEFAULT '{}',
    header jsonb NOT NULL
);
CREATE INDEX campaigns_province ON campaigns (province);

CREATE TABLE campaign_tracks (
    campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit text NOT NULL,
    province text NOT NULL DEFAULT '',
    doc jsonb NOT NULL,
    PRIMARY KEY (campaign_id, unit)
);
CREATE INDEX campaign_tracks_unit ON campaign_tracks (unit);

CREATE TABLE campaign_explanations (
    campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit text NOT NULL,
    item text NOT NULL,
    province text NOT NULL DEFAULT '',
    doc jsonb NOT NULL,
    PRIMARY KEY (campaign_id, unit, item)
);
CREATE INDEX campaign_explanations_unit ON campaign_explanations (unit);

GRANT SELECT ON campaigns, campaign_tracks, campaign_explanations
    TO inspect_department, inspect_unit, inspect_viewer;
GRANT INSERT, UPDATE, DELETE ON campaigns, campaign_tracks, campaign_explanations
    TO inspect_department;
GRANT INSERT, UPDATE, DELETE ON campaign_explanations TO inspect_unit;

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_tracks ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_explanations ENABLE ROW LEVEL SECURITY;

CREATE POLICY department ON campaigns TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));
CREATE POLICY department ON campaign_tracks TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));
CREATE POLICY department ON campaign_explanations TO inspect_department
    USING (inspect_account_province(current_user) IN ('', province))
    WITH CHECK (inspect_account_province(current_user) IN ('', province));

CREATE POLICY unit ON campaigns FOR SELECT TO inspect_unit
    USING (inspect_account_unit(current_user) = ANY (units));
CREATE POLICY unit ON campaign_tracks FOR SELECT TO inspect_unit
    USING (unit = inspect_account_unit(current_user));
CREATE POLICY unit ON campaign_explanations TO inspect_unit
    USING (unit = inspect_account_unit(current_user))
    WITH CHECK (unit = inspect_account_unit(current_user));

CREATE POLICY viewer ON campaigns FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
CREATE POLICY viewer ON campaign_tracks FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
CREATE POLICY viewer ON campaign_explanations FOR SELECT TO inspect_viewer
    USING (inspect_account_province(current_user) IN ('', province));
