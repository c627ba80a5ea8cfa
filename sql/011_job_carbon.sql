-- SPDX-License-Identifier: GPL-2.0-or-later
-- 011: each job's GPU-hours and its carbon at its site's settings, in
-- carbon.job_total (issue 6). summary and track add up whole campaigns; with
-- these columns they add up one row per job instead of resolving the PUE and
-- intensity of every hour of every job at each report.
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
-- that data (db init/upgrade, import intensity), and so does any later
-- change to the job's records.

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
-- p_job_id[i]) from their records, hour buckets and site. Each distinct
-- (cluster, hour) is resolved once. The planner cannot tell how many of
-- the given jobs each join keeps and guesses few: right for the one job of
-- a put_step (index probes), but for the thousands of a spool flush batch
-- or a backfill its nested loops would take quadratic time (27 s for 5,000
-- jobs). Past a few jobs, hash joins only.
CREATE FUNCTION carbon.job_carbon_refresh(p_cluster text[], p_job_id bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    nestloop text := current_setting('enable_nestloop');
BEGIN
    IF cardinality(p_job_id) > 16 THEN
        PERFORM set_config('enable_nestloop', 'off', true);
    END IF;
    WITH k AS MATERIALIZED (
        SELECT t.cluster, t.job_id, t.start_time, t.measured,
               (t.cpu_j + t.dram_j + t.gpu_j + t.other_j - t.hours_j) / 3600000.0 AS rest_kwh,
               coalesce(cs.pue, 1.0) AS pue0, cs.zone, cs.intensity
        FROM carbon.job_total t
        JOIN unnest(p_cluster, p_job_id) AS u(cluster, job_id)
            ON u.cluster = t.cluster AND u.job_id = t.job_id
        LEFT JOIN carbon.cluster_site cs ON cs.cluster = t.cluster
    ), jh AS MATERIALIZED (
        SELECT k.cluster, k.job_id, h.hour, h.j / 3600000.0 AS kwh
        FROM k JOIN carbon.job_hour h ON h.cluster = k.cluster AND h.job_id = k.job_id
        WHERE k.measured
    ), rate AS MATERIALIZED (
        SELECT c.cluster, c.hour, p.pue, i.g_per_kwh
        FROM (SELECT DISTINCT cluster, hour FROM jh) c
        LEFT JOIN carbon.cluster_site cs ON cs.cluster = c.cluster
        CROSS JOIN LATERAL carbon.pue_at(c.cluster, c.hour, coalesce(cs.pue, 1.0)) p
        CROSS JOIN LATERAL carbon.intensity_at(cs.zone, c.hour, cs.intensity) i
    ), part AS (
        SELECT jh.cluster, jh.job_id, jh.kwh * r.pue AS facility_kwh,
               jh.kwh * r.pue * r.g_per_kwh / 1000.0 AS co2e_kg
        FROM jh JOIN rate r ON r.cluster = jh.cluster AND r.hour = jh.hour
        UNION ALL
        SELECT k.cluster, k.job_id, k.rest_kwh * p.pue, k.rest_kwh * p.pue * i.g_per_kwh / 1000.0
        FROM k
        CROSS JOIN LATERAL carbon.pue_at(k.cluster, k.start_time, k.pue0) p
        CROSS JOIN LATERAL carbon.intensity_at(k.zone, k.start_time, k.intensity) i
        WHERE k.measured AND k.rest_kwh > 1e-12
    ), cc AS (
        SELECT cluster, job_id, sum(facility_kwh) AS facility_kwh, sum(co2e_kg) AS co2e_kg
        FROM part GROUP BY cluster, job_id
    ), node AS (
        SELECT s.cluster, s.job_id, s.node, max(s.gpus) AS gpus,
               range_agg(tstzrange(s.start_time, greatest(s.start_time, s.end_time)))
                   FILTER (WHERE s.gpus > 0) AS held
        FROM carbon.step_energy s
        JOIN k ON k.cluster = s.cluster AND k.job_id = s.job_id
        GROUP BY s.cluster, s.job_id, s.node
    ), gpu AS (
        SELECT n.cluster, n.job_id,
               sum(n.gpus * coalesce((SELECT sum(extract(epoch FROM upper(w) - lower(w)))
                                      FROM unnest(n.held) AS w), 0)::float8) AS gpu_s
        FROM node n GROUP BY n.cluster, n.job_id
    )
    UPDATE carbon.job_total t
    SET gpu_s = gpu.gpu_s,
        facility_kwh = coalesce(c.facility_kwh, 0), co2e_kg = coalesce(c.co2e_kg, 0),
        rate_gen = (SELECT gen FROM carbon.rate_generation),
        rate_pue = k.pue0, rate_zone = k.zone, rate_fixed = k.intensity
    FROM k
    LEFT JOIN cc c ON c.cluster = k.cluster AND c.job_id = k.job_id
    LEFT JOIN gpu ON gpu.cluster = k.cluster AND gpu.job_id = k.job_id
    WHERE t.cluster = k.cluster AND t.job_id = k.job_id;
    PERFORM set_config('enable_nestloop', nestloop, true);
END
$$;

-- The jobs whose stored carbon is of an older generation (or was never
-- computed). Returns how many were refreshed.
CREATE FUNCTION carbon.job_carbon_refresh_stale()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
BEGIN
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

-- The per-job refresh of sql/008 now computes these too.
CREATE OR REPLACE FUNCTION carbon.step_energy_totals()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
DECLARE
    clusters text[];
    job_ids bigint[];
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(cluster), array_agg(job_id) INTO clusters, job_ids
            FROM (SELECT DISTINCT cluster, job_id FROM new_rows) k;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(cluster), array_agg(job_id) INTO clusters, job_ids
            FROM (SELECT cluster, job_id FROM new_rows
                  UNION SELECT cluster, job_id FROM old_rows) k;
    ELSE
        SELECT array_agg(cluster), array_agg(job_id) INTO clusters, job_ids
            FROM (SELECT DISTINCT cluster, job_id FROM old_rows) k;
    END IF;
    IF clusters IS NOT NULL THEN
        PERFORM carbon.job_totals_refresh(clusters, job_ids);
        PERFORM carbon.job_carbon_refresh(clusters, job_ids);
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION carbon.job_carbon_refresh(text[], bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION carbon.job_carbon_refresh_stale() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.job_carbon_refresh_stale() TO carbon_admin;

-- The jobs already there.
SELECT carbon.job_carbon_refresh_stale();
