-- SPDX-License-Identifier: GPL-2.0-or-later
-- 002: storage you can trust. Partial records (checkpoints) and their
-- replacement rule, writes only through functions, project membership and
-- the row-level security that uses it.

ALTER TABLE carbon.step_energy
    ADD COLUMN partial boolean NOT NULL DEFAULT false;

-- The one rule for a record that arrives twice (a replayed spool file, a
-- step reported twice, a checkpoint followed by the final record): the row
-- already there stays, unless it is partial and the new one is complete or a
-- later checkpoint. A complete record is never replaced.
CREATE FUNCTION carbon.put_step(
    p_cluster text, p_job_id bigint, p_step text, p_node text,
    p_uid bigint, p_user_name text, p_account text, p_project text, p_tag text,
    p_start_time timestamptz, p_end_time timestamptz,
    p_cpu_j float8, p_dram_j float8, p_gpu_j float8, p_other_j float8,
    p_samples integer, p_method text, p_partial boolean)
RETURNS integer          -- 1: stored or upgraded, 0: an equal or better row was there
LANGUAGE sql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
    WITH up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial)
        VALUES (p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name, p_account,
                p_project, p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j,
                p_gpu_j, p_other_j, p_samples, p_method, p_partial)
        ON CONFLICT (cluster, job_id, step, node) DO UPDATE SET
            uid = EXCLUDED.uid, user_name = EXCLUDED.user_name,
            account = EXCLUDED.account, project = EXCLUDED.project, tag = EXCLUDED.tag,
            start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
            cpu_j = EXCLUDED.cpu_j, dram_j = EXCLUDED.dram_j, gpu_j = EXCLUDED.gpu_j,
            other_j = EXCLUDED.other_j, samples = EXCLUDED.samples,
            method = EXCLUDED.method, partial = EXCLUDED.partial,
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
        RETURNING 1
    )
    SELECT count(*)::integer FROM up
$$;

-- Bulk form for `carbon-report spool flush`: the caller COPYs records into
-- its own temporary table pg_temp.spool_in (columns as carbon.step_energy,
-- without inserted_at) and merges them with the same rule, in one statement.
CREATE FUNCTION carbon.merge_spool_in()
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    WITH up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial)
        SELECT DISTINCT ON (cluster, job_id, step, node)
               cluster, job_id, step, node, uid, user_name, account, project, tag,
               start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial
        FROM pg_temp.spool_in
        ORDER BY cluster, job_id, step, node, partial, end_time DESC
        ON CONFLICT (cluster, job_id, step, node) DO UPDATE SET
            uid = EXCLUDED.uid, user_name = EXCLUDED.user_name,
            account = EXCLUDED.account, project = EXCLUDED.project, tag = EXCLUDED.tag,
            start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
            cpu_j = EXCLUDED.cpu_j, dram_j = EXCLUDED.dram_j, gpu_j = EXCLUDED.gpu_j,
            other_j = EXCLUDED.other_j, samples = EXCLUDED.samples,
            method = EXCLUDED.method, partial = EXCLUDED.partial,
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
        RETURNING 1
    )
    SELECT count(*) INTO n FROM up;
    RETURN n;
END
$$;

-- The plugin (carbon_writer) adds records through these functions and can do
-- nothing else: no direct INSERT, no SELECT, no UPDATE, no DELETE.
REVOKE ALL ON FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION carbon.merge_spool_in() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean) TO carbon_writer, carbon_admin;
GRANT EXECUTE ON FUNCTION carbon.merge_spool_in() TO carbon_writer, carbon_admin;
REVOKE INSERT ON carbon.step_energy FROM carbon_writer;
DROP POLICY step_energy_writer ON carbon.step_energy;

-- Teams: administrators list who belongs to which project; members see the
-- project's jobs as well as their own.
CREATE TABLE carbon.project_member (
    project text NOT NULL,
    member  text NOT NULL,      -- a PostgreSQL role name = a Slurm user name
    PRIMARY KEY (project, member)
);
ALTER TABLE carbon.project_member ENABLE ROW LEVEL SECURITY;
CREATE POLICY project_member_own ON carbon.project_member
    FOR SELECT TO carbon_user USING (member = current_user);
CREATE POLICY project_member_admin ON carbon.project_member
    FOR ALL TO carbon_admin USING (true) WITH CHECK (true);
GRANT SELECT ON carbon.project_member TO carbon_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON carbon.project_member TO carbon_admin;

DROP POLICY step_energy_own ON carbon.step_energy;
CREATE POLICY step_energy_own ON carbon.step_energy
    FOR SELECT TO carbon_user
    USING (user_name = current_user
           OR project IN (SELECT m.project FROM carbon.project_member m
                          WHERE m.member = current_user));
-- Administrators may also correct or remove records.
DROP POLICY step_energy_admin ON carbon.step_energy;
CREATE POLICY step_energy_admin ON carbon.step_energy
    FOR ALL TO carbon_admin USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON carbon.step_energy TO carbon_admin;
