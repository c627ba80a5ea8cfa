-- SPDX-License-Identifier: GPL-2.0-or-later
-- 018: the record's fields are listed once in SQL, as they are once in C.
--
-- carbon.step_in (013, with the attributes later migrations added) is the
-- one list. carbon.put_rows took it apart by hand four times over (the
-- array's columns, the columns it reads, the INSERT and the ON CONFLICT
-- update), and each new field meant copying the whole function (014, 016
-- and 017 did). Now carbon.make_put_rows() writes put_rows from the type's
-- attributes; put_rows's text below names only what is particular to a
-- field: its checks, the instance rule (job_start), the defaults of three
-- fields, and the identity a replacement never changes. A migration that
-- adds a field to a record is then: ALTER TYPE carbon.step_in ADD
-- ATTRIBUTE, ALTER TABLE carbon.step_energy ADD COLUMN, any check of its
-- own in the CASE below, and SELECT carbon.make_put_rows(). The function it
-- makes is 017's, statement for statement.

CREATE FUNCTION carbon.make_put_rows()
RETURNS void
LANGUAGE plpgsql
SET search_path = carbon, pg_catalog, pg_temp
AS $make$
DECLARE
    cols text[];
    -- Written by the INSERT as other than themselves.
    stored_as constant jsonb := jsonb_build_object(
        'account', 'nullif(account, '''')',
        'samples', 'coalesce(samples, 0)',
        'estimated_j', 'coalesce(estimated_j, 0)');
    -- The step's key and who it is: never changed by a replacement.
    kept constant text[] := ARRAY['cluster', 'job_id', 'job_start', 'step', 'node',
                                  'uid', 'user_name'];
BEGIN
    SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO cols
    FROM pg_attribute a
    WHERE a.attrelid = 'carbon.step_in'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format($fn$
CREATE OR REPLACE FUNCTION carbon.put_rows(p_rows carbon.step_in[],
                                           OUT stored integer, OUT refused integer[],
                                           OUT why text[])
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET jit = off SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    WITH r AS MATERIALIZED (
        SELECT x.n::integer AS ord, %1$s,
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
                   -- chars_ok stands for the three regular expressions below
                   -- but for the emptiness the first two also test.
                   WHEN NOT ((x.chars_ok
                              OR concat_ws(E'\t', x.cluster, x.step, x.node, x.user_name, x.method,
                                           coalesce(nullif(x.account, ''), '-'), coalesce(x.split, '-'))
                                     ~ '^[!-~]+(\t[!-~]+){6}$')
                             AND x.cluster <> '' AND x.step <> '' AND x.node <> ''
                             AND x.user_name <> '' AND x.method <> '' AND coalesce(x.split <> '', true)
                             AND length(x.cluster) <= 127 AND length(x.step) <= 15
                             AND length(x.node) <= 127 AND length(x.user_name) <= 63
                             AND length(x.method) <= 63 AND coalesce(length(x.account), 0) <= 127
                             AND coalesce(length(x.split), 0) <= 31)
                       THEN 'a name holds characters other than printable ASCII, or is too long'
                   WHEN (x.project IS NOT NULL OR x.tag IS NOT NULL)
                        AND NOT ((x.chars_ok
                                  OR concat(coalesce(x.project, '-'), E'\t', coalesce(x.tag, '-'))
                                         ~ '^[A-Za-z0-9._:+/-]{1,64}\t[A-Za-z0-9._:+/-]{1,64}$')
                                 AND coalesce(length(x.project) BETWEEN 1 AND 64, true)
                                 AND coalesce(length(x.tag) BETWEEN 1 AND 64, true))
                       THEN 'project and tag must be 1 to 64 characters of [A-Za-z0-9._:+/-]'
                   WHEN NOT ((x.chars_ok OR concat(x.notes, x.cpu_model, x.gpu_model) ~ '^[ -~]*$')
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
                   WHEN x.oom_kills < 0 OR x.oom_kills > 4294967295
                       THEN 'oom_kills must be a count >= 0'
               END AS problem
        -- chars_ok: every character of each text field is one of its
        -- class (names [!-~], labels [A-Za-z0-9._:+/-], free text [ -~]).
        -- OFFSET 0: computed once a record, not at each use.
        FROM (SELECT u.*,
                     concat(u.cluster, u.step, u.node, u.user_name, u.method, u.account, u.split,
                            E'\x01', u.project, u.tag, E'\x02', u.notes, u.cpu_model, u.gpu_model)
                         ~ '^[!-~]*\x01[A-Za-z0-9._:+/-]*\x02[ -~]*$' AS chars_ok
              FROM unnest(p_rows) WITH ORDINALITY AS u(%2$s, n)
              OFFSET 0) x
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
        INSERT INTO carbon.step_energy AS s (%2$s)
        SELECT %3$s
        FROM ok
        ON CONFLICT (cluster, job_id, job_start, step, node) DO UPDATE SET
            %4$s,
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
    RAISE EXCEPTION 'carbon.put_rows: %%', SQLERRM USING ERRCODE = SQLSTATE;
END
$$
$fn$,
        -- 1: the columns read from the array (job_start is resolved apart)
        (SELECT string_agg('x.' || c, ', ' ORDER BY o)
         FROM unnest(cols) WITH ORDINALITY AS t(c, o) WHERE c <> 'job_start'),
        -- 2: the type's attributes in order: the array's columns, the INSERT's
        array_to_string(cols, ', '),
        -- 3: what the INSERT writes for each
        (SELECT string_agg(coalesce(stored_as ->> c, c), ', ' ORDER BY o)
         FROM unnest(cols) WITH ORDINALITY AS t(c, o)),
        -- 4: what a replacement updates
        (SELECT string_agg(c || ' = EXCLUDED.' || c, ', ' ORDER BY o)
         FROM unnest(cols) WITH ORDINALITY AS t(c, o) WHERE c <> ALL (kept)));
END
$make$;
REVOKE ALL ON FUNCTION carbon.make_put_rows() FROM PUBLIC;

SELECT carbon.make_put_rows();
