-- SPDX-License-Identifier: GPL-2.0-or-later
-- 013: per-job totals brought up to date by the reports, not by the writer.
-- Since 008 (and 011) every write of a record recomputed its job's totals and
-- carbon in the writer's transaction: about 6 ms a record in the fresh
-- session each plugin step opens (the functions are compiled and planned
-- anew), on the path of a job's end, and most of a spool flush's time. Now a
-- write only notes its job in carbon.job_refresh_queue; summary and track
-- call carbon.job_totals_catch_up() first, which recomputes the noted jobs
-- (so they always add up current totals), as do db upgrade and import
-- intensity.

CREATE TABLE carbon.job_refresh_queue (
    cluster text   NOT NULL,
    job_id  bigint NOT NULL,
    PRIMARY KEY (cluster, job_id)
);

-- The statement triggers of 008 now only note the jobs a statement touched.
CREATE OR REPLACE FUNCTION carbon.step_energy_totals()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO carbon.job_refresh_queue
            SELECT DISTINCT cluster, job_id FROM new_rows
            ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO carbon.job_refresh_queue
            SELECT cluster, job_id FROM new_rows
            UNION SELECT cluster, job_id FROM old_rows
            ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO carbon.job_refresh_queue
            SELECT DISTINCT cluster, job_id FROM old_rows
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION carbon.step_energy_truncate()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    TRUNCATE carbon.job_hour, carbon.job_total, carbon.job_refresh_queue;
    RETURN NULL;
END
$$;

-- Recompute the totals and carbon of the noted jobs, and take them off the
-- queue; returns how many. Under the refresh's lock, so two reports do not
-- both do it: the second finds the queue empty. A job noted by a writer
-- still in its transaction stays noted for the next call.
CREATE FUNCTION carbon.job_totals_catch_up()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
BEGIN
    IF NOT EXISTS (SELECT FROM carbon.job_refresh_queue) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('carbon.job_totals_refresh'));
    WITH q AS (DELETE FROM carbon.job_refresh_queue RETURNING cluster, job_id)
    SELECT array_agg(cluster), array_agg(job_id) INTO clusters, job_ids FROM q;
    IF clusters IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM carbon.job_totals_refresh(clusters, job_ids);
    PERFORM carbon.job_carbon_refresh(clusters, job_ids);
    RETURN cardinality(clusters);
END
$$;
REVOKE ALL ON FUNCTION carbon.job_totals_catch_up() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.job_totals_catch_up() TO carbon_user, carbon_admin;

-- The stale recomputation of 011 catches up first, so that it sees every job.
CREATE OR REPLACE FUNCTION carbon.job_carbon_refresh_stale()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
BEGIN
    PERFORM carbon.job_totals_catch_up();
    SELECT array_agg(t.cluster), array_agg(t.job_id) INTO clusters, job_ids
        FROM carbon.job_total t
        WHERE t.rate_gen IS DISTINCT FROM (SELECT gen FROM carbon.rate_generation);
    IF clusters IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM carbon.job_carbon_refresh(clusters, job_ids);
    RETURN cardinality(clusters);
END
$$;
