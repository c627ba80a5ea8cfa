-- SPDX-License-Identifier: GPL-2.0-or-later
-- 007: work done off the cluster. Rows of CodeCarbon's emissions.csv that
-- `carbon-report import codecarbon` stores for a project (and tag), beside
-- the cluster's own records, marked as imported and with their method.

CREATE TABLE carbon.imported_run (
    id               bigserial PRIMARY KEY,
    project          text NOT NULL,
    tag              text,
    -- CodeCarbon's identity of a row; '' when the file had none.
    run_id           text NOT NULL DEFAULT '',
    experiment_id    text NOT NULL DEFAULT '',
    "timestamp"      timestamptz NOT NULL,       -- the row's, end of the run
    duration_s       float8 NOT NULL CHECK (duration_s >= 0),
    emissions_kg     float8 NOT NULL CHECK (emissions_kg >= 0),
    cpu_kwh          float8 CHECK (cpu_kwh >= 0),
    gpu_kwh          float8 CHECK (gpu_kwh >= 0),
    ram_kwh          float8 CHECK (ram_kwh >= 0),
    energy_kwh       float8 NOT NULL CHECK (energy_kwh >= 0),  -- energy_consumed
    pue              float8 CHECK (pue > 0),
    country_iso_code text,
    region           text,
    method           text NOT NULL DEFAULT 'codecarbon',
    user_name        text NOT NULL DEFAULT current_user,
    source_file      text NOT NULL,
    imported_at      timestamptz NOT NULL DEFAULT now(),
    -- The same CodeCarbon row imported again for the project is the same
    -- run: a second import of a file adds nothing (ON CONFLICT DO NOTHING).
    UNIQUE (project, run_id, experiment_id, "timestamp")
);
CREATE INDEX imported_run_user_idx ON carbon.imported_run (user_name, "timestamp");

-- A participant imports under their own name and sees their own imports and
-- those of the projects they belong to, as with carbon.step_energy (002);
-- administrators may read, correct or remove every row.
ALTER TABLE carbon.imported_run ENABLE ROW LEVEL SECURITY;
CREATE POLICY imported_run_own ON carbon.imported_run
    FOR SELECT TO carbon_user
    USING (user_name = current_user
           OR project IN (SELECT m.project FROM carbon.project_member m
                          WHERE m.member = current_user));
CREATE POLICY imported_run_insert ON carbon.imported_run
    FOR INSERT TO carbon_user WITH CHECK (user_name = current_user);
CREATE POLICY imported_run_admin ON carbon.imported_run
    FOR ALL TO carbon_admin USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON carbon.imported_run TO carbon_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON carbon.imported_run TO carbon_admin;
GRANT USAGE ON SEQUENCE carbon.imported_run_id_seq TO carbon_user, carbon_admin;
