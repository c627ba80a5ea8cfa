-- SPDX-License-Identifier: GPL-2.0-or-later
-- 012: how a step's tasks ended (issue 6: a statement counts failed and
-- cancelled jobs separately). exit_status is the raw wait(2) status of the
-- step's "worst" task on the node as slurmstepd saw it (SPANK
-- S_TASK_EXIT_STATUS): the first task that ended by a signal, else the first
-- that exited non-zero, else 0. So when exit_status & 127 is 0 the task
-- exited with code (exit_status >> 8) & 255, else it was ended by signal
-- exit_status & 127. NULL: no task's end was seen (the extern step, a step
-- whose slurmstepd was killed, a checkpoint of a running step, a record
-- from before 012). Adding a column leaves the triggers of 008, 009 and 011
-- as they were: they read the columns they name.

ALTER TABLE carbon.step_energy
    ADD COLUMN exit_status integer;

-- put_step with the column of 012; the 31-argument form of 010 (and the
-- 27- and 18-argument forms of 003 and 002) stay for plugins not yet
-- upgraded: their rows have exit_status NULL. Same replacement rule.
CREATE FUNCTION carbon.put_step(
    p_cluster text, p_job_id bigint, p_step text, p_node text,
    p_uid bigint, p_user_name text, p_account text, p_project text, p_tag text,
    p_start_time timestamptz, p_end_time timestamptz,
    p_cpu_j float8, p_dram_j float8, p_gpu_j float8, p_other_j float8,
    p_samples integer, p_method text, p_partial boolean,
    p_job_cpu_j float8, p_job_dram_j float8, p_job_gpu_j float8, p_job_other_j float8,
    p_estimated_j float8, p_cpu_time_s float8, p_split text, p_notes text,
    p_hours jsonb,
    p_cpu_model text, p_alloc_cpus integer, p_gpu_model text, p_gpus integer,
    p_exit_status integer)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
    WITH up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
             job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus, exit_status)
        VALUES (p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name, p_account,
                p_project, p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j,
                p_gpu_j, p_other_j, p_samples, p_method, p_partial,
                p_job_cpu_j, p_job_dram_j, p_job_gpu_j, p_job_other_j,
                coalesce(p_estimated_j, 0), p_cpu_time_s, p_split, p_notes, p_hours,
                p_cpu_model, p_alloc_cpus, p_gpu_model, p_gpus, p_exit_status)
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
            exit_status = EXCLUDED.exit_status,
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
        RETURNING 1
    )
    SELECT count(*)::integer FROM up
$$;

-- The bulk form for spool flush with the column of 012: the caller's
-- pg_temp.spool_in5 has the columns of carbon.step_energy (without
-- inserted_at). merge_spool_in4() of 010 and merge_spool_in3() of 003 stay
-- for older carbon-report.
CREATE FUNCTION carbon.merge_spool_in5()
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
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus, exit_status)
        SELECT DISTINCT ON (cluster, job_id, step, node)
               cluster, job_id, step, node, uid, user_name, account, project, tag,
               start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
               job_cpu_j, job_dram_j, job_gpu_j, job_other_j, coalesce(estimated_j, 0),
               cpu_time_s, split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus,
               exit_status
        FROM pg_temp.spool_in5
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
            exit_status = EXCLUDED.exit_status,
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
    text, integer, text, integer, integer)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION carbon.merge_spool_in5() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb,
    text, integer, text, integer, integer)
    TO carbon_writer, carbon_admin;
GRANT EXECUTE ON FUNCTION carbon.merge_spool_in5() TO carbon_writer, carbon_admin;
