-- SPDX-License-Identifier: GPL-2.0-or-later
-- The rules of a job's figures, each written once: what its records add up
-- to, its GPU-seconds, its energy by hour, and its carbon (each hour at its
-- PUE x intensity). carbon-report's commands call these and only render what
-- they return; carbon.job_total and carbon.job_hour (sql/008, 011, 014),
-- which summary and track add up, are filled by them too.
--
-- Re-applied by every `carbon-report db init` and `db upgrade` after the
-- migrations, in one transaction: each statement replaces a function and
-- changes no data (a changed signature: DROP FUNCTION IF EXISTS first).
-- The refreshes of job_total below replace the migrations' own (014's) here
-- rather than in a migration: a migration that recomputes data when it is
-- applied (an upgrade from an old schema) then runs the refreshes as they
-- stood at that point, which need nothing of this file.
--
-- A job instance is (cluster, job_id, job_start) (sql/014); the functions
-- take the instances as three arrays of the same length. The rules run
-- with the caller's rights: row-level security decides which records they
-- see, as it does for the caller's own queries. The LANGUAGE sql ones have
-- no SET clause, so that the planner inlines them into the calling query.

-- The records of the job instances (those of p_user only, unless NULL),
-- each with the share of its energy that its job's totals count, counted
-- (0..1), and that share per domain (cpu_j .. other_j, J; 0 for a record
-- without counters):
--   * a record of the measurement engine (job_cpu_j not NULL, sql/003)
--     holds the job's share it charged, and on each node one record at a
--     time charges it: counted 1, its job_*_j;
--   * a record from before (the whole node's energy over its window) counts
--     the part of its window that no earlier such record on its node
--     covers, taking them by start, the longer first on a tie, then by step:
--     the batch step counts whole and the srun steps nested in it not, with
--     constant power within a step. A window of zero length counts whole
--     unless an earlier one covers it;
--   * a record without counters (method 'none') covers nothing; counted 0,
--     or 1 where it holds a job share (of 0 J).
CREATE OR REPLACE FUNCTION carbon.job_step_shares(p_cluster text[], p_job_id bigint[],
                                                  p_job_start timestamptz[],
                                                  p_user text DEFAULT NULL)
RETURNS TABLE (cluster text, job_id bigint, job_start timestamptz, step text, node text,
               user_name text, project text, tag text, start_time timestamptz,
               end_time timestamptz, method text, measured boolean, has_job boolean,
               counted float8, cpu_j float8, dram_j float8, gpu_j float8, other_j float8,
               estimated_j float8, cpu_time_s float8, gpus integer)
LANGUAGE sql STABLE
AS $$
    SELECT s.cluster, s.job_id, s.job_start, s.step, s.node, s.user_name, s.project, s.tag,
           s.start_time, s.end_time, s.method, s.method <> 'none', s.job_cpu_j IS NOT NULL,
           CASE WHEN s.job_cpu_j IS NOT NULL THEN 1.0 ELSE coalesce(u.counted, 0.0) END,
           CASE WHEN s.method = 'none' THEN 0.0
                WHEN s.job_cpu_j IS NOT NULL THEN s.job_cpu_j ELSE s.cpu_j * u.counted END,
           CASE WHEN s.method = 'none' THEN 0.0
                WHEN s.job_cpu_j IS NOT NULL THEN coalesce(s.job_dram_j, 0)
                ELSE s.dram_j * u.counted END,
           CASE WHEN s.method = 'none' THEN 0.0
                WHEN s.job_cpu_j IS NOT NULL THEN coalesce(s.job_gpu_j, 0)
                ELSE s.gpu_j * u.counted END,
           CASE WHEN s.method = 'none' THEN 0.0
                WHEN s.job_cpu_j IS NOT NULL THEN coalesce(s.job_other_j, 0)
                ELSE s.other_j * u.counted END,
           s.estimated_j, s.cpu_time_s, s.gpus
    FROM carbon.step_energy s
    JOIN unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
        ON s.cluster = k.cluster AND s.job_id = k.job_id AND s.job_start = k.job_start
    LEFT JOIN (
        -- The union rule over the records from before 003, in seconds
        -- (a: start, b: end, c: the end of what earlier ones cover).
        SELECT w.cluster, w.job_id, w.job_start, w.step, w.node,
               CASE WHEN w.b - w.a <= 0
                    THEN CASE WHEN w.c IS NOT NULL AND w.a < w.c THEN 0.0 ELSE 1.0 END
                    WHEN greatest(w.a, coalesce(w.c, w.a)) >= w.b THEN 0.0
                    ELSE (w.b - greatest(w.a, coalesce(w.c, w.a))) / (w.b - w.a)
               END AS counted
        FROM (SELECT o.cluster, o.job_id, o.job_start, o.step, o.node,
                     extract(epoch FROM o.start_time)::float8 AS a,
                     extract(epoch FROM o.end_time)::float8 AS b,
                     max(extract(epoch FROM o.end_time)::float8) OVER (
                         PARTITION BY o.cluster, o.job_id, o.job_start, o.node
                         ORDER BY o.start_time, o.end_time DESC, o.step
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS c
              FROM carbon.step_energy o
              JOIN unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
                  ON o.cluster = k.cluster AND o.job_id = k.job_id
                     AND o.job_start = k.job_start
              WHERE o.job_cpu_j IS NULL AND o.method <> 'none'
                    AND (p_user IS NULL OR o.user_name = p_user)) w
    ) u ON s.job_cpu_j IS NULL AND u.cluster = s.cluster AND u.job_id = s.job_id
           AND u.job_start = s.job_start AND u.step = s.step AND u.node = s.node
    WHERE p_user IS NULL OR s.user_name = p_user
$$;

-- What the records of each job instance add up to (those of p_user only,
-- unless NULL): the columns of carbon.job_total, energies in J. The first
-- record (by start, step, node) gives the user; the first that has one the
-- project and the tag. gpu_s: on each node, the most GPUs a record held x
-- the union of the windows of the records that held GPUs (a batch step and
-- an srun step inside it that see the same GPUs count once), summed over
-- nodes; NULL where no record says how many GPUs it held. needs_records:
-- records of more than one user (a report filtered by user adds up only
-- that user's), or a record from before 003.
CREATE OR REPLACE FUNCTION carbon.job_totals_of(p_cluster text[], p_job_id bigint[],
                                                p_job_start timestamptz[],
                                                p_user text DEFAULT NULL)
RETURNS TABLE (cluster text, job_id bigint, job_start timestamptz, user_name text,
               project text, tag text, projects text[], tags text[],
               start_time timestamptz, end_time timestamptz, cpu_j float8, dram_j float8,
               gpu_j float8, other_j float8, estimated_j float8, cpu_time_s float8,
               cpu_time_rows integer, measured boolean, records integer,
               needs_records boolean, gpu_s float8)
LANGUAGE sql STABLE
AS $$
    -- Each node's GPU-seconds on its first record (by windows over the
    -- node's records, so that nothing joins two derived sets).
    SELECT r.cluster, r.job_id, r.job_start,
           (array_agg(r.user_name ORDER BY r.start_time, r.step, r.node))[1],
           (array_agg(r.project ORDER BY r.start_time, r.step, r.node)
                FILTER (WHERE r.project IS NOT NULL))[1],
           (array_agg(r.tag ORDER BY r.start_time, r.step, r.node)
                FILTER (WHERE r.tag IS NOT NULL))[1],
           coalesce(array_agg(DISTINCT r.project) FILTER (WHERE r.project IS NOT NULL), '{}'),
           coalesce(array_agg(DISTINCT r.tag) FILTER (WHERE r.tag IS NOT NULL), '{}'),
           min(r.start_time), max(r.end_time),
           sum(r.cpu_j), sum(r.dram_j), sum(r.gpu_j), sum(r.other_j),
           coalesce(sum(r.estimated_j) FILTER (WHERE r.measured), 0),
           sum(r.cpu_time_s), count(r.cpu_time_s)::integer,
           bool_or(r.measured), count(*)::integer,
           bool_or(NOT r.has_job) OR count(DISTINCT r.user_name) > 1,
           sum(r.node_gpus * coalesce((SELECT sum(extract(epoch FROM upper(w) - lower(w)))
                                       FROM unnest(r.node_held) AS w), 0)::float8)
               FILTER (WHERE r.node_first)
    FROM (SELECT x.*,
                 max(x.gpus) OVER n AS node_gpus,
                 range_agg(tstzrange(x.start_time, greatest(x.start_time, x.end_time)))
                     FILTER (WHERE x.gpus > 0) OVER n AS node_held,
                 row_number() OVER (PARTITION BY x.cluster, x.job_id, x.job_start, x.node) = 1
                     AS node_first
          FROM carbon.job_step_shares(p_cluster, p_job_id, p_job_start, p_user) x
          WINDOW n AS (PARTITION BY x.cluster, x.job_id, x.job_start, x.node)) r
    GROUP BY r.cluster, r.job_id, r.job_start
$$;

-- The energy of each job instance by UTC hour, J: all its records' hour
-- buckets (sql/003), whoever's they are.
CREATE OR REPLACE FUNCTION carbon.job_hours_of(p_cluster text[], p_job_id bigint[],
                                               p_job_start timestamptz[])
RETURNS TABLE (cluster text, job_id bigint, job_start timestamptz, hour timestamptz,
               j float8)
LANGUAGE sql STABLE
AS $$
    SELECT s.cluster, s.job_id, s.job_start, (h->>'hour')::timestamptz,
           sum((h->>'cpu_j')::float8 + (h->>'dram_j')::float8
               + (h->>'gpu_j')::float8 + (h->>'other_j')::float8)
    FROM carbon.step_energy s
    JOIN unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
        ON k.cluster = s.cluster AND k.job_id = s.job_id AND k.job_start = s.job_start
    CROSS JOIN jsonb_array_elements(s.hours) AS h
    WHERE s.hours IS NOT NULL
    GROUP BY 1, 2, 3, 4
$$;

-- The settings a report uses for a cluster: the reporter's own carbon.conf
-- (p_own_config: it has one) speaks for every site; else the cluster's
-- recorded settings (sql/006), and the reporter's where the cluster has
-- none. p_zone and p_fixed NULL: not set.
CREATE OR REPLACE FUNCTION carbon.report_site(p_cluster text, p_pue float8, p_zone text,
                                              p_fixed float8, p_own_config boolean)
RETURNS TABLE (pue float8, zone text, fixed float8)
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN p_own_config THEN p_pue ELSE coalesce(cs.pue, p_pue) END,
           coalesce(p_zone, cs.zone),
           CASE WHEN p_own_config OR p_fixed IS NOT NULL THEN p_fixed ELSE cs.intensity END
    FROM (SELECT) AS one
    LEFT JOIN carbon.cluster_site cs ON cs.cluster = p_cluster
$$;

-- The settings the carbon stored in carbon.job_total is computed with:
-- the cluster's recorded ones, PUE 1.0 where it has none (carbon.conf's
-- default), as a report without a carbon.conf of its own.
CREATE OR REPLACE FUNCTION carbon.stored_site(p_cluster text)
RETURNS TABLE (pue float8, zone text, fixed float8)
LANGUAGE sql STABLE
AS $$
    SELECT * FROM carbon.report_site(p_cluster, 1.0, NULL, NULL, false)
$$;

-- The parts of each job instance's energy for a report with these
-- settings (carbon.report_site), each at its PUE and intensity: each hour
-- bucket's energy at the PUE of its hour's period and the intensity of that
-- hour (sql/005); the energy without buckets (records from before 003), or
-- all of it where a job has no bucket, at the job's start (rest). A job
-- without counters has no bucket, and its rest is 0 J. Each distinct
-- (cluster, hour) is resolved once. The energy is the records'
-- (carbon.job_totals_of, for p_user as there, and carbon.job_hours_of), or
-- with p_stored what carbon.job_total and job_hour hold of it.
--   facility_kwh  kWh x PUE;  co2e_kg  kWh x PUE x g/kWh / 1000
CREATE OR REPLACE FUNCTION carbon.job_energy_parts(p_cluster text[], p_job_id bigint[],
                                                   p_job_start timestamptz[], p_user text,
                                                   p_stored boolean, p_pue float8,
                                                   p_zone text, p_fixed float8,
                                                   p_own_config boolean)
RETURNS TABLE (cluster text, job_id bigint, job_start timestamptz, at timestamptz,
               rest boolean, it_j float8, facility_kwh float8, co2e_kg float8,
               g_per_kwh float8, level text, dataset text, year integer, zone text,
               resolution text, licence text)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET jit = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- Sets are put together by UNION ALL and windows, never joined: the
    -- planner cannot tell their sizes, and a nested loop over two of them
    -- takes quadratic time.
    WITH j AS MATERIALIZED (    -- the jobs: IT energy, J, start, counters
        SELECT t.cluster, t.job_id, t.job_start, t.start_time, t.measured,
               t.cpu_j + t.dram_j + t.gpu_j + t.other_j AS it_j
        FROM unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
        JOIN carbon.job_total t
            ON t.cluster = k.cluster AND t.job_id = k.job_id AND t.job_start = k.job_start
        WHERE p_stored
        UNION ALL
        SELECT t.cluster, t.job_id, t.job_start, t.start_time, t.measured,
               t.cpu_j + t.dram_j + t.gpu_j + t.other_j
        FROM carbon.job_totals_of(p_cluster, p_job_id, p_job_start, p_user) t
        WHERE NOT p_stored
    ), u AS (                   -- a row per job, and one per hour bucket
        SELECT j.cluster, j.job_id, j.job_start, true AS is_job, j.start_time AS at,
               j.measured, j.it_j, NULL::float8 AS j
        FROM j
        UNION ALL
        SELECT x.cluster, x.job_id, x.job_start, false, x.hour, NULL, NULL, x.j
        FROM unnest(p_cluster, p_job_id, p_job_start) AS k(cluster, job_id, job_start)
        JOIN carbon.job_hour x
            ON x.cluster = k.cluster AND x.job_id = k.job_id AND x.job_start = k.job_start
        WHERE p_stored
        UNION ALL
        SELECT x.cluster, x.job_id, x.job_start, false, x.hour, NULL, NULL, x.j
        FROM carbon.job_hours_of(p_cluster, p_job_id, p_job_start) x
        WHERE NOT p_stored
    ), v AS (
        SELECT u.*, bool_or(u.measured) OVER w AS job_measured, max(u.it_j) OVER w AS job_it_j,
               coalesce(sum(u.j) OVER w, 0) AS hours_j, count(u.j) OVER w AS n_hours
        FROM u WINDOW w AS (PARTITION BY u.cluster, u.job_id, u.job_start)
    ), part AS MATERIALIZED (   -- hour buckets of jobs with counters, and the rest
        SELECT v.cluster, v.job_id, v.job_start, v.at, v.j, false AS rest, v.job_it_j
        FROM v WHERE NOT v.is_job AND v.job_measured
        UNION ALL
        SELECT v.cluster, v.job_id, v.job_start, v.at,
               CASE WHEN v.measured THEN greatest(v.it_j - v.hours_j, 0) ELSE v.it_j END,
               true, v.it_j
        FROM v
        WHERE v.is_job AND (NOT v.measured OR v.n_hours = 0
                            OR (v.it_j - v.hours_j) / 3600000.0 > 1e-12)
    ), rate AS (                -- each distinct (cluster, hour) resolved once
        SELECT c.cluster, c.at, p.pue, i.g_per_kwh, i.level, i.dataset,
               coalesce(i.year, 0) AS year, coalesce(i.zone, '') AS zone, i.resolution,
               coalesce(i.licence, '') AS licence
        FROM (SELECT DISTINCT part.cluster, part.at FROM part) c
        CROSS JOIN LATERAL carbon.report_site(c.cluster, p_pue, p_zone, p_fixed,
                                              p_own_config) s
        CROSS JOIN LATERAL carbon.pue_at(c.cluster, c.at, s.pue) p
        CROSS JOIN LATERAL carbon.intensity_at(s.zone, c.at, s.fixed) i
    ), pr AS (                  -- each part with its hour's rate
        SELECT q.*, max(q.r_pue) OVER a AS pue, max(q.r_g) OVER a AS g_per_kwh,
               max(q.r_level) OVER a AS level, max(q.r_dataset) OVER a AS dataset,
               max(q.r_year) OVER a AS year, max(q.r_zone) OVER a AS zone,
               max(q.r_resolution) OVER a AS resolution, max(q.r_licence) OVER a AS licence
        FROM (SELECT part.cluster, part.at, part.job_id, part.job_start, part.j, part.rest,
                     part.job_it_j, NULL::float8 AS r_pue, NULL::float8 AS r_g,
                     NULL::text AS r_level, NULL::text AS r_dataset, NULL::integer AS r_year,
                     NULL::text AS r_zone, NULL::text AS r_resolution, NULL::text AS r_licence
              FROM part
              UNION ALL
              SELECT rate.cluster, rate.at, NULL, NULL, NULL, NULL, NULL, rate.pue,
                     rate.g_per_kwh, rate.level, rate.dataset, rate.year, rate.zone,
                     rate.resolution, rate.licence
              FROM rate) q
        WINDOW a AS (PARTITION BY q.cluster, q.at)
    )
    SELECT pr.cluster, pr.job_id, pr.job_start, pr.at, pr.rest, pr.job_it_j,
           pr.j / 3600000.0 * pr.pue, pr.j / 3600000.0 * pr.pue * pr.g_per_kwh / 1000.0,
           pr.g_per_kwh, pr.level, pr.dataset, pr.year, pr.zone, pr.resolution, pr.licence
    FROM pr
    WHERE pr.job_id IS NOT NULL;
END
$$;

-- The carbon of each job instance for a report with these settings, from
-- its parts (carbon.job_energy_parts, the same arguments):
--   facility_kwh, co2e_kg  the parts' sums
--   pue           facility_kwh / IT kWh (p_pue where there is none)
--   g_per_kwh     co2e_kg / facility_kwh (the first part's where that is 0)
--   hours         hour buckets added; the source of the intensity (level ..
--   licence): the first part's (hours in order, then the rest), or level
--   'mixed', dataset 'several', no year and licence where a part's level,
--   dataset, zone or year differ, and resolution 'mixed' where one from
--   that part on has another resolution.
CREATE OR REPLACE FUNCTION carbon.job_carbon_of(p_cluster text[], p_job_id bigint[],
                                                p_job_start timestamptz[], p_user text,
                                                p_stored boolean, p_pue float8, p_zone text,
                                                p_fixed float8, p_own_config boolean)
RETURNS TABLE (cluster text, job_id bigint, job_start timestamptz, facility_kwh float8,
               co2e_kg float8, pue float8, g_per_kwh float8, hours integer, level text,
               dataset text, year integer, zone text, resolution text, licence text)
LANGUAGE sql STABLE
AS $$
    WITH x AS (
        SELECT e.*,
               row_number() OVER o AS n, first_value(e.level) OVER o AS level0,
               first_value(e.dataset) OVER o AS dataset0, first_value(e.zone) OVER o AS zone0,
               first_value(e.year) OVER o AS year0, first_value(e.resolution) OVER o AS res0
        FROM carbon.job_energy_parts(p_cluster, p_job_id, p_job_start, p_user, p_stored, p_pue,
                                     p_zone, p_fixed, p_own_config) e
        WINDOW o AS (PARTITION BY e.cluster, e.job_id, e.job_start ORDER BY e.rest, e.at)
    ), y AS (
        SELECT x.*, min(x.n) FILTER (WHERE (x.level, x.dataset, x.zone, x.year)
                                         IS DISTINCT FROM (x.level0, x.dataset0, x.zone0,
                                                           x.year0))
                        OVER (PARTITION BY x.cluster, x.job_id, x.job_start) AS mixed_from
        FROM x
    )
    -- y comes in x's order (each job's parts by n): the sums add in it.
    SELECT y.cluster, y.job_id, y.job_start,
           sum(y.facility_kwh), sum(y.co2e_kg),
           CASE WHEN max(y.it_j) > 0 THEN sum(y.facility_kwh)
                                              / (max(y.it_j) / 3600000.0)
                ELSE p_pue END,
           CASE WHEN sum(y.facility_kwh) > 0
                THEN sum(y.co2e_kg) * 1000.0 / sum(y.facility_kwh)
                ELSE min(y.g_per_kwh) FILTER (WHERE y.n = 1) END,
           (count(*) FILTER (WHERE NOT y.rest))::integer,
           CASE WHEN min(y.mixed_from) IS NULL THEN min(y.level) FILTER (WHERE y.n = 1)
                ELSE 'mixed' END,
           CASE WHEN min(y.mixed_from) IS NULL THEN min(y.dataset) FILTER (WHERE y.n = 1)
                ELSE 'several' END,
           CASE WHEN min(y.mixed_from) IS NULL THEN min(y.year) FILTER (WHERE y.n = 1)
                ELSE 0 END,
           min(y.zone) FILTER (WHERE y.n = 1),
           CASE WHEN bool_or(y.n >= y.mixed_from AND y.resolution <> y.res0) THEN 'mixed'
                ELSE min(y.resolution) FILTER (WHERE y.n = 1) END,
           CASE WHEN min(y.mixed_from) IS NULL THEN min(y.licence) FILTER (WHERE y.n = 1)
                ELSE '' END
    FROM y
    GROUP BY y.cluster, y.job_id, y.job_start
$$;

-- Recompute the totals and hours of the job instances from their records
-- (carbon.job_totals_of, carbon.job_hours_of), under the refresh's lock.
-- The stored carbon is left to carbon.job_carbon_refresh.
CREATE OR REPLACE FUNCTION carbon.job_totals_refresh(p_cluster text[], p_job_id bigint[],
                                                     p_job_start timestamptz[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET plan_cache_mode = force_custom_plan SET jit = off
AS $$
BEGIN
    PERFORM FROM carbon.refresh_lock FOR UPDATE;
    DELETE FROM carbon.job_hour
        WHERE (cluster, job_id, job_start) IN (SELECT * FROM unnest(p_cluster, p_job_id, p_job_start));
    DELETE FROM carbon.job_total
        WHERE (cluster, job_id, job_start) IN (SELECT * FROM unnest(p_cluster, p_job_id, p_job_start));
    INSERT INTO carbon.job_hour (cluster, job_id, job_start, hour, j)
        SELECT * FROM carbon.job_hours_of(p_cluster, p_job_id, p_job_start);
    INSERT INTO carbon.job_total (cluster, job_id, job_start, user_name, project, tag,
                                  projects, tags, start_time, end_time, cpu_j, dram_j,
                                  gpu_j, other_j, hours_j, estimated_j, cpu_time_s,
                                  cpu_time_rows, measured, records, needs_records, gpu_s)
        SELECT t.cluster, t.job_id, t.job_start, t.user_name, t.project, t.tag, t.projects,
               t.tags, t.start_time, t.end_time, t.cpu_j, t.dram_j, t.gpu_j, t.other_j,
               coalesce((SELECT sum(h.j) FROM carbon.job_hour h
                         WHERE h.cluster = t.cluster AND h.job_id = t.job_id
                               AND h.job_start = t.job_start), 0),
               t.estimated_j, t.cpu_time_s, t.cpu_time_rows, t.measured, t.records,
               t.needs_records, t.gpu_s
        FROM carbon.job_totals_of(p_cluster, p_job_id, p_job_start) t;
END
$$;

-- Recompute the stored carbon of the job instances (carbon.job_carbon_of
-- with their sites' settings, from what job_total and job_hour hold), and
-- stamp it with those settings and the data's generation (sql/011).
CREATE OR REPLACE FUNCTION carbon.job_carbon_refresh(p_cluster text[], p_job_id bigint[],
                                                     p_job_start timestamptz[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET jit = off
AS $$
BEGIN
    UPDATE carbon.job_total t
    SET facility_kwh = c.facility_kwh, co2e_kg = c.co2e_kg,
        rate_gen = (SELECT gen FROM carbon.rate_generation),
        rate_pue = s.pue, rate_zone = s.zone, rate_fixed = s.fixed
    FROM carbon.job_carbon_of(p_cluster, p_job_id, p_job_start, NULL, true,
                              1.0, NULL, NULL, false) c
    CROSS JOIN LATERAL carbon.stored_site(c.cluster) s
    WHERE t.cluster = c.cluster AND t.job_id = c.job_id AND t.job_start = c.job_start;
END
$$;

GRANT EXECUTE ON FUNCTION
    carbon.job_step_shares(text[], bigint[], timestamptz[], text),
    carbon.job_totals_of(text[], bigint[], timestamptz[], text),
    carbon.job_hours_of(text[], bigint[], timestamptz[]),
    carbon.report_site(text, float8, text, float8, boolean), carbon.stored_site(text),
    carbon.job_energy_parts(text[], bigint[], timestamptz[], text, boolean, float8, text,
                            float8, boolean),
    carbon.job_carbon_of(text[], bigint[], timestamptz[], text, boolean, float8, text, float8,
                         boolean)
    TO carbon_user, carbon_admin;
