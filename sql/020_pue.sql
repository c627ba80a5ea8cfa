-- SPDX-License-Identifier: GPL-2.0-or-later
-- 020: PUE as CodeCarbon means it, and the PUE period that applies, named.
--
-- CodeCarbon multiplies every measurement's energy by its pue before adding
-- it to cpu_energy, gpu_energy, ram_energy and energy_consumed
-- (codecarbon/emissions_tracker.py, EmissionsTracker._do_measurements,
-- since CodeCarbon 2.2.3; so in 3.3.0). carbon.imported_run keeps IT energy
-- in cpu_kwh, gpu_kwh and ram_kwh (the file's value / pue), the facility
-- energy in energy_kwh (energy_consumed) and the row's pue; before this
-- migration `carbon-report import codecarbon` stored the file's components
-- unchanged, so a row with a pue other than 1 counted its PUE twice.
COMMENT ON COLUMN carbon.imported_run.cpu_kwh IS
    'IT energy: CodeCarbon''s cpu_energy / pue';
COMMENT ON COLUMN carbon.imported_run.gpu_kwh IS
    'IT energy: CodeCarbon''s gpu_energy / pue';
COMMENT ON COLUMN carbon.imported_run.ram_kwh IS
    'IT energy: CodeCarbon''s ram_energy / pue';
COMMENT ON COLUMN carbon.imported_run.energy_kwh IS
    'facility energy: CodeCarbon''s energy_consumed (PUE included)';

-- Which stored rows hold CodeCarbon's components as imported: CodeCarbon's
-- energy_consumed is the sum of its three components, all with the PUE in.
-- Rows that slurm-carbon's own export wrote before this change hold IT
-- components whose sum is at most energy_consumed / pue (the rest is
-- "other" energy), so with a pue other than 1 the two kinds differ, and
-- only the first is divided. A pue of 1 changes nothing either way.
UPDATE carbon.imported_run
SET cpu_kwh = cpu_kwh / pue, gpu_kwh = gpu_kwh / pue, ram_kwh = ram_kwh / pue
WHERE pue IS NOT NULL AND abs(pue - 1.0) > 1e-9
  AND coalesce(cpu_kwh, gpu_kwh, ram_kwh) IS NOT NULL
  AND abs(coalesce(cpu_kwh, 0) + coalesce(gpu_kwh, 0) + coalesce(ram_kwh, 0) - energy_kwh)
      <= 1e-6 * energy_kwh;

-- The cluster's PUE period in force at an instant (none, or one row): the
-- latest that started at or before it and has not ended. One rule for
-- carbon.pue_at and for the reports that name the period they used. Plain
-- SQL without SET, so that the planner can inline it.
CREATE FUNCTION carbon.pue_period_at(p_cluster text, p_at timestamptz)
RETURNS SETOF carbon.pue_period
LANGUAGE sql STABLE
AS $$
    SELECT p.* FROM carbon.pue_period p
    WHERE p.cluster = p_cluster AND p.valid_from <= p_at
      AND (p.valid_to IS NULL OR p.valid_to > p_at)
    ORDER BY p.valid_from DESC LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION carbon.pue_period_at(text, timestamptz) TO carbon_user, carbon_admin;

-- 005's carbon.pue_at on that rule: the same results. Its source is
-- 'period', or 'carbon.conf' for p_default, which is whatever setting the
-- caller passes (the reports name it themselves).
CREATE OR REPLACE FUNCTION carbon.pue_at(p_cluster text, p_at timestamptz, p_default float8,
    OUT pue float8, OUT source text)
LANGUAGE sql STABLE SET search_path = carbon, pg_temp
AS $$
    SELECT coalesce(p.pue, p_default),
           CASE WHEN p.pue IS NOT NULL THEN 'period' ELSE 'carbon.conf' END
    FROM (SELECT) x LEFT JOIN LATERAL carbon.pue_period_at(p_cluster, p_at) p ON true
$$;
