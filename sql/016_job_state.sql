-- SPDX-License-Identifier: GPL-2.0-or-later
-- 016: how a job ended, as Slurm says it did.
--
-- Two sources, the better first:
--
-- * Slurm's accounting (slurmdbd), where a site runs it: carbon.job_state
--   holds the state sacct gives each job instance (cluster, job_id,
--   job_start: job_start is the job's StartTime, the instance of 014).
--   `carbon-report db sync-states`, run by an administrator (a cron job or
--   timer), reads `sacct -X` and upserts it. Reports take a job's state from
--   here where a row exists.
-- * Otherwise the records: exit statuses (012), and now the OOM kills the
--   kernel counted in the step's memory cgroup (oom_kills, a new field of
--   the record; NULL where none was counted: no kill, or no memory cgroup to
--   count in, or a plugin from before 016). A job with an OOM kill in any
--   record is out_of_memory, as Slurm's task/cgroup makes it.
--
-- Note for whoever rewrites carbon.put_rows: this migration redefines it
-- (014's body) only to carry oom_kills; every changed line is marked
-- "-- 016 oom_kills", to be applied again on top of a later body.

ALTER TYPE carbon.step_in ADD ATTRIBUTE oom_kills bigint;

ALTER TABLE carbon.step_energy
    ADD COLUMN oom_kills bigint CHECK (oom_kills >= 0);

CREATE TABLE carbon.job_state (
    cluster     text        NOT NULL,
    job_id      bigint      NOT NULL CHECK (job_id >= 0 AND job_id <= 4294967295),
    job_start   timestamptz NOT NULL,
    -- Slurm's names, lower case, as `job --json` prints them.
    state       text        NOT NULL CHECK (state IN ('completed', 'failed', 'cancelled',
                                'timeout', 'out_of_memory', 'node_fail', 'preempted')),
    exit_code   integer     CHECK (exit_code BETWEEN 0 AND 255),
    exit_signal integer     CHECK (exit_signal BETWEEN 0 AND 255),
    source      text        NOT NULL CHECK (source IN ('sacct')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster, job_id, job_start)
);

-- A participant sees the state of a job instance whose records they see
-- (carbon.step_energy's own policy decides, as carbon.job_total's rows follow
-- the records'; the records rather than job_total, which a refresh fills
-- later); administrators see and write all.
ALTER TABLE carbon.job_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_state_own ON carbon.job_state
    FOR SELECT TO carbon_user
    USING (EXISTS (SELECT FROM carbon.step_energy s
                   WHERE s.cluster = job_state.cluster AND s.job_id = job_state.job_id
                         AND s.job_start = job_state.job_start));
CREATE POLICY job_state_admin ON carbon.job_state
    FOR ALL TO carbon_admin USING (true) WITH CHECK (true);
GRANT SELECT ON carbon.job_state TO carbon_user, carbon_admin;
GRANT INSERT, UPDATE ON carbon.job_state TO carbon_admin;

-- put_rows of 014 with oom_kills.
CREATE OR REPLACE FUNCTION carbon.put_rows(p_rows carbon.step_in[],
                                           OUT stored integer, OUT refused integer[],
                                           OUT why text[])
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET jit = off
AS $$
BEGIN
    WITH r AS MATERIALIZED (
        SELECT x.n::integer AS ord, x.cluster, x.job_id, x.step, x.node, x.uid, x.user_name,
               x.account, x.project, x.tag, x.start_time, x.end_time, x.cpu_j, x.dram_j,
               x.gpu_j, x.other_j, x.samples, x.method, x.partial, x.job_cpu_j, x.job_dram_j,
               x.job_gpu_j, x.job_other_j, x.estimated_j, x.cpu_time_s, x.split, x.notes,
               x.hours, x.cpu_model, x.alloc_cpus, x.gpu_model, x.gpus, x.exit_status,
               x.oom_kills,                                             -- 016 oom_kills
               -- The instance: the record's own, else the job id's latest
               -- that began before the record ended (see above).
               coalesce(x.job_start,
                        (SELECT max(e.job_start) FROM carbon.step_energy e
                         WHERE e.cluster = x.cluster AND e.job_id = x.job_id
                               AND e.job_start <= x.end_time),
                        '-infinity') AS job_start,
               CASE
                   WHEN x.cluster IS NULL OR x.job_id IS NULL OR x.step IS NULL OR x.node IS NULL
                        OR x.uid IS NULL OR x.user_name IS NULL OR x.start_time IS NULL
                        OR x.end_time IS NULL OR x.method IS NULL OR x.partial IS NULL
                        OR x.cpu_j IS NULL OR x.dram_j IS NULL OR x.gpu_j IS NULL OR x.other_j IS NULL
                       THEN 'a required field is missing'
                   WHEN NOT (concat_ws(E'\t', x.cluster, x.step, x.node, x.user_name, x.method,
                                       coalesce(nullif(x.account, ''), '-'), coalesce(x.split, '-'))
                                 ~ '^[!-~]+(\t[!-~]+){6}$'
                             AND length(x.cluster) <= 127 AND length(x.step) <= 15
                             AND length(x.node) <= 127 AND length(x.user_name) <= 63
                             AND length(x.method) <= 63 AND coalesce(length(x.account), 0) <= 127
                             AND coalesce(length(x.split), 0) <= 31)
                       THEN 'a name holds characters other than printable ASCII, or is too long'
                   WHEN (x.project IS NOT NULL OR x.tag IS NOT NULL)
                        AND concat(coalesce(x.project, '-'), E'\t', coalesce(x.tag, '-'))
                            !~ '^[A-Za-z0-9._:+/-]{1,64}\t[A-Za-z0-9._:+/-]{1,64}$'
                       THEN 'project and tag must be 1 to 64 characters of [A-Za-z0-9._:+/-]'
                   WHEN NOT (concat(x.notes, x.cpu_model, x.gpu_model) ~ '^[ -~]*$'
                             AND coalesce(length(x.notes), 0) <= 255
                             AND coalesce(length(x.cpu_model), 0) <= 127
                             AND coalesce(length(x.gpu_model), 0) <= 95)
                       THEN 'notes or a model name hold characters other than printable ASCII, or are too long'
                   WHEN x.job_id < 0 OR x.job_id > 4294967295 OR x.uid < 0 OR x.uid > 4294967295
                       THEN 'job_id and uid must be 32-bit whole numbers'
                   WHEN NOT (x.start_time >= '1970-01-01' AND x.end_time < '2200-01-01'
                             AND x.end_time >= x.start_time)
                       THEN 'start_time and end_time must be times from 1970 to 2199, the end not before the start'
                   WHEN x.job_start IS NOT NULL
                        AND NOT (x.job_start >= '1970-01-01' AND x.job_start < '2200-01-01')
                       THEN 'job_start must be a time from 1970 to 2199'
                   WHEN NOT (carbon.energy_ok(x.cpu_j) AND carbon.energy_ok(x.dram_j)
                             AND carbon.energy_ok(x.gpu_j) AND carbon.energy_ok(x.other_j)
                             AND carbon.energy_ok(x.job_cpu_j) AND carbon.energy_ok(x.job_dram_j)
                             AND carbon.energy_ok(x.job_gpu_j) AND carbon.energy_ok(x.job_other_j)
                             AND carbon.energy_ok(x.estimated_j)
                             AND (x.cpu_time_s IS NULL OR (x.cpu_time_s >= 0 AND x.cpu_time_s <= 1e12)))
                       THEN 'energies must be numbers of joules from 0 to 1e13'
                   WHEN x.hours IS NOT NULL AND (jsonb_typeof(x.hours) <> 'array'
                                                 OR jsonb_array_length(x.hours) > 744)
                       THEN 'hours must be an array of at most 744 buckets'
                   WHEN coalesce(x.samples, 0) < 0 OR coalesce(x.alloc_cpus, 0) < 0 OR coalesce(x.gpus, 0) < 0
                        OR x.exit_status < 0 OR x.exit_status > 65535
                       THEN 'samples, alloc_cpus and gpus must be >= 0, exit_status a wait status'
                   WHEN x.oom_kills < 0 OR x.oom_kills > 4294967295        -- 016 oom_kills
                       THEN 'oom_kills must be a count >= 0'            -- 016 oom_kills
               END AS problem
        FROM unnest(p_rows) WITH ORDINALITY AS x(cluster, job_id, step, node, uid, user_name,
            account, project, tag, start_time, end_time, cpu_j, dram_j, gpu_j, other_j,
            samples, method, partial, job_cpu_j, job_dram_j, job_gpu_j, job_other_j,
            estimated_j, cpu_time_s, split, notes, hours, cpu_model, alloc_cpus, gpu_model,
            gpus, exit_status, job_start, oom_kills, n)                  -- 016 oom_kills
    ), bad_hours AS (
        SELECT DISTINCT r.ord FROM r
        CROSS JOIN LATERAL jsonb_to_recordset(
            CASE WHEN jsonb_typeof(r.hours) = 'array' THEN r.hours ELSE '[]' END)
            AS b(hour timestamptz, cpu_j float8, dram_j float8, gpu_j float8, other_j float8)
        WHERE NOT coalesce(b.hour >= '1970-01-01' AND b.hour < '2200-01-01'
                           AND carbon.energy_ok(b.cpu_j) AND carbon.energy_ok(b.dram_j)
                           AND carbon.energy_ok(b.gpu_j) AND carbon.energy_ok(b.other_j)
                           AND b.cpu_j IS NOT NULL AND b.dram_j IS NOT NULL
                           AND b.gpu_j IS NOT NULL AND b.other_j IS NOT NULL, false)
          AND r.hours IS NOT NULL
    ), ok AS (
        SELECT DISTINCT ON (cluster, job_id, job_start, step, node) r.*
        FROM r
        WHERE r.problem IS NULL AND NOT EXISTS (SELECT FROM bad_hours b WHERE b.ord = r.ord)
        ORDER BY cluster, job_id, job_start, step, node, partial, end_time DESC
    ), up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, job_start, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
             job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus, exit_status,
             oom_kills)                                                 -- 016 oom_kills
        SELECT cluster, job_id, job_start, step, node, uid, user_name, nullif(account, ''),
               project, tag, start_time, end_time, cpu_j, dram_j, gpu_j, other_j,
               coalesce(samples, 0), method, partial, job_cpu_j, job_dram_j, job_gpu_j,
               job_other_j, coalesce(estimated_j, 0), cpu_time_s, split, notes, hours,
               cpu_model, alloc_cpus, gpu_model, gpus, exit_status,
               oom_kills                                                -- 016 oom_kills
        FROM ok
        ON CONFLICT (cluster, job_id, job_start, step, node) DO UPDATE SET
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
            oom_kills = EXCLUDED.oom_kills,                             -- 016 oom_kills
            inserted_at = now()
        WHERE s.partial AND (NOT EXCLUDED.partial OR EXCLUDED.end_time > s.end_time)
              AND s.uid = EXCLUDED.uid AND s.user_name = EXCLUDED.user_name
        RETURNING 1
    )
    SELECT (SELECT count(*)::integer FROM up),
           coalesce(array_agg(q.ord ORDER BY q.ord), '{}'),
           coalesce(array_agg(q.why ORDER BY q.ord), '{}')
    INTO stored, refused, why
    FROM (SELECT r.ord, coalesce(r.problem,
              'each hour bucket must be a valid hour with four energies from 0 to 1e13 J') AS why
          FROM r WHERE r.problem IS NOT NULL OR r.ord IN (SELECT ord FROM bad_hours)) q;
EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION 'carbon.put_rows: %', SQLERRM USING ERRCODE = SQLSTATE;
END
$$;

-- The 32-argument put_step of 014 builds a whole carbon.step_in: now with
-- the OOM kills unknown too (an old plugin's record).
CREATE OR REPLACE FUNCTION carbon.put_step(
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
LANGUAGE plpgsql
SET search_path = carbon, pg_temp
AS $$
DECLARE
    res record;
BEGIN
    SELECT * INTO res FROM carbon.put_steps(jsonb_build_array(to_jsonb(ROW(
        p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name, p_account, p_project,
        p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j, p_gpu_j, p_other_j, p_samples,
        p_method, p_partial, p_job_cpu_j, p_job_dram_j, p_job_gpu_j, p_job_other_j,
        p_estimated_j, p_cpu_time_s, p_split, p_notes, p_hours, p_cpu_model, p_alloc_cpus,
        p_gpu_model, p_gpus, p_exit_status, NULL::timestamptz,
        NULL::bigint)::carbon.step_in)));                              -- 016 oom_kills
    IF cardinality(res.refused) > 0 THEN
        RAISE EXCEPTION 'record refused: %', res.why[1] USING ERRCODE = 'check_violation';
    END IF;
    RETURN res.stored;
END
$$;

