-- The campaign on the province server (inspect_tool/server/app.py: GET /campaigns, POST
-- /campaigns/{id}/explain): a ward working on a laptop answers its explanation round
-- (giải trình) over the server. Explaining is an act of the unit, signed off by its head, so
-- the action `campaign.explain` goes to the unit's head and to the Department (which records an
-- explanation a unit sent on paper); a unit's editor and a viewer read their campaign only.
-- Roles a province made itself are left as they are: their administrator adds the action.
UPDATE roles SET actions = array_append(actions, 'campaign.explain')
    WHERE name IN ('department', 'unit_head') AND NOT 'campaign.explain' = ANY (actions);
