-- SPDX-License-Identifier: GPL-2.0-or-later
-- 003: the measurement engine of issue 4 (DESIGN §4). A record now holds
-- two things: the step's own share of the node (its CPU time, the columns
-- cpu_j .. other_j as before) and the job's share that this record charged
-- (job_*_j: the node's energy times the job's share of the node's CPU time,
-- idle intervals split by allocated cores, the job's GPUs). On each node one
-- step of a job at a time charges the job's share, so a job's total is the
-- sum of job_*_j over its records: nothing is counted twice. Rows from
-- before 003 have job_cpu_j NULL and keep the rule they were written under
-- (whole-node energy over the step's window; reports take the union).

ALTER TABLE carbon.step_energy
    ADD COLUMN job_cpu_j   float8 CHECK (job_cpu_j >= 0),
    ADD COLUMN job_dram_j  float8 CHECK (job_dram_j >= 0),
    ADD COLUMN job_gpu_j   float8 CHECK (job_gpu_j >= 0),
    ADD COLUMN job_other_j float8 CHECK (job_other_j >= 0),
    ADD COLUMN estimated_j float8 NOT NULL DEFAULT 0 CHECK (estimated_j >= 0),
    ADD COLUMN cpu_time_s  float8 CHECK (cpu_time_s >= 0),
    ADD COLUMN split       text,
    ADD COLUMN notes       text,
    -- job_*_j by UTC hour: [{"hour": "2026-11-27T10:00:00Z", "cpu_j": ..,
    -- "dram_j": .., "gpu_j": .., "other_j": ..}, ...], in time order.
    ADD COLUMN hours       jsonb;

-- The job's energy by hour, one row per record and hour, for time-varying
-- carbon intensity. security_invoker: the reader's row-level security holds.
CREATE VIEW carbon.job_energy_hour WITH (security_invoker = true) AS
    SELECT s.cluster, s.job_id, s.step, s.node, s.user_name, s.project, s.tag,
           (h->>'hour')::timestamptz AS hour,
           (h->>'cpu_j')::float8 AS cpu_j, (h->>'dram_j')::float8 AS dram_j,
           (h->>'gpu_j')::float8 AS gpu_j, (h->>'other_j')::float8 AS other_j
    FROM carbon.step_energy s, jsonb_array_elements(s.hours) AS h
    WHERE s.hours IS NOT NULL;
GRANT SELECT ON carbon.job_energy_hour TO carbon_user, carbon_admin;

-- put_step with the columns of 003; the 18-argument form of 002 stays for
-- plugins not yet upgraded. Same replacement rule.
CREATE FUNCTION carbon.put_step(
    p_cluster text, p_job_id bigint, p_step text, p_node text,
    p_uid bigint, p_user_name text, p_account text, p_project text, p_tag text,
    p_start_time timestamptz, p_end_time timestamptz,
    p_cpu_j float8, p_dram_j float8, p_gpu_j float8, p_other_j float8,
    p_samples integer, p_method text, p_partial boolean,
    p_job_cpu_j float8, p_job_dram_j float8, p_job_gpu_j float8, p_job_other_j float8,
    p_estimated_j float8, p_cpu_time_s float8, p_split text, p_notes text,
    p_hours jsonb)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
    WITH up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
             job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,
             split, notes, hours)
        VALUES (p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name, p_account,
                p_project, p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j,
                p_gpu_j, p_other_j, p_samples, p_method, p_partial,
                p_job_cpu_j, p_job_dram_j, p_job_gpu_j, p_job_other_j,
                coalesce(p_estimated_j, 0), p_cpu_time_s, p_split, p_notes, p_hours)
        ON CONFLICT (cluster, job_id, step, node) DO UPDATE SET
            uid = EXCLUDED.uid, user_name = EXCLUDED.user_name,
            account = EXCLUDED.account, project = EXCLUDED.project, tag = EXCLUDED.tag,
            start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
            cpu_j = EXCLUDED.cpu_j, dram_j = EXCLUDED.dram_j, gpu_j = EXCLUDED.gpu_j,
            other_j = EXCLUDED.other_j, samples = EXCLUDED.samples,
            method = EXCLUDED.method, partial = EXCLUDED.partial,
            job_cpu_j = EXCLUDED.job_cpu_j, job_dram_j = EXCLUDED.job_dram_j,
            job_gpu_j = EXCLUDED.job_gpu_j, job_other_j = EXCLUDED.job_other_j,
            estimated_j = EXCLUDED.estimated_j, cpu_time_s = EXCLUDED.cpu_time_s,
            split = EXCLUDED.split, notes = EXCLUDED.notes, hours = EXCLUDED.hours,
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
        RETURNING 1
    )
    SELECT count(*)::integer FROM up
$$;

-- The bulk form for spool flush with the columns of 003: the caller's
-- pg_temp.spool_in3 has the columns of carbon.step_energy (without
-- inserted_at). merge_spool_in() of 002 stays for older carbon-report.
CREATE FUNCTION carbon.merge_spool_in3()
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    WITH up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
             job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,
             split, notes, hours)
        SELECT DISTINCT ON (cluster, job_id, step, node)
               cluster, job_id, step, node, uid, user_name, account, project, tag,
               start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
               job_cpu_j, job_dram_j, job_gpu_j, job_other_j, coalesce(estimated_j, 0),
               cpu_time_s, split, notes, hours
        FROM pg_temp.spool_in3
        ORDER BY cluster, job_id, step, node, partial, end_time DESC
        ON CONFLICT (cluster, job_id, step, node) DO UPDATE SET
            uid = EXCLUDED.uid, user_name = EXCLUDED.user_name,
            account = EXCLUDED.account, project = EXCLUDED.project, tag = EXCLUDED.tag,
            start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
            cpu_j = EXCLUDED.cpu_j, dram_j = EXCLUDED.dram_j, gpu_j = EXCLUDED.gpu_j,
            other_j = EXCLUDED.other_j, samples = EXCLUDED.samples,
            method = EXCLUDED.method, partial = EXCLUDED.partial,
            job_cpu_j = EXCLUDED.job_cpu_j, job_dram_j = EXCLUDED.job_dram_j,
            job_gpu_j = EXCLUDED.job_gpu_j, job_other_j = EXCLUDED.job_other_j,
            estimated_j = EXCLUDED.estimated_j, cpu_time_s = EXCLUDED.cpu_time_s,
            split = EXCLUDED.split, notes = EXCLUDED.notes, hours = EXCLUDED.hours,
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
        RETURNING 1
    )
    SELECT count(*) INTO n FROM up;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION carbon.merge_spool_in3() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb)
    TO carbon_writer, carbon_admin;
GRANT EXECUTE ON FUNCTION carbon.merge_spool_in3() TO carbon_writer, carbon_admin;
