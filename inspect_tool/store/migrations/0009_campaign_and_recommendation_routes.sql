-- The campaign and the recommendations on the province server, for wards on laptops.
--
-- The campaign (inspect_tool/server/app.py: GET /campaigns, GET and POST
-- /campaigns/{id}/units/{unit}[/explain]): a ward working on a laptop answers its explanation round
-- (giải trình) over the server. Explaining is an act of the unit, signed off by its head, so
-- the action `campaign.explain` goes to the unit's head and to the Department (which records an
-- explanation a unit sent on paper); a unit's editor and a viewer read their campaign only.
-- Roles a province made itself are left as they are: their administrator adds the action.
UPDATE roles SET actions = array_append(actions, 'campaign.explain')
    WHERE name IN ('department', 'unit_head') AND NOT 'campaign.explain' = ANY (actions);

-- Recommendations followed up, over the server (GET /recommendations, POST
-- /recommendations/{id}/progress): a unit reports what it did (its head and its editor, as
-- they answer its self-assessment), and the Department records a report it was sent on paper.
UPDATE roles SET actions = array_append(actions, 'recommendation.report')
    WHERE name IN ('department', 'unit_head', 'unit_editor')
      AND NOT 'recommendation.report' = ANY (actions);
