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
-- of jobs take the instances as three arrays of the same length; those of
-- a part of a job's energy (carbon.hour_rate, rest_j, facility_kwh,
-- co2e_kg) take one value each, so that a report that adds up many jobs
-- applies them in its own query (track: report/jobsum.c). The rules run
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

-- The PUE and intensity that a report with these settings
-- (carbon.report_site) applies to energy used on a cluster at an instant:
-- the PUE of the period in force (carbon.pue_at), the intensity of that
-- instant (carbon.intensity_at, sql/005), and the data it comes from (no
-- year, zone or licence: 0 and ''). Plain SQL without SET, so that it is
-- inlined; the callers ask it once for each distinct (cluster, instant).
CREATE OR REPLACE FUNCTION carbon.hour_rate(p_cluster text, p_at timestamptz, p_pue float8,
                                            p_zone text, p_fixed float8,
                                            p_own_config boolean)
RETURNS TABLE (pue float8, g_per_kwh float8, level text, dataset text, year integer,
               zone text, resolution text, licence text)
LANGUAGE sql STABLE
AS $$
    SELECT p.pue, i.g_per_kwh, i.level, i.dataset, coalesce(i.year, 0),
           coalesce(i.zone, ''), i.resolution, coalesce(i.licence, '')
    FROM carbon.report_site(p_cluster, p_pue, p_zone, p_fixed, p_own_config) s
    CROSS JOIN LATERAL carbon.pue_at(p_cluster, p_at, s.pue) p
    CROSS JOIN LATERAL carbon.intensity_at(s.zone, p_at, s.fixed) i
$$;

-- carbon.constant_rate (a rate the same at every instant) is the one span of
-- all time of carbon.rate_spans below.
DROP FUNCTION IF EXISTS carbon.constant_rate(text, float8, text, float8, boolean);

-- The spans of time over which the rate (PUE and intensity, as
-- carbon.hour_rate) that a report with these settings applies on a cluster
-- is the same at every instant: [span_start, span_end), in order, from
-- -infinity to infinity, each with that rate, or with none (NULL) where the
-- zone's imported series covers a part of the span (the rate may then
-- change with every hour). The rate changes nowhere else than where a
-- span ends: at the start and end of the cluster's PUE periods
-- (carbon.pue_at) and, where the intensity is not fixed, at the turn of
-- each year that annual figures are held for (carbon.intensity_at takes
-- the nearest year's, so it is the same before the first such year and
-- after the last), and at the first start and last end of the series.
-- Neighbouring spans of one rate are one. A fixed intensity and no PUE
-- period: one span, of all time.
--
-- A rate that depends on the instant only through these spans factors out
-- of the sum over a job's parts where all of them lie in one span: the
-- energy of all its parts (carbon.stored_parts_j) at the span's rate is what
-- its parts come to, each at its hour's, so that a report adds such jobs up
-- without their hours (report/jobsum.c).
CREATE OR REPLACE FUNCTION carbon.rate_spans(p_cluster text, p_pue float8, p_zone text,
                                             p_fixed float8, p_own_config boolean)
RETURNS TABLE (span_start timestamptz, span_end timestamptz, pue float8, g_per_kwh float8)
LANGUAGE sql STABLE
AS $$
    WITH s AS (
        SELECT * FROM carbon.report_site(p_cluster, p_pue, p_zone, p_fixed, p_own_config)
    ), series AS (              -- what the zone's series covers, where used
        SELECT min(x.start_time) AS a, max(x.end_time) AS b
        FROM s JOIN carbon.intensity_series x ON x.zone = s.zone AND x.signal = 'average'
        WHERE s.fixed IS NULL
    ), cut AS (                 -- where the rate may change
        SELECT p.valid_from AS at FROM carbon.pue_period p WHERE p.cluster = p_cluster
        UNION
        SELECT p.valid_to FROM carbon.pue_period p WHERE p.cluster = p_cluster
        UNION
        SELECT make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC')
        FROM s, (SELECT min(a.year) AS lo, max(a.year) AS hi FROM carbon.intensity_annual a) a,
             generate_series(a.lo + 1, a.hi) AS y
        WHERE s.fixed IS NULL
        UNION
        SELECT series.a FROM series
        UNION
        SELECT series.b FROM series
    ), span AS (
        SELECT c.at AS span_start, lead(c.at, 1, 'infinity') OVER (ORDER BY c.at) AS span_end
        FROM (SELECT timestamptz '-infinity' AS at
              UNION
              SELECT cut.at FROM cut WHERE isfinite(cut.at)) c
    ), rated AS (               -- each span's rate, at an instant within it
        SELECT span.span_start, span.span_end, r.pue, r.g_per_kwh
        FROM span
        LEFT JOIN LATERAL carbon.hour_rate(
            p_cluster,
            CASE WHEN isfinite(span.span_start) THEN span.span_start
                 WHEN isfinite(span.span_end) THEN span.span_end - interval '1 microsecond'
                 ELSE timestamptz 'epoch' END,
            p_pue, p_zone, p_fixed, p_own_config) r
            ON NOT EXISTS (SELECT FROM series
                           WHERE series.a < span.span_end AND series.b > span.span_start)
    ), run AS (                 -- numbered so that neighbours of one rate share a number
        SELECT rated.*,
               count(*) FILTER (WHERE rated.changed) OVER (ORDER BY rated.span_start) AS n
        FROM (SELECT x.*,
                     (x.pue, x.g_per_kwh) IS DISTINCT FROM
                         (lag(x.pue) OVER w, lag(x.g_per_kwh) OVER w) AS changed
              FROM rated x WINDOW w AS (ORDER BY x.span_start)) rated
    )
    -- Neighbouring spans of one rate (years of one annual figure) are one.
    SELECT min(run.span_start), max(run.span_end), min(run.pue), min(run.g_per_kwh)
    FROM run
    GROUP BY run.n
    ORDER BY 1
$$;

-- Energy p_j (J) at PUE p_pue: facility kWh; and at intensity p_g_per_kwh
-- too: kg CO2e.
CREATE OR REPLACE FUNCTION carbon.facility_kwh(p_j float8, p_pue float8)
RETURNS float8
LANGUAGE sql IMMUTABLE
AS $$
    SELECT p_j / 3600000.0 * p_pue
$$;
CREATE OR REPLACE FUNCTION carbon.co2e_kg(p_j float8, p_pue float8, p_g_per_kwh float8)
RETURNS float8
LANGUAGE sql IMMUTABLE
AS $$
    SELECT p_j / 3600000.0 * p_pue * p_g_per_kwh / 1000.0
$$;

-- The energy of a job that is counted at its start (J), or NULL where none
-- is: all of it (p_it_j) for a job without counters (p_measured false);
-- else what its hour buckets (p_hours_j in all, p_has_hours: one of them
-- holds a figure) leave of it, where they hold none or leave more than
-- 1e-12 kWh. A job's other energy is counted in its hour buckets' hours.
CREATE OR REPLACE FUNCTION carbon.rest_j(p_measured boolean, p_it_j float8, p_hours_j float8,
                                         p_has_hours boolean)
RETURNS float8
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN NOT p_measured THEN p_it_j
                WHEN NOT p_has_hours OR (p_it_j - p_hours_j) / 3600000.0 > 1e-12
                THEN greatest(p_it_j - p_hours_j, 0) END
$$;

-- Whether one of the hour buckets that carbon.job_hour holds of a job
-- instance holds a figure. (Not inlined: carbon.stored_rest_j asks it only
-- of a job whose buckets add up to 0 J.)
CREATE OR REPLACE FUNCTION carbon.job_hour_held(p_cluster text, p_job_id bigint,
                                                p_job_start timestamptz)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT EXISTS (SELECT FROM carbon.job_hour x
                   WHERE x.cluster = p_cluster AND x.job_id = p_job_id
                         AND x.job_start = p_job_start AND x.j IS NOT NULL)
$$;

-- carbon.rest_j of what carbon.job_total and job_hour hold of job t.
CREATE OR REPLACE FUNCTION carbon.stored_rest_j(t carbon.job_total)
RETURNS float8
LANGUAGE sql STABLE
AS $$
    SELECT carbon.rest_j(t.measured, t.cpu_j + t.dram_j + t.gpu_j + t.other_j, t.hours_j,
                         t.hours_j <> 0 OR carbon.job_hour_held(t.cluster, t.job_id,
                                                                t.job_start))
$$;

-- The energy of all the parts of job t (J) that carbon.job_energy_parts
-- prices from what carbon.job_total and job_hour hold (p_stored): its hour
-- buckets (hours_j) and its rest (carbon.stored_rest_j), for a job with
-- counters.
CREATE OR REPLACE FUNCTION carbon.stored_parts_j(t carbon.job_total)
RETURNS float8
LANGUAGE sql STABLE
AS $$
    SELECT t.hours_j + coalesce(carbon.stored_rest_j(t), 0)
$$;

-- The parts of each job instance's energy for a report with these
-- settings, each at its PUE and intensity (carbon.hour_rate): each hour
-- bucket's energy at its hour, for a job with counters, and the rest
-- (carbon.rest_j) at the job's start. A job without counters has no
-- bucket, and its rest is 0 J. Each distinct (cluster, hour) is resolved
-- once. The energy is the records' (carbon.job_totals_of, for p_user as
-- there, and carbon.job_hours_of), or with p_stored what carbon.job_total
-- and job_hour hold of it. facility_kwh and co2e_kg: carbon.facility_kwh
-- and carbon.co2e_kg of the part.
--
-- The instances are picked by IN (a semi-join), not by a join with the
-- arrays: the planner then expects about as many rows as the arrays hold
-- (for a join it guesses a handful out of 250 000, and a nested loop over
-- two such sets takes quadratic time), so it joins the sets by hash where
-- they are large and looks the rows up by index where they are few.
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
    WITH h AS MATERIALIZED (    -- the hour buckets of the records (J)
        SELECT * FROM carbon.job_hours_of(p_cluster, p_job_id, p_job_start) x
        WHERE NOT p_stored
    ), hs AS (
        SELECT h.cluster, h.job_id, h.job_start, sum(h.j) AS hours_j
        FROM h WHERE h.j IS NOT NULL GROUP BY h.cluster, h.job_id, h.job_start
    ), j AS MATERIALIZED (      -- the jobs: start, counters, IT energy and the rest (J)
        SELECT t.cluster, t.job_id, t.job_start, t.start_time, t.measured,
               t.cpu_j + t.dram_j + t.gpu_j + t.other_j AS it_j,
               carbon.stored_rest_j(t) AS rest_j
        FROM carbon.job_total t
        WHERE p_stored AND (t.cluster, t.job_id, t.job_start)
                           IN (SELECT * FROM unnest(p_cluster, p_job_id, p_job_start))
        UNION ALL
        SELECT t.cluster, t.job_id, t.job_start, t.start_time, t.measured,
               t.cpu_j + t.dram_j + t.gpu_j + t.other_j,
               carbon.rest_j(t.measured, t.cpu_j + t.dram_j + t.gpu_j + t.other_j,
                             coalesce(hs.hours_j, 0), hs.hours_j IS NOT NULL)
        FROM carbon.job_totals_of(p_cluster, p_job_id, p_job_start, p_user) t
        LEFT JOIN hs
            ON hs.cluster = t.cluster AND hs.job_id = t.job_id AND hs.job_start = t.job_start
        WHERE NOT p_stored
    ), part AS MATERIALIZED (   -- hour buckets of jobs with counters, and the rest
        SELECT x.cluster, x.job_id, x.job_start, x.hour AS at, x.j, false AS rest, j.it_j
        FROM j
        JOIN carbon.job_hour x
            ON x.cluster = j.cluster AND x.job_id = j.job_id AND x.job_start = j.job_start
        WHERE p_stored AND j.measured
        UNION ALL
        SELECT h.cluster, h.job_id, h.job_start, h.hour, h.j, false, j.it_j
        FROM j
        JOIN h ON h.cluster = j.cluster AND h.job_id = j.job_id AND h.job_start = j.job_start
        WHERE NOT p_stored AND j.measured
        UNION ALL
        SELECT j.cluster, j.job_id, j.job_start, j.start_time, j.rest_j, true, j.it_j
        FROM j
        WHERE j.rest_j IS NOT NULL
    ), rate AS MATERIALIZED (   -- each distinct (cluster, hour) resolved once
        SELECT c.cluster, c.at, r.*
        FROM (SELECT DISTINCT part.cluster, part.at FROM part) c
        CROSS JOIN LATERAL carbon.hour_rate(c.cluster, c.at, p_pue, p_zone, p_fixed,
                                            p_own_config) r
    )
    SELECT part.cluster, part.job_id, part.job_start, part.at, part.rest, part.it_j,
           carbon.facility_kwh(part.j, r.pue), carbon.co2e_kg(part.j, r.pue, r.g_per_kwh),
           r.g_per_kwh, r.level, r.dataset, r.year, r.zone, r.resolution, r.licence
    FROM part
    JOIN rate r ON r.cluster = part.cluster AND r.at = part.at;
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
                                  cpu_time_rows, measured, records, needs_records, gpu_s,
                                  first_hour, last_hour)
        SELECT t.cluster, t.job_id, t.job_start, t.user_name, t.project, t.tag, t.projects,
               t.tags, t.start_time, t.end_time, t.cpu_j, t.dram_j, t.gpu_j, t.other_j,
               coalesce(h.hours_j, 0), t.estimated_j, t.cpu_time_s, t.cpu_time_rows,
               t.measured, t.records, t.needs_records, t.gpu_s, h.first_hour, h.last_hour
        FROM carbon.job_totals_of(p_cluster, p_job_id, p_job_start) t
        CROSS JOIN LATERAL (SELECT sum(x.j) AS hours_j, min(x.hour) AS first_hour,
                                   max(x.hour) AS last_hour
                            FROM carbon.job_hour x
                            WHERE x.cluster = t.cluster AND x.job_id = t.job_id
                                  AND x.job_start = t.job_start) h;
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
    carbon.hour_rate(text, timestamptz, float8, text, float8, boolean),
    carbon.rate_spans(text, float8, text, float8, boolean),
    carbon.facility_kwh(float8, float8), carbon.co2e_kg(float8, float8, float8),
    carbon.rest_j(boolean, float8, float8, boolean),
    carbon.job_hour_held(text, bigint, timestamptz), carbon.stored_rest_j(carbon.job_total),
    carbon.stored_parts_j(carbon.job_total),
    carbon.job_energy_parts(text[], bigint[], timestamptz[], text, boolean, float8, text,
                            float8, boolean),
    carbon.job_carbon_of(text[], bigint[], timestamptz[], text, boolean, float8, text, float8,
                         boolean)
    TO carbon_user, carbon_admin;
