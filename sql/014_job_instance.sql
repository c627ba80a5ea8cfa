-- SPDX-License-Identifier: GPL-2.0-or-later
-- 014: a job is an instance, not only an id.
--
-- Slurm reuses job ids: after its state is reset (StateSaveLocation lost or
-- cleared, FirstJobId again), after MaxJobId wraps, and for a requeued job,
-- which starts again under the same id. Keyed by (cluster, job_id) alone, a
-- second job with an id already stored collided with the first: its
-- complete records were refused (another user) or taken as the first job's.
--
-- A job instance is (cluster, job_id, job_start): the job's start time as
-- slurmctld gives it (job_info_t.start_time), which every node of the job
-- sees alike and which a requeue changes. The plugin asks slurmctld once a
-- job a node (spank_carbon(8), "THE JOB INSTANCE"); the job's environment,
-- which its user controls, is never read for it. Records without one
-- (stored before 014, spooled by an older plugin, or where slurmctld did not
-- answer) have job_start NULL on the way in and join the job id's latest
-- instance that began before they ended (the step's end, not its start: a
-- node's clock may lag slurmctld's); where there is none, the instance
-- '-infinity' ("unknown"), as every record stored before 014.

ALTER TYPE carbon.step_in ADD ATTRIBUTE job_start timestamptz;

ALTER TABLE carbon.step_energy
    ADD COLUMN job_start timestamptz NOT NULL DEFAULT '-infinity',
    DROP CONSTRAINT step_energy_pkey,
    ADD PRIMARY KEY (cluster, job_id, job_start, step, node);
ALTER TABLE carbon.job_total
    ADD COLUMN job_start timestamptz NOT NULL DEFAULT '-infinity',
    DROP CONSTRAINT job_total_pkey,
    ADD PRIMARY KEY (cluster, job_id, job_start);
ALTER TABLE carbon.job_hour
    ADD COLUMN job_start timestamptz NOT NULL DEFAULT '-infinity',
    DROP CONSTRAINT job_hour_pkey,
    ADD PRIMARY KEY (cluster, job_id, job_start, hour);
ALTER TABLE carbon.job_refresh_queue
    ADD COLUMN job_start timestamptz NOT NULL DEFAULT '-infinity';
DROP INDEX carbon.job_refresh_queue_job;
CREATE INDEX job_refresh_queue_job ON carbon.job_refresh_queue (cluster, job_id, job_start);

-- The view of 003, with the instance (a column added at the end).
CREATE OR REPLACE VIEW carbon.job_energy_hour WITH (security_invoker = true) AS
    SELECT s.cluster, s.job_id, s.step, s.node, s.user_name, s.project, s.tag,
           (h->>'hour')::timestamptz AS hour,
           (h->>'cpu_j')::float8 AS cpu_j, (h->>'dram_j')::float8 AS dram_j,
           (h->>'gpu_j')::float8 AS gpu_j, (h->>'other_j')::float8 AS other_j,
           s.job_start
    FROM carbon.step_energy s, jsonb_array_elements(s.hours) AS h
    WHERE s.hours IS NOT NULL;

DROP POLICY job_hour_own ON carbon.job_hour;
CREATE POLICY job_hour_own ON carbon.job_hour
    FOR SELECT TO carbon_user
    USING (EXISTS (SELECT FROM carbon.job_total t
                   WHERE t.cluster = job_hour.cluster AND t.job_id = job_hour.job_id
                         AND t.job_start = job_hour.job_start));

-- put_rows of 013 with the instance: the same checks, the same rule, per
-- job instance.
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
               END AS problem
        FROM unnest(p_rows) WITH ORDINALITY AS x(cluster, job_id, step, node, uid, user_name,
            account, project, tag, start_time, end_time, cpu_j, dram_j, gpu_j, other_j,
            samples, method, partial, job_cpu_j, job_dram_j, job_gpu_j, job_other_j,
            estimated_j, cpu_time_s, split, notes, hours, cpu_model, alloc_cpus, gpu_model,
            gpus, exit_status, job_start, n)
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
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus, exit_status)
        SELECT cluster, job_id, job_start, step, node, uid, user_name, nullif(account, ''),
               project, tag, start_time, end_time, cpu_j, dram_j, gpu_j, other_j,
               coalesce(samples, 0), method, partial, job_cpu_j, job_dram_j, job_gpu_j,
               job_other_j, coalesce(estimated_j, 0), cpu_time_s, split, notes, hours,
               cpu_model, alloc_cpus, gpu_model, gpus, exit_status
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

-- The 32-argument put_step of 013 builds a whole carbon.step_in: now with
-- the instance unknown (an old plugin's record).
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
        p_gpu_model, p_gpus, p_exit_status, NULL::timestamptz)::carbon.step_in)));
    IF cardinality(res.refused) > 0 THEN
        RAISE EXCEPTION 'record refused: %', res.why[1] USING ERRCODE = 'check_violation';
    END IF;
    RETURN res.stored;
END
$$;

-- Labels (013's rule) within the job instance.
CREATE OR REPLACE FUNCTION carbon.step_energy_take_labels()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF NEW.project IS NULL THEN
        SELECT s.project INTO NEW.project FROM carbon.step_energy s
        WHERE s.cluster = NEW.cluster AND s.job_id = NEW.job_id
              AND s.job_start = NEW.job_start AND s.uid = NEW.uid
              AND s.project IS NOT NULL
        ORDER BY s.start_time, s.step, s.node LIMIT 1;
    END IF;
    IF NEW.tag IS NULL THEN
        SELECT s.tag INTO NEW.tag FROM carbon.step_energy s
        WHERE s.cluster = NEW.cluster AND s.job_id = NEW.job_id
              AND s.job_start = NEW.job_start AND s.uid = NEW.uid
              AND s.tag IS NOT NULL
        ORDER BY s.start_time, s.step, s.node LIMIT 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION carbon.step_energy_give_labels()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;    -- the UPDATEs below fire this again
    END IF;
    UPDATE carbon.step_energy s SET project = n.project
    FROM (SELECT DISTINCT ON (cluster, job_id, job_start, uid)
                 cluster, job_id, job_start, uid, project FROM new_rows
          WHERE project IS NOT NULL
          ORDER BY cluster, job_id, job_start, uid, start_time, step, node) n
    WHERE s.cluster = n.cluster AND s.job_id = n.job_id AND s.job_start = n.job_start
          AND s.uid = n.uid AND s.project IS NULL AND s.partial;
    UPDATE carbon.step_energy s SET tag = n.tag
    FROM (SELECT DISTINCT ON (cluster, job_id, job_start, uid)
                 cluster, job_id, job_start, uid, tag FROM new_rows
          WHERE tag IS NOT NULL
          ORDER BY cluster, job_id, job_start, uid, start_time, step, node) n
    WHERE s.cluster = n.cluster AND s.job_id = n.job_id AND s.job_start = n.job_start
          AND s.uid = n.uid AND s.tag IS NULL AND s.partial;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION carbon.step_energy_totals()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO carbon.job_refresh_queue (cluster, job_id, job_start)
            SELECT DISTINCT cluster, job_id, job_start FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO carbon.job_refresh_queue (cluster, job_id, job_start)
            SELECT cluster, job_id, job_start FROM new_rows
            UNION SELECT cluster, job_id, job_start FROM old_rows;
    ELSE
        INSERT INTO carbon.job_refresh_queue (cluster, job_id, job_start)
            SELECT DISTINCT cluster, job_id, job_start FROM old_rows;
    END IF;
    RETURN NULL;
END
$$;

-- The refreshes of 011 and 013, by job instance.
DROP FUNCTION carbon.job_totals_catch_up();
DROP FUNCTION carbon.job_carbon_refresh_stale();
DROP FUNCTION carbon.job_totals_refresh(text[], bigint[]);
DROP FUNCTION carbon.job_carbon_refresh(text[], bigint[]);

CREATE FUNCTION carbon.job_totals_refresh(p_cluster text[], p_job_id bigint[],
                                          p_job_start timestamptz[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    PERFORM FROM carbon.refresh_lock FOR UPDATE;
    DELETE FROM carbon.job_hour h
        USING unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
        WHERE h.cluster = k.cluster AND h.job_id = k.job_id AND h.job_start = k.job_start;
    DELETE FROM carbon.job_total t
        USING unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
        WHERE t.cluster = k.cluster AND t.job_id = k.job_id AND t.job_start = k.job_start;
    INSERT INTO carbon.job_hour (cluster, job_id, job_start, hour, j)
        SELECT s.cluster, s.job_id, s.job_start, (h->>'hour')::timestamptz,
               sum((h->>'cpu_j')::float8 + (h->>'dram_j')::float8
                   + (h->>'gpu_j')::float8 + (h->>'other_j')::float8)
        FROM carbon.step_energy s
        JOIN unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
            ON k.cluster = s.cluster AND k.job_id = s.job_id AND k.job_start = s.job_start
        CROSS JOIN jsonb_array_elements(s.hours) AS h
        WHERE s.hours IS NOT NULL
        GROUP BY 1, 2, 3, 4;
    INSERT INTO carbon.job_total (cluster, job_id, job_start, user_name, project, tag,
                                  projects, tags, start_time, end_time, cpu_j, dram_j,
                                  gpu_j, other_j, hours_j, estimated_j, cpu_time_s,
                                  cpu_time_rows, measured, records, needs_records)
        SELECT s.cluster, s.job_id, s.job_start,
               (array_agg(s.user_name ORDER BY s.start_time, s.step, s.node))[1],
               (array_agg(s.project ORDER BY s.start_time, s.step, s.node)
                    FILTER (WHERE s.project IS NOT NULL))[1],
               (array_agg(s.tag ORDER BY s.start_time, s.step, s.node)
                    FILTER (WHERE s.tag IS NOT NULL))[1],
               coalesce(array_agg(DISTINCT s.project) FILTER (WHERE s.project IS NOT NULL),
                        '{}'),
               coalesce(array_agg(DISTINCT s.tag) FILTER (WHERE s.tag IS NOT NULL), '{}'),
               min(s.start_time), max(s.end_time),
               coalesce(sum(coalesce(s.job_cpu_j, 0)) FILTER (WHERE s.method <> 'none'), 0),
               coalesce(sum(coalesce(s.job_dram_j, 0)) FILTER (WHERE s.method <> 'none'), 0),
               coalesce(sum(coalesce(s.job_gpu_j, 0)) FILTER (WHERE s.method <> 'none'), 0),
               coalesce(sum(coalesce(s.job_other_j, 0)) FILTER (WHERE s.method <> 'none'), 0),
               coalesce((SELECT sum(h.j) FROM carbon.job_hour h
                         WHERE h.cluster = s.cluster AND h.job_id = s.job_id
                               AND h.job_start = s.job_start), 0),
               coalesce(sum(s.estimated_j) FILTER (WHERE s.method <> 'none'), 0),
               sum(s.cpu_time_s), count(s.cpu_time_s),
               bool_or(s.method <> 'none'), count(*),
               bool_or(s.job_cpu_j IS NULL) OR count(DISTINCT s.user_name) > 1
        FROM carbon.step_energy s
        JOIN unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
            ON k.cluster = s.cluster AND k.job_id = s.job_id AND k.job_start = s.job_start
        GROUP BY s.cluster, s.job_id, s.job_start;
END
$$;

CREATE FUNCTION carbon.job_carbon_refresh(p_cluster text[], p_job_id bigint[],
                                          p_job_start timestamptz[])
RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = carbon, pg_temp SET jit = off
AS $$
    UPDATE carbon.job_total t
    SET gpu_s = (
            SELECT sum(n.gpus * coalesce((SELECT sum(extract(epoch FROM upper(w) - lower(w)))
                                          FROM unnest(n.held) AS w), 0)::float8)
            FROM (SELECT max(s.gpus) AS gpus,
                         range_agg(tstzrange(s.start_time, greatest(s.start_time, s.end_time)))
                             FILTER (WHERE s.gpus > 0) AS held
                  FROM carbon.step_energy s
                  WHERE s.cluster = t.cluster AND s.job_id = t.job_id
                        AND s.job_start = t.job_start
                  GROUP BY s.node) n),
        (facility_kwh, co2e_kg) = (
            SELECT coalesce(sum(x.kwh * p.pue), 0),
                   coalesce(sum(x.kwh * p.pue * i.g_per_kwh / 1000.0), 0)
            FROM (SELECT h.hour AS at, h.j / 3600000.0 AS kwh
                  FROM carbon.job_hour h
                  WHERE h.cluster = t.cluster AND h.job_id = t.job_id
                        AND h.job_start = t.job_start
                  UNION ALL
                  SELECT t.start_time,
                         (t.cpu_j + t.dram_j + t.gpu_j + t.other_j - t.hours_j) / 3600000.0
                  WHERE (t.cpu_j + t.dram_j + t.gpu_j + t.other_j - t.hours_j) / 3600000.0
                        > 1e-12) x
            CROSS JOIN LATERAL carbon.pue_at(t.cluster, x.at, coalesce(cs.pue, 1.0)) p
            CROSS JOIN LATERAL carbon.intensity_at(cs.zone, x.at, cs.intensity) i
            WHERE t.measured),
        rate_gen = (SELECT gen FROM carbon.rate_generation),
        rate_pue = coalesce(cs.pue, 1.0), rate_zone = cs.zone, rate_fixed = cs.intensity
    FROM unnest(p_cluster, p_job_id, p_job_start) AS u(cluster, job_id, job_start)
    LEFT JOIN carbon.cluster_site cs ON cs.cluster = u.cluster
    WHERE t.cluster = u.cluster AND t.job_id = u.job_id AND t.job_start = u.job_start
$$;

CREATE FUNCTION carbon.job_totals_catch_up()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET lock_timeout = '10s'
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
    job_starts timestamptz[];
BEGIN
    IF NOT EXISTS (SELECT FROM carbon.job_refresh_queue) THEN
        RETURN 0;
    END IF;
    PERFORM FROM carbon.refresh_lock FOR UPDATE;
    WITH q AS (DELETE FROM carbon.job_refresh_queue RETURNING cluster, job_id, job_start)
    SELECT array_agg(cluster), array_agg(job_id), array_agg(job_start)
        INTO clusters, job_ids, job_starts
    FROM (SELECT DISTINCT cluster, job_id, job_start FROM q) d;
    IF clusters IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM carbon.job_totals_refresh(clusters, job_ids, job_starts);
    PERFORM carbon.job_carbon_refresh(clusters, job_ids, job_starts);
    RETURN cardinality(clusters);
END
$$;

CREATE FUNCTION carbon.job_carbon_refresh_stale()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
    job_starts timestamptz[];
BEGIN
    PERFORM carbon.job_totals_catch_up();
    SELECT array_agg(t.cluster), array_agg(t.job_id), array_agg(t.job_start)
        INTO clusters, job_ids, job_starts
        FROM carbon.job_total t
        WHERE t.rate_gen IS DISTINCT FROM (SELECT gen FROM carbon.rate_generation);
    IF clusters IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM carbon.job_carbon_refresh(clusters, job_ids, job_starts);
    RETURN cardinality(clusters);
END
$$;

REVOKE ALL ON FUNCTION carbon.job_totals_refresh(text[], bigint[], timestamptz[]),
    carbon.job_carbon_refresh(text[], bigint[], timestamptz[]),
    carbon.job_totals_catch_up(), carbon.job_carbon_refresh_stale() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.job_totals_catch_up() TO carbon_user, carbon_admin;
GRANT EXECUTE ON FUNCTION carbon.job_carbon_refresh_stale() TO carbon_admin;
