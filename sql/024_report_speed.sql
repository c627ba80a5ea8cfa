-- SPDX-License-Identifier: GPL-2.0-or-later
-- 024: the reports find the jobs that job_total cannot add up by an index.
--
-- Every summary and track reads the records of the jobs whose totals need
-- them (carbon.job_total.needs_records: records of more than one user, or
-- from before 003) through `IN (SELECT ... FROM carbon.job_total WHERE
-- needs_records)`. Such jobs are few or none, but without an index the
-- question is a scan of all of job_total: 90 ms at 250 000 jobs on the
-- development VM, 435-591 ms at the 2.5 M jobs of the track benchmark's
-- 10 M records, where the whole report has 2 s. A partial index holds only
-- those jobs (0.15 ms there), and costs a writer nothing for the others.
CREATE INDEX job_total_needs_records ON carbon.job_total (cluster, job_id, job_start)
    WHERE needs_records;
