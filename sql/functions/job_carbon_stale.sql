-- SPDX-License-Identifier: GPL-2.0-or-later
-- The jobs whose stored carbon was computed with older data (intensities or
-- site settings loaded since: carbon.rate_generation moved on), and their
-- recomputation in batches, so that carbon-report (db upgrade, import
-- intensity) can count them first and show its progress as it goes.
-- Re-applied by every db init and db upgrade.

-- Whether the carbon stored with job t is stale: of older data than
-- p_gen, carbon.rate_generation's gen (or never computed: rate_gen NULL).
-- The one definition of "stale", and of "current" (IS FALSE), for every
-- query that asks: carbon.job_carbon_stale below, the view carbon_api.job,
-- the sums of carbon-report's summary and track. Never NULL.
--
-- The caller reads gen: a sub-query here would keep the planner from
-- inlining the function. Written as a range of job_total's index on
-- rate_gen, so that the stale jobs, few or none, are found without reading
-- the others. A job's rate_gen is the gen it was computed at and gen only
-- grows, so "older" is "other". A query for the current jobs asks
-- `carbon.job_carbon_is_stale(t, gen) IS FALSE`, not NOT, which PostgreSQL
-- turns into the range rate_gen >= gen: not knowing gen, the planner takes
-- that for a third of the jobs and reads them all through the index (the
-- view's current jobs at 1 M: 3.2 s instead of 1.7 s by a sequential scan).
-- Plain SQL, one expression, without SET or SECURITY DEFINER: inlined.
CREATE OR REPLACE FUNCTION carbon.job_carbon_is_stale(t carbon.job_total, p_gen bigint)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
    SELECT t.rate_gen IS NULL OR t.rate_gen < p_gen
$$;

-- The stale jobs.
CREATE OR REPLACE FUNCTION carbon.job_carbon_stale()
RETURNS TABLE (cluster text, job_id bigint, job_start timestamptz)
LANGUAGE sql STABLE
SET search_path = carbon, pg_temp
AS $$
    SELECT t.cluster, t.job_id, t.job_start
    FROM carbon.job_total t
    WHERE carbon.job_carbon_is_stale(t, (SELECT gen FROM carbon.rate_generation))
    ORDER BY t.cluster, t.job_id, t.job_start
$$;

-- How many jobs are stale, once the records that arrived since the last
-- catch-up are in their jobs' totals.
CREATE OR REPLACE FUNCTION carbon.job_carbon_stale_count()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    PERFORM carbon.job_totals_catch_up();
    RETURN (SELECT count(*) FROM carbon.job_carbon_stale());
END
$$;

-- Recompute at most p_limit stale jobs (NULL: all); returns how many were
-- taken. A caller repeats it until it returns 0, or until it has taken as
-- many as job_carbon_stale_count said (a job without energy rows stays
-- stale, and would be taken again).
CREATE OR REPLACE FUNCTION carbon.job_carbon_refresh_stale(p_limit integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
    job_starts timestamptz[];
BEGIN
    PERFORM carbon.job_totals_catch_up();
    SELECT array_agg(s.cluster), array_agg(s.job_id), array_agg(s.job_start)
        INTO clusters, job_ids, job_starts
        FROM (SELECT * FROM carbon.job_carbon_stale() LIMIT p_limit) s;
    IF clusters IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM carbon.job_carbon_refresh(clusters, job_ids, job_starts);
    RETURN cardinality(clusters);
END
$$;

-- All of them at once, as before.
CREATE OR REPLACE FUNCTION carbon.job_carbon_refresh_stale()
RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
    SELECT carbon.job_carbon_refresh_stale(NULL::integer)
$$;

REVOKE ALL ON FUNCTION carbon.job_carbon_stale(), carbon.job_carbon_stale_count(),
    carbon.job_carbon_refresh_stale(integer), carbon.job_carbon_refresh_stale()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.job_carbon_is_stale(carbon.job_total, bigint)
    TO carbon_user, carbon_admin;
GRANT EXECUTE ON FUNCTION carbon.job_carbon_stale_count(),
    carbon.job_carbon_refresh_stale(integer), carbon.job_carbon_refresh_stale()
    TO carbon_admin;
