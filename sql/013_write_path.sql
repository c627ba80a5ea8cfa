-- SPDX-License-Identifier: GPL-2.0-or-later
-- 013: one write path, safe against its own inputs.
--
-- * One upsert, over a set of rows: carbon.put_steps(jsonb), for the
--   plugin's direct writes and for spool replay alike. It reads only its
--   argument and carbon's own tables. The merge_spool_in* family, which
--   read a temporary table the caller made (and so ran the caller's code
--   with the owner's rights), is dropped; the put_step forms of 003, 010
--   and 012 become thin wrappers, and the 18-argument form of 002 is
--   dropped: a plugin from before 003 gets "function carbon.put_step(...)
--   does not exist", spools its records, and a current carbon-report's
--   `spool flush` stores them.
-- * The record's fields are listed once, as the type carbon.step_in.
-- * The rule: a complete record replaces a partial one of the same step,
--   never the reverse; a later checkpoint replaces an earlier one; a
--   replacement never changes user_name or uid. Labels (project, tag) reach
--   the job's unlabelled partial records of the same uid, never labelled or
--   complete ones. Energies are finite and bounded (CHECKs). Refused rows
--   are reported by their place in the argument; no error names another
--   row's values.
-- * Nothing a participant can run holds a lock a writer needs: the queue of
--   jobs to refresh is append-only (no key to wait on), and the refresh is
--   serialised by a row of carbon.refresh_lock that no role may lock
--   outside carbon's functions (no advisory lock anyone could take).

-- The fields of a step record as writers send them: the names are the
-- columns of carbon.step_energy (the JSON keys of put_steps).
CREATE TYPE carbon.step_in AS (
    cluster     text,
    job_id      bigint,
    step        text,
    node        text,
    uid         bigint,
    user_name   text,
    account     text,
    project     text,
    tag         text,
    start_time  timestamptz,
    end_time    timestamptz,
    cpu_j       float8,
    dram_j      float8,
    gpu_j       float8,
    other_j     float8,
    samples     integer,
    method      text,
    partial     boolean,
    job_cpu_j   float8,
    job_dram_j  float8,
    job_gpu_j   float8,
    job_other_j float8,
    estimated_j float8,
    cpu_time_s  float8,
    split       text,
    notes       text,
    hours       jsonb,
    cpu_model   text,
    alloc_cpus  integer,
    gpu_model   text,
    gpus        integer,
    exit_status integer
);

-- The most energy one record may hold, in joules: 10^13 J is 2.8 GWh, a
-- 100 kW node for three years. An hour bucket is bounded the same way.
CREATE FUNCTION carbon.energy_ok(j float8)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT j IS NULL OR (j >= 0 AND j <= 1e13) $$;	-- NaN > every number

-- The table holds to the same bounds of energy, whoever writes (rows stored
-- before 013 are not re-checked: NOT VALID). The hour buckets are checked
-- where writers enter, in put_steps: the writer has no other way in.
ALTER TABLE carbon.step_energy
    ADD CONSTRAINT step_energy_bounded CHECK (
        carbon.energy_ok(cpu_j) AND carbon.energy_ok(dram_j) AND carbon.energy_ok(gpu_j)
        AND carbon.energy_ok(other_j) AND carbon.energy_ok(job_cpu_j)
        AND carbon.energy_ok(job_dram_j) AND carbon.energy_ok(job_gpu_j)
        AND carbon.energy_ok(job_other_j) AND carbon.energy_ok(estimated_j)) NOT VALID;

-- The upsert, the one place that writes records: p_rows, records of the
-- type carbon.step_in. stored: rows added, or partial rows replaced;
-- refused: the 1-based places of the rows refused, why: the reason of each.
-- Of several rows for one step in the same call, the complete one (else the
-- latest) is taken. It reads its argument and carbon's tables only: a caller
-- that builds the array from a table of its own (spool flush COPYs into a
-- temporary one) does so in its own query, with its own rights.
CREATE FUNCTION carbon.put_rows(p_rows carbon.step_in[],
                                OUT stored integer, OUT refused integer[], OUT why text[])
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET jit = off
AS $$
BEGIN
    -- The array's columns as they are (a composite column is taken apart
    -- again for each field read: quadratic in the fields).
    WITH r AS MATERIALIZED (
        -- Why a record is refused (NULL: it is fine); each hour bucket is
        -- checked apart, in bad_hours. The same bounds as the plugin's spool
        -- codec (lib/spool.c).
        SELECT x.n::integer AS ord, x.*,
               CASE
                   WHEN x.cluster IS NULL OR x.job_id IS NULL OR x.step IS NULL OR x.node IS NULL
                        OR x.uid IS NULL OR x.user_name IS NULL OR x.start_time IS NULL
                        OR x.end_time IS NULL OR x.method IS NULL OR x.partial IS NULL
                        OR x.cpu_j IS NULL OR x.dram_j IS NULL OR x.gpu_j IS NULL OR x.other_j IS NULL
                       THEN 'a required field is missing'
                   -- One regular expression a kind of field: names (printable ASCII
                   -- without spaces), labels, free text.
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
            gpus, exit_status, n)
    ), bad_hours AS (
        -- Each hour bucket: an object with an hour from 1970 to 2199 (the
        -- readers cast it to timestamptz) and four bounded energies. A
        -- bucket that is not even that (an hour that is no time, a number
        -- beyond float8) fails the whole call: only a forged call can
        -- hold one, the spool's codec writes none.
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
        SELECT DISTINCT ON (cluster, job_id, step, node) r.*
        FROM r
        WHERE r.problem IS NULL AND NOT EXISTS (SELECT FROM bad_hours b WHERE b.ord = r.ord)
        ORDER BY cluster, job_id, step, node, partial, end_time DESC
    ), up AS (
        INSERT INTO carbon.step_energy AS s
            (cluster, job_id, step, node, uid, user_name, account, project, tag,
             start_time, end_time, cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
             job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,
             split, notes, hours, cpu_model, alloc_cpus, gpu_model, gpus, exit_status)
        SELECT cluster, job_id, step, node, uid, user_name, nullif(account, ''), project, tag,
               start_time, end_time, cpu_j, dram_j, gpu_j, other_j, coalesce(samples, 0),
               method, partial, job_cpu_j, job_dram_j, job_gpu_j, job_other_j,
               coalesce(estimated_j, 0), cpu_time_s, split, notes, hours, cpu_model,
               alloc_cpus, gpu_model, gpus, exit_status
        FROM ok
        ON CONFLICT (cluster, job_id, step, node) DO UPDATE SET
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
    -- Say what went wrong without the DETAIL of a constraint, which would
    -- show a row's values (another job's labels among them).
    RAISE EXCEPTION 'carbon.put_rows: %', SQLERRM USING ERRCODE = SQLSTATE;
END
$$;
REVOKE ALL ON FUNCTION carbon.put_rows(carbon.step_in[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.put_rows(carbon.step_in[]) TO carbon_writer, carbon_admin;

-- The same for records as a JSON array of objects keyed by the fields of
-- carbon.step_in (a missing key is NULL): the plugin's form.
CREATE FUNCTION carbon.put_steps(p_rows jsonb,
                                 OUT stored integer, OUT refused integer[], OUT why text[])
LANGUAGE plpgsql
SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF jsonb_typeof(p_rows) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'carbon.put_steps takes a JSON array of step records'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO stored, refused, why FROM carbon.put_rows(ARRAY(
        SELECT x FROM jsonb_populate_recordset(NULL::carbon.step_in, p_rows) AS x));
END
$$;
REVOKE ALL ON FUNCTION carbon.put_steps(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.put_steps(jsonb) TO carbon_writer, carbon_admin;

-- The older put_step forms: one record through put_steps; a refused record
-- is an error, as a CHECK was before.
DROP FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb,
    text, integer, text, integer, integer);
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
        p_gpu_model, p_gpus, p_exit_status)::carbon.step_in)));
    IF cardinality(res.refused) > 0 THEN
        RAISE EXCEPTION 'record refused: %', res.why[1] USING ERRCODE = 'check_violation';
    END IF;
    RETURN res.stored;
END
$$;

DROP FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb,
    text, integer, text, integer);
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
LANGUAGE sql
SET search_path = carbon, pg_temp
AS $$
    SELECT carbon.put_step(p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name,
        p_account, p_project, p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j,
        p_gpu_j, p_other_j, p_samples, p_method, p_partial, p_job_cpu_j, p_job_dram_j,
        p_job_gpu_j, p_job_other_j, p_estimated_j, p_cpu_time_s, p_split, p_notes,
        p_hours, p_cpu_model, p_alloc_cpus, p_gpu_model, p_gpus, NULL::integer)
$$;

DROP FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean, float8, float8, float8, float8, float8, float8, text, text, jsonb);
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
LANGUAGE sql
SET search_path = carbon, pg_temp
AS $$
    SELECT carbon.put_step(p_cluster, p_job_id, p_step, p_node, p_uid, p_user_name,
        p_account, p_project, p_tag, p_start_time, p_end_time, p_cpu_j, p_dram_j,
        p_gpu_j, p_other_j, p_samples, p_method, p_partial, p_job_cpu_j, p_job_dram_j,
        p_job_gpu_j, p_job_other_j, p_estimated_j, p_cpu_time_s, p_split, p_notes,
        p_hours, NULL::text, NULL::integer, NULL::text, NULL::integer, NULL::integer)
$$;

-- The put_step wrappers run with the caller's rights (put_steps checks who
-- may write); only those who may call put_steps may call them.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'carbon'::regnamespace AND p.proname = 'put_step' LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO carbon_writer, carbon_admin', f);
    END LOOP;
END
$$;

DROP FUNCTION carbon.put_step(text, bigint, text, text, bigint, text, text,
    text, text, timestamptz, timestamptz, float8, float8, float8, float8, integer,
    text, boolean);
DROP FUNCTION carbon.merge_spool_in();
DROP FUNCTION carbon.merge_spool_in3();
DROP FUNCTION carbon.merge_spool_in4();
DROP FUNCTION carbon.merge_spool_in5();

-- Labels: a new record takes the project and tag of its job's records of
-- the same uid; a labelled record gives them only to the job's unlabelled
-- partial records of the same uid. A complete or labelled record is never
-- rewritten.
CREATE OR REPLACE FUNCTION carbon.step_energy_take_labels()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF NEW.project IS NULL THEN
        SELECT s.project INTO NEW.project FROM carbon.step_energy s
        WHERE s.cluster = NEW.cluster AND s.job_id = NEW.job_id AND s.uid = NEW.uid
              AND s.project IS NOT NULL
        ORDER BY s.start_time, s.step, s.node LIMIT 1;
    END IF;
    IF NEW.tag IS NULL THEN
        SELECT s.tag INTO NEW.tag FROM carbon.step_energy s
        WHERE s.cluster = NEW.cluster AND s.job_id = NEW.job_id AND s.uid = NEW.uid
              AND s.tag IS NOT NULL
        ORDER BY s.start_time, s.step, s.node LIMIT 1;
    END IF;
    RETURN NEW;
END
$$;

-- Fired only for a record that lacks a label (a trigger's WHEN costs no
-- call): a flush of labelled records pays nothing for it.
DROP TRIGGER step_energy_take_labels ON carbon.step_energy;
CREATE TRIGGER step_energy_take_labels BEFORE INSERT OR UPDATE OF project, tag
    ON carbon.step_energy FOR EACH ROW
    WHEN (NEW.project IS NULL OR NEW.tag IS NULL)
    EXECUTE FUNCTION carbon.step_energy_take_labels();

CREATE OR REPLACE FUNCTION carbon.step_energy_give_labels()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;    -- the UPDATEs below fire this again
    END IF;
    UPDATE carbon.step_energy s SET project = n.project
    FROM (SELECT DISTINCT ON (cluster, job_id, uid) cluster, job_id, uid, project FROM new_rows
          WHERE project IS NOT NULL ORDER BY cluster, job_id, uid, start_time, step, node) n
    WHERE s.cluster = n.cluster AND s.job_id = n.job_id AND s.uid = n.uid
          AND s.project IS NULL AND s.partial;
    UPDATE carbon.step_energy s SET tag = n.tag
    FROM (SELECT DISTINCT ON (cluster, job_id, uid) cluster, job_id, uid, tag FROM new_rows
          WHERE tag IS NOT NULL ORDER BY cluster, job_id, uid, start_time, step, node) n
    WHERE s.cluster = n.cluster AND s.job_id = n.job_id AND s.uid = n.uid
          AND s.tag IS NULL AND s.partial;
    RETURN NULL;
END
$$;

-- The queue of jobs to refresh: append-only. A writer's insert has no key
-- to wait on, whatever a report holds open.
ALTER TABLE carbon.job_refresh_queue DROP CONSTRAINT job_refresh_queue_pkey;
CREATE INDEX job_refresh_queue_job ON carbon.job_refresh_queue (cluster, job_id);

CREATE OR REPLACE FUNCTION carbon.step_energy_totals()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO carbon.job_refresh_queue
            SELECT DISTINCT cluster, job_id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO carbon.job_refresh_queue
            SELECT cluster, job_id FROM new_rows
            UNION SELECT cluster, job_id FROM old_rows;
    ELSE
        INSERT INTO carbon.job_refresh_queue
            SELECT DISTINCT cluster, job_id FROM old_rows;
    END IF;
    RETURN NULL;
END
$$;

-- One refresh at a time, by a row lock that only carbon's functions take
-- (no role has UPDATE on this table): writers never take it.
CREATE TABLE carbon.refresh_lock (
    one boolean PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO carbon.refresh_lock VALUES (true);

-- job_totals_refresh of 008, serialised by that row instead of an
-- advisory lock any role could take.
CREATE OR REPLACE FUNCTION carbon.job_totals_refresh(p_cluster text[], p_job_id bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    PERFORM FROM carbon.refresh_lock FOR UPDATE;
    DELETE FROM carbon.job_hour h
        USING unnest(p_cluster, p_job_id) AS k(cluster, job_id)
        WHERE h.cluster = k.cluster AND h.job_id = k.job_id;
    DELETE FROM carbon.job_total t
        USING unnest(p_cluster, p_job_id) AS k(cluster, job_id)
        WHERE t.cluster = k.cluster AND t.job_id = k.job_id;
    INSERT INTO carbon.job_hour (cluster, job_id, hour, j)
        SELECT s.cluster, s.job_id, (h->>'hour')::timestamptz,
               sum((h->>'cpu_j')::float8 + (h->>'dram_j')::float8
                   + (h->>'gpu_j')::float8 + (h->>'other_j')::float8)
        FROM carbon.step_energy s
        JOIN unnest(p_cluster, p_job_id) AS k(cluster, job_id)
            ON k.cluster = s.cluster AND k.job_id = s.job_id
        CROSS JOIN jsonb_array_elements(s.hours) AS h
        WHERE s.hours IS NOT NULL
        GROUP BY 1, 2, 3;
    INSERT INTO carbon.job_total
        SELECT s.cluster, s.job_id,
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
                         WHERE h.cluster = s.cluster AND h.job_id = s.job_id), 0),
               coalesce(sum(s.estimated_j) FILTER (WHERE s.method <> 'none'), 0),
               sum(s.cpu_time_s), count(s.cpu_time_s),
               bool_or(s.method <> 'none'), count(*),
               bool_or(s.job_cpu_j IS NULL) OR count(DISTINCT s.user_name) > 1
        FROM carbon.step_energy s
        JOIN unnest(p_cluster, p_job_id) AS k(cluster, job_id)
            ON k.cluster = s.cluster AND k.job_id = s.job_id
        GROUP BY s.cluster, s.job_id;
END
$$;

-- Catch up the noted jobs. Waits at most 10 s for another report's catch-up
-- (a report then adds up the records itself); a writer never waits on it.
CREATE OR REPLACE FUNCTION carbon.job_totals_catch_up()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET lock_timeout = '10s'
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
BEGIN
    IF NOT EXISTS (SELECT FROM carbon.job_refresh_queue) THEN
        RETURN 0;
    END IF;
    PERFORM FROM carbon.refresh_lock FOR UPDATE;
    WITH q AS (DELETE FROM carbon.job_refresh_queue RETURNING cluster, job_id)
    SELECT array_agg(cluster), array_agg(job_id) INTO clusters, job_ids
    FROM (SELECT DISTINCT cluster, job_id FROM q) d;
    IF clusters IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM carbon.job_totals_refresh(clusters, job_ids);
    PERFORM carbon.job_carbon_refresh(clusters, job_ids);
    RETURN cardinality(clusters);
END
$$;
