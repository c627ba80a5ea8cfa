-- SPDX-License-Identifier: GPL-2.0-or-later
-- 011: each job's GPU-hours and its carbon at its site's settings, in
-- carbon.job_total (issue 6), and the per-job totals brought up to date by
-- the reports instead of the writer. summary and track add up whole
-- campaigns; with these columns they add up one row per job instead of
-- resolving the PUE and intensity of every hour of every job at each report.
--
-- The carbon of a job (facility_kwh, co2e_kg) is computed as the reports
-- compute it (sql/005: the PUE and intensity of each hour bucket, energy
-- without buckets at the job's start) with the settings the cluster's site
-- recorded (sql/006; PUE 1.0 where none is recorded, carbon.conf's default),
-- and is stamped with those settings and with the generation of the data it
-- used. Any change to the intensity or PUE tables, or to a site, moves the
-- generation on: a report uses a job's stored carbon only while its stamp
-- matches the report's own settings and the current generation, and
-- resolves the job hour by hour otherwise. So stored figures can be old but
-- are never used when old; carbon-report refreshes them after it changes
-- that data (db init/upgrade, import intensity).
--
-- Since 008 every write of a record recomputed its job's totals in the
-- writer's transaction: about 6 ms a record in the fresh session each
-- plugin step opens (the functions are compiled and planned anew), on the
-- path of a job's end, and most of a spool flush's time. Now a write only
-- notes its job in carbon.job_refresh_queue; summary and track call
-- carbon.job_totals_catch_up() first, which recomputes the noted jobs' totals
-- and carbon (so they always add up current figures), as do db upgrade and
-- import intensity.

ALTER TABLE carbon.job_total
    -- GPU-seconds: on each node, the most GPUs a record held x the union of
    -- the windows of the records that held GPUs (the statement's rule: a
    -- batch step and an srun step inside it that see the same GPUs count
    -- once), summed over nodes. NULL: no record says how many GPUs it held.
    ADD COLUMN gpu_s        float8,
    -- The stored carbon and what it was computed with; rate_gen NULL: not
    -- computed yet.
    ADD COLUMN facility_kwh float8,
    ADD COLUMN co2e_kg      float8,
    ADD COLUMN rate_gen     bigint,
    ADD COLUMN rate_pue     float8,   -- the PUE outside any period
    ADD COLUMN rate_zone    text,
    ADD COLUMN rate_fixed   float8;   -- the site's fixed intensity, NULL: none

-- Reports ask whether any job's carbon is of older data (min(rate_gen)).
CREATE INDEX job_total_rate_gen ON carbon.job_total (rate_gen);

-- The generation of the data carbon is computed from.
CREATE TABLE carbon.rate_generation (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    gen bigint  NOT NULL
);
INSERT INTO carbon.rate_generation VALUES (true, 1);
GRANT SELECT ON carbon.rate_generation TO carbon_user, carbon_admin;

-- Move the generation on when a statement changed rows of the table (an
-- update that only touches imported_at or updated_at changes nothing).
CREATE FUNCTION carbon.rate_data_changed()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    changed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT FROM old_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        changed := EXISTS (SELECT to_jsonb(n) - 'imported_at' - 'updated_at' FROM new_rows n
                           EXCEPT
                           SELECT to_jsonb(o) - 'imported_at' - 'updated_at' FROM old_rows o);
    ELSE
        changed := true;    -- TRUNCATE
    END IF;
    IF changed THEN
        UPDATE carbon.rate_generation SET gen = gen + 1;
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION carbon.rate_data_changed() FROM PUBLIC;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['intensity_annual', 'intensity_series', 'pue_period',
                             'cluster_site'] LOOP
        EXECUTE format('CREATE TRIGGER %1$s_rate_insert AFTER INSERT ON carbon.%1$s'
                       ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION carbon.rate_data_changed()', t);
        EXECUTE format('CREATE TRIGGER %1$s_rate_update AFTER UPDATE ON carbon.%1$s'
                       ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION carbon.rate_data_changed()', t);
        EXECUTE format('CREATE TRIGGER %1$s_rate_delete AFTER DELETE ON carbon.%1$s'
                       ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION carbon.rate_data_changed()', t);
        EXECUTE format('CREATE TRIGGER %1$s_rate_truncate AFTER TRUNCATE ON carbon.%1$s'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION carbon.rate_data_changed()', t);
    END LOOP;
END
$$;

-- Compute the GPU-seconds and the carbon of the jobs (p_cluster[i],
-- p_job_id[i]) from their records, hour buckets and site. Each job's rows
-- are reached through indexes, one job at a time, so the cost grows with
-- the number of jobs given, never with the size of the tables, whether one
-- job (a put_step) or thousands (a spool flush batch, a backfill). Joining
-- whole sets of jobs instead made the planner, which cannot tell how many
-- of the given jobs a join keeps and guesses few, pick nested loops over
-- them: quadratic time, 27 s for 5,000 jobs. No JIT: compiling costs more
-- than these small statements.
CREATE FUNCTION carbon.job_carbon_refresh(p_cluster text[], p_job_id bigint[])
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
                  GROUP BY s.node) n),
        (facility_kwh, co2e_kg) = (
            -- Each hour bucket at its hour's PUE and intensity; energy
            -- without buckets at the job's start (as the reports do).
            SELECT coalesce(sum(x.kwh * p.pue), 0),
                   coalesce(sum(x.kwh * p.pue * i.g_per_kwh / 1000.0), 0)
            FROM (SELECT h.hour AS at, h.j / 3600000.0 AS kwh
                  FROM carbon.job_hour h
                  WHERE h.cluster = t.cluster AND h.job_id = t.job_id
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
    FROM unnest(p_cluster, p_job_id) AS u(cluster, job_id)
    LEFT JOIN carbon.cluster_site cs ON cs.cluster = u.cluster
    WHERE t.cluster = u.cluster AND t.job_id = u.job_id
$$;

-- The jobs written since their totals were last brought up to date.
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

-- The jobs whose stored carbon is of an older generation (or was never
-- computed), after catching up the noted jobs; returns how many.
CREATE FUNCTION carbon.job_carbon_refresh_stale()
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

REVOKE ALL ON FUNCTION carbon.job_carbon_refresh(text[], bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION carbon.job_carbon_refresh_stale() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.job_carbon_refresh_stale() TO carbon_admin;

-- The jobs already there.
SELECT carbon.job_carbon_refresh_stale();
