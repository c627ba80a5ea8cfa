-- SPDX-License-Identifier: GPL-2.0-or-later
-- 008: per-job totals for the aggregate reports (issue 6). summary and track
-- add up whole campaigns; reading every record into carbon-report for that
-- does not scale. carbon.job_total holds what a job's records add up to and
-- carbon.job_hour its energy by UTC hour; triggers on carbon.step_energy
-- keep both up to date, whoever writes (carbon.put_step, spool flush, an
-- administrator's correction), so reports aggregate them in SQL and resolve
-- each distinct hour's intensity and PUE once.

-- One row per job: the sums report/jobset.c computes from its records
-- (records in the order start_time, step, node).
CREATE TABLE carbon.job_total (
    cluster       text        NOT NULL,
    job_id        bigint      NOT NULL,
    user_name     text        NOT NULL,     -- the first record's
    project       text,                     -- the first that a record has
    tag           text,
    projects      text[]      NOT NULL,     -- every project a record has (for -A)
    tags          text[]      NOT NULL,
    start_time    timestamptz NOT NULL,     -- of the earliest record
    end_time      timestamptz NOT NULL,     -- of the latest
    -- The job's shares of measured records (method <> 'none'), in J.
    cpu_j         float8      NOT NULL,
    dram_j        float8      NOT NULL,
    gpu_j         float8      NOT NULL,
    other_j       float8      NOT NULL,
    hours_j       float8      NOT NULL,     -- Σ carbon.job_hour.j of the job
    estimated_j   float8      NOT NULL,
    cpu_time_s    float8,                   -- NULL: no record has one
    cpu_time_rows integer     NOT NULL,     -- records that have one
    measured      boolean     NOT NULL,     -- a record comes from counters
    records       integer     NOT NULL,
    -- The totals need the records themselves: a record from before 003
    -- (job_cpu_j NULL: the union rule over record windows) or records of
    -- more than one user. Reports read such jobs record by record.
    needs_records boolean     NOT NULL,
    PRIMARY KEY (cluster, job_id)
);

-- The job's energy (all its records' hour buckets, sql/003) by UTC hour.
CREATE TABLE carbon.job_hour (
    cluster text        NOT NULL,
    job_id  bigint      NOT NULL,
    hour    timestamptz NOT NULL,
    j       float8,
    PRIMARY KEY (cluster, job_id, hour)
);

-- Recompute the rows of the jobs (p_cluster[i], p_job_id[i]) from their
-- records. Custom plans: the planner sees how many jobs there are (one for
-- carbon.put_step: index scans; all of them for the backfill below: hash
-- joins).
CREATE FUNCTION carbon.job_totals_refresh(p_cluster text[], p_job_id bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    -- One refresh at a time: records of one job come at the same moment
    -- from several nodes (their extern steps end together), and two
    -- transactions that both delete a job's totals and insert them anew
    -- would collide on its key, the second write failing and its record
    -- going to the spool. Held to the end of the (short) transaction.
    PERFORM pg_advisory_xact_lock(hashtext('carbon.job_totals_refresh'));
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

-- The triggers: one per event, as transition tables allow, each once per
-- statement over the jobs it touched.
CREATE FUNCTION carbon.step_energy_totals()
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
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER step_energy_totals_insert AFTER INSERT ON carbon.step_energy
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION carbon.step_energy_totals();
CREATE TRIGGER step_energy_totals_update AFTER UPDATE ON carbon.step_energy
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION carbon.step_energy_totals();
CREATE TRIGGER step_energy_totals_delete AFTER DELETE ON carbon.step_energy
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION carbon.step_energy_totals();

CREATE FUNCTION carbon.step_energy_truncate()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    TRUNCATE carbon.job_hour, carbon.job_total;
    RETURN NULL;
END
$$;
CREATE TRIGGER step_energy_totals_truncate AFTER TRUNCATE ON carbon.step_energy
    FOR EACH STATEMENT EXECUTE FUNCTION carbon.step_energy_truncate();

-- The records already there.
SELECT carbon.job_totals_refresh(array_agg(cluster), array_agg(job_id))
    FROM (SELECT DISTINCT cluster, job_id FROM carbon.step_energy) k
    HAVING count(*) > 0;

REVOKE ALL ON FUNCTION carbon.job_totals_refresh(text[], bigint[]),
    carbon.step_energy_totals(), carbon.step_energy_truncate() FROM PUBLIC;

-- Who sees what, as in carbon.step_energy (002): a participant their own
-- jobs and their projects' jobs, an administrator all; a job's hours with
-- the job.
ALTER TABLE carbon.job_total ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_total_own ON carbon.job_total
    FOR SELECT TO carbon_user
    USING (user_name = current_user
           OR projects && ARRAY(SELECT m.project FROM carbon.project_member m
                                WHERE m.member = current_user));
CREATE POLICY job_total_admin ON carbon.job_total
    FOR SELECT TO carbon_admin USING (true);
ALTER TABLE carbon.job_hour ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_hour_own ON carbon.job_hour
    FOR SELECT TO carbon_user
    USING (EXISTS (SELECT FROM carbon.job_total t
                   WHERE t.cluster = job_hour.cluster AND t.job_id = job_hour.job_id));
CREATE POLICY job_hour_admin ON carbon.job_hour
    FOR SELECT TO carbon_admin USING (true);
GRANT SELECT ON carbon.job_total, carbon.job_hour TO carbon_user, carbon_admin;
