-- SPDX-License-Identifier: GPL-2.0-or-later
-- The CodeCarbon runs imported for a report (carbon.imported_run, 007), one
-- row each, with their energy split the way every report counts it: the
-- statement, summary and track add these rows up, so an imported run counts
-- the same in all three. Re-applied by every db init and db upgrade.
--
-- Which runs: the report's filter, as the jobs' (job ids, cluster, user,
-- project, tag, -S/-E). A run is no Slurm job and has no cluster: a filter
-- that names job ids or a cluster selects none. The user is the role that
-- imported the run; the run's timestamp (its end) lies in [start, end).
-- Row-level security (007) shows a participant their own imports and those
-- of their projects: the function runs with the caller's rights.
--
-- Energy, in kWh: CodeCarbon's cpu, ram and gpu energies as CPU, DRAM and
-- GPU; IT is energy_consumed / PUE where the row has a PUE (what that leaves
-- above the three parts is "other"), else the three parts added up, else
-- energy_consumed; facility is energy_consumed (never below IT); the CO2e is
-- the row's emissions as imported (CodeCarbon's own intensity and PUE).
-- method and how: the row's method ('codecarbon', or 'estimate' for runs of
-- 'carbon-report import estimate') and, for an estimate, how it was made
-- (its source_file); statements count estimates apart. A changed set of
-- columns needs the DROP.
DROP FUNCTION IF EXISTS carbon.imported_runs(bigint[], text, text, text, text, float8, float8);
CREATE FUNCTION carbon.imported_runs(
    p_job_ids bigint[], p_cluster text, p_user text, p_project text, p_tag text,
    p_start float8, p_end float8)
RETURNS TABLE (project text, tag text, user_name text,
               start_time timestamptz, end_time timestamptz, duration_s float8,
               cpu_kwh float8, dram_kwh float8, gpu_kwh float8, other_kwh float8,
               it_kwh float8, facility_kwh float8, co2e_kg float8,
               method text, how text)
LANGUAGE sql STABLE
AS $$
    SELECT r.project, r.tag, r.user_name,
           r."timestamp" - make_interval(secs => r.duration_s), r."timestamp",
           r.duration_s,
           coalesce(r.cpu_kwh, 0), coalesce(r.ram_kwh, 0), coalesce(r.gpu_kwh, 0),
           x.it - p.parts, x.it, greatest(r.energy_kwh, x.it), r.emissions_kg,
           r.method, CASE WHEN r.method = 'estimate' THEN r.source_file END
    FROM carbon.imported_run r
    CROSS JOIN LATERAL (SELECT coalesce(r.cpu_kwh, 0) + coalesce(r.ram_kwh, 0)
                               + coalesce(r.gpu_kwh, 0) AS parts) p
    CROSS JOIN LATERAL (SELECT CASE
            WHEN r.pue IS NOT NULL THEN greatest(r.energy_kwh / r.pue, p.parts)
            WHEN coalesce(r.cpu_kwh, r.ram_kwh, r.gpu_kwh) IS NOT NULL THEN p.parts
            ELSE r.energy_kwh END AS it) x
    WHERE p_job_ids IS NULL AND p_cluster IS NULL
      AND (p_user IS NULL OR r.user_name = p_user)
      AND (p_project IS NULL OR r.project = p_project)
      AND (p_tag IS NULL OR r.tag = p_tag)
      AND (p_start IS NULL OR r."timestamp" >= to_timestamp(p_start))
      AND (p_end IS NULL OR r."timestamp" < to_timestamp(p_end))
$$;
