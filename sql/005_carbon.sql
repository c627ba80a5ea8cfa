-- SPDX-License-Identifier: GPL-2.0-or-later
-- 005: carbon at query time (issue 5; DESIGN §4). The intensity that applies
-- to energy used at an instant, and the PUE of the period it was used in.
-- carbon-report asks these for every hour bucket of a job, so loading better
-- data changes the reports, and each result names the data it used.

-- The resolution chain: the site's fixed value; else the zone's time series
-- (average signal; lifecycle before direct); else the zone's annual value of
-- the nearest year (a country, an Electricity Maps zone or a cloud region);
-- else the country's (the zone id's part before its first '-'); else the
-- world average (the WORLD row, or Green Algorithms v3.0's 475 g, IEA 2019).
CREATE FUNCTION carbon.intensity_at(p_zone text, p_at timestamptz, p_fixed float8,
    OUT g_per_kwh float8, OUT level text, OUT dataset text, OUT year integer,
    OUT zone text, OUT resolution text, OUT licence text)
LANGUAGE plpgsql STABLE SET search_path = carbon, pg_temp
AS $$
DECLARE
    y integer := extract(year FROM p_at AT TIME ZONE 'UTC')::integer;
    country text := nullif(split_part(coalesce(p_zone, ''), '-', 1), '');
BEGIN
    IF p_fixed IS NOT NULL THEN
        SELECT p_fixed, 'site', 'carbon.conf [site] intensity', NULL::integer, p_zone, 'fixed', NULL
            INTO g_per_kwh, level, dataset, year, zone, resolution, licence;
        RETURN;
    END IF;
    IF coalesce(p_zone, '') <> '' THEN
        SELECT s.g_per_kwh, 'series', s.dataset,
               extract(year FROM s.start_time AT TIME ZONE 'UTC')::integer, s.zone,
               CASE WHEN s.end_time - s.start_time <= interval '1 hour' THEN 'hourly'
                    WHEN s.end_time - s.start_time <= interval '1 day' THEN 'daily'
                    ELSE 'monthly' END, NULL
            INTO g_per_kwh, level, dataset, year, zone, resolution, licence
            FROM carbon.intensity_series s
            WHERE s.zone = p_zone AND s.signal = 'average'
              AND s.start_time <= p_at AND s.end_time > p_at
            ORDER BY s.scope = 'lifecycle' DESC
            LIMIT 1;
        IF FOUND THEN
            RETURN;
        END IF;
        SELECT a.g_per_kwh, a.kind, a.dataset, a.year, a.zone, 'annual', a.licence
            INTO g_per_kwh, level, dataset, year, zone, resolution, licence
            FROM carbon.intensity_annual a
            WHERE a.zone = p_zone AND a.kind <> 'world'
            ORDER BY abs(a.year - y), a.year DESC, a.dataset
            LIMIT 1;
        IF FOUND THEN
            RETURN;
        END IF;
        IF country IS DISTINCT FROM p_zone THEN
            SELECT a.g_per_kwh, 'country', a.dataset, a.year, a.zone, 'annual', a.licence
                INTO g_per_kwh, level, dataset, year, zone, resolution, licence
                FROM carbon.intensity_annual a
                WHERE a.zone = country AND a.kind = 'country'
                ORDER BY abs(a.year - y), a.year DESC, a.dataset
                LIMIT 1;
            IF FOUND THEN
                RETURN;
            END IF;
        END IF;
    END IF;
    SELECT a.g_per_kwh, 'world', a.dataset, a.year, 'WORLD', 'annual', a.licence
        INTO g_per_kwh, level, dataset, year, zone, resolution, licence
        FROM carbon.intensity_annual a
        WHERE a.kind = 'world'
        ORDER BY abs(a.year - y), a.year DESC, a.dataset
        LIMIT 1;
    IF NOT FOUND THEN
        SELECT 475.0, 'world', 'Green Algorithms v3.0', 2019, 'WORLD', 'annual', 'CC-BY-4.0'
            INTO g_per_kwh, level, dataset, year, zone, resolution, licence;
    END IF;
END
$$;

-- The PUE at an instant: the cluster's period that covers it, else p_default
-- (carbon.conf's pue).
CREATE FUNCTION carbon.pue_at(p_cluster text, p_at timestamptz, p_default float8,
    OUT pue float8, OUT source text)
LANGUAGE sql STABLE SET search_path = carbon, pg_temp
AS $$
    SELECT coalesce(
               (SELECT p.pue FROM carbon.pue_period p
                WHERE p.cluster = p_cluster AND p.valid_from <= p_at
                  AND (p.valid_to IS NULL OR p.valid_to > p_at)
                ORDER BY p.valid_from DESC LIMIT 1),
               p_default),
           CASE WHEN EXISTS (SELECT FROM carbon.pue_period p
                             WHERE p.cluster = p_cluster AND p.valid_from <= p_at
                               AND (p.valid_to IS NULL OR p.valid_to > p_at))
                THEN 'period' ELSE 'carbon.conf' END
$$;

GRANT EXECUTE ON FUNCTION carbon.intensity_at(text, timestamptz, float8),
    carbon.pue_at(text, timestamptz, float8) TO carbon_user, carbon_admin;

-- Which data a report used: the schema's migration, the annual rows and
-- their datasets' latest year, the newest imported series row. Reports
-- print it so that a figure can be traced (and redone) later.
CREATE VIEW carbon.data_version AS
    SELECT (SELECT max(version) FROM carbon.schema_migrations) AS schema_version,
           (SELECT count(*) FROM carbon.intensity_annual) AS annual_rows,
           (SELECT max(year) FROM carbon.intensity_annual) AS annual_latest_year,
           (SELECT count(*) FROM carbon.intensity_series) AS series_rows,
           (SELECT max(imported_at) FROM carbon.intensity_series) AS series_imported_at;
GRANT SELECT ON carbon.data_version TO carbon_user, carbon_admin;
