-- SPDX-License-Identifier: GPL-2.0-or-later
-- 006: each cluster's site settings, as its carbon.conf says them
-- (`carbon-report --config /etc/slurm/carbon.conf db init` or `db upgrade`
-- records them). Reports use them where their own configuration does not set
-- a value, so a participant who runs carbon-report without the site's file
-- still gets the site's zone, PUE and intensity.
CREATE TABLE carbon.cluster_site (
    cluster    text        PRIMARY KEY,
    zone       text,
    pue        float8      CHECK (pue >= 1.0 AND pue <= 5.0),
    intensity  float8      CHECK (intensity >= 0),    -- fixed gCO2e/kWh, NULL: none
    updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON carbon.cluster_site TO carbon_user, carbon_admin;
GRANT INSERT, UPDATE, DELETE ON carbon.cluster_site TO carbon_admin;
