-- SPDX-License-Identifier: GPL-2.0-or-later
-- 022: the schema of the views for dashboards and monitoring.
--
-- carbon_api holds views that are a stable interface (doc/views.md): their
-- names and columns are kept, new columns come at the end. The tables of
-- the carbon schema are the implementation and may change with any
-- migration. The views themselves are in sql/functions/views.sql, re-applied
-- after the rules they are built on (sql/functions/job_rules.sql).
CREATE SCHEMA carbon_api;
GRANT USAGE ON SCHEMA carbon_api TO carbon_user, carbon_admin;

-- The newest record of each cluster (carbon_api.cluster_status, carbon-report
-- metrics), one index probe a cluster: without it, a scrape every minute
-- would read every job. On carbon.job_total, which the reports' catch-up
-- writes, so that the plugin's write path (carbon.step_energy) keeps its
-- indexes as they were.
CREATE INDEX job_total_cluster_end ON carbon.job_total (cluster, end_time);
