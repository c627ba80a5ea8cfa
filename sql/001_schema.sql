-- SPDX-License-Identifier: GPL-2.0-or-later
-- 001: the schema, the step energy table and the three roles.
-- Applied by `carbon-report db init` inside one transaction.

CREATE SCHEMA IF NOT EXISTS carbon;

-- One row per job step per node, as measured by spank_carbon.so.
CREATE TABLE carbon.step_energy (
    cluster     text        NOT NULL,
    job_id      bigint      NOT NULL CHECK (job_id >= 0),
    step        text        NOT NULL,
    node        text        NOT NULL,
    uid         bigint      NOT NULL,
    user_name   text        NOT NULL,
    account     text,
    project     text,
    tag         text,
    start_time  timestamptz NOT NULL,
    end_time    timestamptz NOT NULL,
    cpu_j       float8      NOT NULL DEFAULT 0 CHECK (cpu_j >= 0),
    dram_j      float8      NOT NULL DEFAULT 0 CHECK (dram_j >= 0),
    gpu_j       float8      NOT NULL DEFAULT 0 CHECK (gpu_j >= 0),
    other_j     float8      NOT NULL DEFAULT 0 CHECK (other_j >= 0),
    samples     integer     NOT NULL DEFAULT 0,
    method      text        NOT NULL,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster, job_id, step, node),
    CHECK (end_time >= start_time)
);
CREATE INDEX step_energy_job_idx ON carbon.step_energy (job_id);
CREATE INDEX step_energy_user_idx ON carbon.step_energy (user_name, start_time);

-- Roles (cluster-wide, so created only when missing). carbon_writer is the
-- plugin's login (give it a password or a pg_hba.conf rule); carbon_user and
-- carbon_admin are groups an administrator grants to people's login roles.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'carbon_writer') THEN
        CREATE ROLE carbon_writer LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'carbon_user') THEN
        CREATE ROLE carbon_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'carbon_admin') THEN
        CREATE ROLE carbon_admin NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA carbon TO carbon_writer, carbon_user, carbon_admin;
-- The plugin adds records and can do nothing else.
GRANT INSERT ON carbon.step_energy TO carbon_writer;
GRANT SELECT ON carbon.step_energy TO carbon_user, carbon_admin;

-- Row-level security: a participant's PostgreSQL role has the name of their
-- Slurm user and sees only their own rows; a job that is not yours looks
-- exactly like a job that does not exist.
ALTER TABLE carbon.step_energy ENABLE ROW LEVEL SECURITY;
CREATE POLICY step_energy_writer ON carbon.step_energy
    FOR INSERT TO carbon_writer WITH CHECK (true);
CREATE POLICY step_energy_own ON carbon.step_energy
    FOR SELECT TO carbon_user USING (user_name = current_user);
CREATE POLICY step_energy_admin ON carbon.step_energy
    FOR SELECT TO carbon_admin USING (true);

-- carbon-report db init creates this table before the first migration; let
-- everyone who reads reports also see which migrations are applied.
GRANT SELECT ON carbon.schema_migrations TO carbon_user, carbon_admin;
