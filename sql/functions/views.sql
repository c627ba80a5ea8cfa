-- SPDX-License-Identifier: GPL-2.0-or-later
-- The views of carbon_api (sql/022): what dashboards read, documented in
-- doc/views.md. A stable interface: names and columns stay, a new column
-- comes at the end (CREATE OR REPLACE VIEW allows only that, so a re-apply
-- that breaks the contract fails).
--
-- Re-applied by every db init and db upgrade after job_rules.sql, whose
-- rules they use: a change to one of those functions' signatures (DROP
-- FUNCTION) must drop these views first.
--
-- Every view runs with the rights of whoever reads it (security_invoker):
-- row-level security on the carbon tables decides what each role sees, a
-- participant their own and their projects' jobs, an administrator all.
--
-- The figures are those carbon.job_total holds: what each job's records add
-- up to, and its carbon at its cluster's recorded settings (sql/006, PUE
-- 1.0 where none is recorded), as `carbon-report track` without a carbon.conf
-- of its own gives them. Records written since the last report are added by
-- carbon.job_totals_catch_up(), which carbon-report calls first; a dashboard
-- that reads the views directly calls it too (doc/views.md). A job whose
-- stored carbon is of older intensity or PUE data is computed anew here, by
-- carbon.job_carbon_of.

-- One row per job instance. Its carbon: as stored for a job whose stored
-- carbon is of the current data; computed anew, in one call of
-- carbon.job_carbon_of, for the others (few, or none: db upgrade and import
-- intensity refresh them), found through job_total's index on rate_gen
-- (carbon.job_carbon_is_stale tells the two apart).
-- The two kinds come in two branches, so that the many current jobs are
-- read in one scan joined to nothing, and the columns are computed once,
-- outside, for the rows a query keeps.
CREATE OR REPLACE VIEW carbon_api.job WITH (security_invoker = true) AS
    SELECT t.cluster, t.job_id, t.job_start, t.user_name, t.project, t.tag,
           t.start_time, t.end_time,
           t.cpu_j / 3600000.0 AS cpu_kwh, t.dram_j / 3600000.0 AS dram_kwh,
           t.gpu_j / 3600000.0 AS gpu_kwh, t.other_j / 3600000.0 AS other_kwh,
           (t.cpu_j + t.dram_j + t.gpu_j + t.other_j) / 3600000.0 AS it_kwh,
           coalesce(t.current_facility_kwh, 0) AS facility_kwh,
           coalesce(t.current_co2e_kg, 0) AS co2e_kg,
           t.estimated_j / 3600000.0 AS estimated_kwh,
           t.cpu_time_s / 3600.0 AS cpu_hours, t.gpu_s / 3600.0 AS gpu_hours,
           t.records, t.measured
    FROM (
        SELECT s.*, s.facility_kwh AS current_facility_kwh, s.co2e_kg AS current_co2e_kg
        FROM carbon.job_total s
        WHERE carbon.job_carbon_is_stale(s, (SELECT gen FROM carbon.rate_generation)) IS FALSE
        UNION ALL
        SELECT s.*, f.facility_kwh, f.co2e_kg
        FROM carbon.job_total s
        LEFT JOIN (
            SELECT c.cluster, c.job_id, c.job_start, c.facility_kwh, c.co2e_kg
            FROM (SELECT array_agg(o.cluster) AS clusters, array_agg(o.job_id) AS job_ids,
                         array_agg(o.job_start) AS job_starts
                  FROM carbon.job_total o
                  WHERE carbon.job_carbon_is_stale(o, (SELECT gen FROM carbon.rate_generation))) a
            CROSS JOIN LATERAL carbon.job_carbon_of(a.clusters, a.job_ids, a.job_starts,
                                                    NULL, true, 1.0, NULL, NULL, false) c
            WHERE a.clusters IS NOT NULL
        ) f ON f.cluster = s.cluster AND f.job_id = s.job_id AND f.job_start = s.job_start
        WHERE carbon.job_carbon_is_stale(s, (SELECT gen FROM carbon.rate_generation))
    ) t;

-- The jobs added up by cluster, project and user (project NULL: jobs
-- without one).
CREATE OR REPLACE VIEW carbon_api.usage WITH (security_invoker = true) AS
    SELECT j.cluster, j.project, j.user_name, count(*) AS jobs, sum(j.records) AS records,
           sum(j.it_kwh) AS it_kwh, sum(j.facility_kwh) AS facility_kwh,
           sum(j.co2e_kg) AS co2e_kg, sum(j.cpu_hours) AS cpu_hours,
           sum(j.gpu_hours) AS gpu_hours, min(j.start_time) AS first_start,
           max(j.end_time) AS last_end
    FROM carbon_api.job j
    GROUP BY j.cluster, j.project, j.user_name;

-- The same by UTC day of the jobs' end (as `summary --by day`).
CREATE OR REPLACE VIEW carbon_api.usage_daily WITH (security_invoker = true) AS
    SELECT (j.end_time AT TIME ZONE 'UTC')::date AS day, j.cluster, j.project, j.user_name,
           count(*) AS jobs, sum(j.records) AS records, sum(j.it_kwh) AS it_kwh,
           sum(j.facility_kwh) AS facility_kwh, sum(j.co2e_kg) AS co2e_kg,
           sum(j.cpu_hours) AS cpu_hours, sum(j.gpu_hours) AS gpu_hours
    FROM carbon_api.job j
    GROUP BY 1, j.cluster, j.project, j.user_name;

-- Each cluster: its jobs and records, and the end of its newest record
-- (newest_record_age_s: seconds from then to now(); a cluster whose nodes
-- stopped writing grows old). The clusters are found by index probes, one
-- each, and each column is computed only where a query asks for it: the
-- newest record by one more probe, the jobs and records by reading the
-- cluster's jobs.
CREATE OR REPLACE VIEW carbon_api.cluster_status WITH (security_invoker = true) AS
    WITH RECURSIVE c AS (
        (SELECT t.cluster FROM carbon.job_total t ORDER BY t.cluster LIMIT 1)
        UNION ALL
        SELECT (SELECT t.cluster FROM carbon.job_total t WHERE t.cluster > c.cluster
                ORDER BY t.cluster LIMIT 1)
        FROM c WHERE c.cluster IS NOT NULL
    )
    SELECT c.cluster,
           (SELECT count(*) FROM carbon.job_total t WHERE t.cluster = c.cluster) AS jobs,
           (SELECT sum(t.records) FROM carbon.job_total t
            WHERE t.cluster = c.cluster) AS records,
           n.newest_record_end,
           extract(epoch FROM now() - n.newest_record_end)::float8 AS newest_record_age_s
    FROM c
    CROSS JOIN LATERAL (SELECT max(t.end_time) AS newest_record_end
                        FROM carbon.job_total t WHERE t.cluster = c.cluster) n
    WHERE c.cluster IS NOT NULL;

GRANT SELECT ON carbon_api.job, carbon_api.usage, carbon_api.usage_daily,
    carbon_api.cluster_status TO carbon_user, carbon_admin;
