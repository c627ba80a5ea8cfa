-- SPDX-License-Identifier: GPL-2.0-or-later
-- 010: the hardware a record ran on (issue 6: a statement gives the CPU and
-- GPU models and counts, GPU-hours and allocated core-hours). cpu_model is
-- the node's /proc/cpuinfo "model name", alloc_cpus the job's CPUs on the
-- node, gpu_model the NVML name of the step's first GPU and gpus how many
-- GPUs the step held (0: none). Rows from before 010 have gpus NULL: their
-- hardware is unknown. Adding columns leaves the triggers of 008 and 009 as
-- they were: they read the columns they name.

ALTER TABLE carbon.step_energy
    ADD COLUMN cpu_model  text,
    ADD COLUMN alloc_cpus integer CHECK (alloc_cpus >= 0),
    ADD COLUMN gpu_model  text,
    ADD COLUMN gpus       integer CHECK (gpus >= 0);

-- put_step with the columns of 010; the 27-argument form of 003 (and the
-- 18-argument form of 002) stay for plugins not yet upgraded. Same
-- replacement rule.
CREATE FUNCTION carbon.put_step(
    p_cluster text, p_job_id bigint, p_step text, p_node text,
    p_uid bigint, p_user_name text, p_account text, p_project text, p_tag text,
    p_start_time timestamptz, p_end_time timestamptz,
    p_cpu_j float8, p_dram_j float8, p_gpu_j float8, p_other_j float8,
    p_samples integer, p_method text, p_partial boolean,
    p_job_cpu_j float8, p_job_dram_j float8, p_job_gpu_j float8, p_job_other_j float8,
    p_estimated_j float8, p_cpu_time_s float8, p_split text, p_notes text,
    p_hours jsonb,
    p_cpu_model text, p_alloc_cpus integer, p_gpu_model text, p_gpus integer)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
    WITH up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
             job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus)
        VALUES (p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name, p_account,
                p_project, p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j,
                p_gpu_j, p_other_j, p_samples, p_method, p_partial,
                p_job_cpu_j, p_job_dram_j, p_job_gpu_j, p_job_other_j,
                coalesce(p_estimated_j, 0), p_cpu_time_s, p_split, p_notes, p_hours,
                p_cpu_model, p_alloc_cpus, p_gpu_model, p_gpus)
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
            cpu_model = EXCLUDED.cpu_model, alloc_cpus = EXCLUDED.alloc_cpus,
            gpu_model = EXCLUDED.gpu_model, gpus = EXCLUDED.gpus,
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
        RETURNING 1
    )
    SELECT count(*)::integer FROM up
$$;

-- The bulk form for spool flush with the columns of 010: the caller's
-- pg_temp.spool_in4 has the columns of carbon.step_energy (without
-- inserted_at). merge_spool_in3() of 003 stays for older carbon-report.
CREATE FUNCTION carbon.merge_spool_in4()
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
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus)
        SELECT DISTINCT ON (cluster, job_id, step, node)
               cluster, job_id, step, node, uid, user_name, account, project, tag,
               start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
               job_cpu_j, job_dram_j, job_gpu_j, job_other_j, coalesce(estimated_j, 0),
               cpu_time_s, split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus
        FROM pg_temp.spool_in4
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
            cpu_model = EXCLUDED.cpu_model, alloc_cpus = EXCLUDED.alloc_cpus,
            gpu_model = EXCLUDED.gpu_model, gpus = EXCLUDED.gpus,
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
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb,
    text, integer, text, integer)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION carbon.merge_spool_in4() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb,
    text, integer, text, integer)
    TO carbon_writer, carbon_admin;
GRANT EXECUTE ON FUNCTION carbon.merge_spool_in4() TO carbon_writer, carbon_admin;
