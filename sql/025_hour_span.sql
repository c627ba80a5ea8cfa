-- SPDX-License-Identifier: GPL-2.0-or-later
-- 025: each job's first and last hour bucket in carbon.job_total, so that a
-- report prices a job at once where its cluster's rate is the same over all
-- its hours (carbon.rate_spans, sql/functions/job_rules.sql).
--
-- A report whose settings differ from those the stored carbon was computed
-- with prices every job's energy again. Its rate changes only at a few
-- instants (the turn of a year of annual figures, a PUE period's start or
-- end), so most jobs lie in one span of constant rate and come to their
-- energy times that rate; only the rest need carbon.job_hour's buckets, one
-- by one. Which span a job lies in is known from its start (where the rest
-- of its energy is counted) and its hour buckets' first and last hour,
-- which job_total now holds: the buckets' hours are the records' word and
-- need not lie within the job's start and end.
ALTER TABLE carbon.job_total
    ADD COLUMN first_hour timestamptz,      -- min(carbon.job_hour.hour) of the job; NULL: none
    ADD COLUMN last_hour  timestamptz;      -- max(carbon.job_hour.hour)

UPDATE carbon.job_total t
SET first_hour = h.first_hour, last_hour = h.last_hour
FROM (SELECT x.cluster, x.job_id, x.job_start, min(x.hour) AS first_hour,
             max(x.hour) AS last_hour
      FROM carbon.job_hour x
      GROUP BY x.cluster, x.job_id, x.job_start) h
WHERE t.cluster = h.cluster AND t.job_id = h.job_id AND t.job_start = h.job_start;
