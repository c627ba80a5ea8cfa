-- SPDX-License-Identifier: GPL-2.0-or-later
-- 023: carbon.step_energy partitioned by month, for a large site's years of
-- records: retention drops whole months instead of deleting rows one by one,
-- and each month's indexes and vacuum stay the size of a month.
--
-- * The partition key is job_start, the job instance's start (014). It is in
--   the key the write path's ON CONFLICT names (cluster, job_id, job_start,
--   step, node), as PostgreSQL requires of a unique key on a partitioned
--   table, so the key and the exactly-once rule are those of 014 unchanged;
--   and every record of a job instance lives in the same partition, so a
--   month is pruned whole jobs at a time. start_time or end_time would not
--   do: neither is in the key (a checkpoint and the final record of a step
--   differ in end_time), and a key holding one would store them twice.
-- * Partitions: carbon.step_energy_YYYY_MM holds the job instances that
--   began in that UTC month; carbon.step_energy_unknown the records whose
--   instance is unknown (job_start '-infinity': stored before 014, or from
--   a plugin that could not ask slurmctld); carbon.step_energy_default
--   whatever month has no partition yet, so no record is ever refused for
--   its date. carbon.make_partitions(from, to) makes the months of a range
--   that lack one, moving their records out of the default partition;
--   carbon.maintain_partitions(n), which this migration, `carbon-report db
--   upgrade` and `carbon-report db maintain` call, makes this month and the
--   n after it, and every earlier month with records in the default
--   partition.
-- * carbon.prune(before, dry_run) is `carbon-report db prune`.
-- * The table is rebuilt: its columns, defaults, checks (a NOT VALID one
--   stays NOT VALID: rows stored before 013 are not re-checked), key,
--   indexes, triggers, row-level security policies and grants are carried
--   over from the catalog as they are, whichever migration made them, and so
--   are the views and other tables' policies that read it. Partitions get no
--   grants: they are read through carbon.step_energy, under its policies.
-- * For later migrations: ALTER TABLE carbon.step_energy ADD COLUMN, ADD
--   CONSTRAINT ... CHECK and CREATE INDEX reach every partition as before; a
--   unique index must hold job_start; CREATE INDEX CONCURRENTLY does not work
--   on a partitioned table (create it ON ONLY carbon.step_energy, then
--   concurrently on each partition, then ALTER INDEX ... ATTACH PARTITION).
-- * carbon.job_total and carbon.job_hour stay unpartitioned (see
--   doc/benchmarks.md, "Partitioning"): the reports read them whole, and
--   the writer's refresh reaches them by job, so a partition key would only
--   add a partition to search per job; prune deletes their rows of the
--   pruned jobs.

-- The month partition that holds job instances that began at p_at.
CREATE FUNCTION carbon.step_energy_partition_name(p_at timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'step_energy_' || to_char(p_at AT TIME ZONE 'UTC', 'YYYY_MM') $$;

-- Make the month partitions of carbon.step_energy for every UTC month that
-- overlaps [p_from, p_to) and has none, moving that month's records out of
-- the default partition into it. Returns one row per partition made, with
-- the number of records moved. At most 600 months a call; from 1970 to 2200.
-- A partition is made as a table of its own, filled, then attached: writers
-- never wait on it (an attach takes no lock that an insert or a report
-- conflicts with, but on the default partition while it is checked).
CREATE FUNCTION carbon.make_partitions(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (partition_name text, records_moved bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    lo timestamptz;
    hi timestamptz;
BEGIN
    IF p_from IS NULL OR p_to IS NULL
       OR NOT (p_from >= '1970-01-01' AND p_to <= '2200-01-01' AND p_from < p_to) THEN
        RAISE EXCEPTION 'carbon.make_partitions: p_from and p_to must be times in 1970 to 2200, p_from the earlier'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_to > p_from + interval '50 years' THEN
        RAISE EXCEPTION 'carbon.make_partitions: at most 600 months at a time'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lo := date_trunc('month', p_from);
    WHILE lo < p_to LOOP
        hi := lo + interval '1 month';
        partition_name := carbon.step_energy_partition_name(lo);
        IF to_regclass(format('carbon.%I', partition_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE carbon.%I (LIKE carbon.step_energy'
                           ' INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)',
                           partition_name);
            EXECUTE format('WITH moved AS (DELETE FROM carbon.step_energy_default'
                           ' WHERE job_start >= %L AND job_start < %L RETURNING *)'
                           ' INSERT INTO carbon.%I SELECT * FROM moved', lo, hi, partition_name);
            GET DIAGNOSTICS records_moved = ROW_COUNT;
            EXECUTE format('ALTER TABLE carbon.step_energy ATTACH PARTITION carbon.%I'
                           ' FOR VALUES FROM (%L) TO (%L)', partition_name, lo, hi);
            RETURN NEXT;
        END IF;
        lo := hi;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION carbon.make_partitions(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.make_partitions(timestamptz, timestamptz) TO carbon_admin;

-- What db upgrade and db maintain make: the partitions of this UTC month and
-- the p_months_ahead after it, and of every earlier month that has records
-- waiting in the default partition (imported, or written before the month
-- had one). A later month's records wait there until it comes within reach.
CREATE FUNCTION carbon.maintain_partitions(p_months_ahead integer)
RETURNS TABLE (partition_name text, records_moved bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    this_month constant timestamptz := date_trunc('month', now());
    m timestamptz;
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead < 0 OR p_months_ahead > 120 THEN
        RAISE EXCEPTION 'carbon.maintain_partitions: months ahead must be from 0 to 120'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR m IN SELECT DISTINCT date_trunc('month', d.job_start)
             FROM carbon.step_energy_default d WHERE d.job_start < this_month
             ORDER BY 1 LOOP
        RETURN QUERY SELECT * FROM carbon.make_partitions(m, m + interval '1 month');
    END LOOP;
    RETURN QUERY SELECT * FROM carbon.make_partitions(
        this_month, this_month + make_interval(months => p_months_ahead + 1));
END
$$;
REVOKE ALL ON FUNCTION carbon.maintain_partitions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.maintain_partitions(integer) TO carbon_admin;

-- The rebuild. Everything that names carbon.step_energy is read from the
-- catalog first, as SQL that names it by schema (search_path empty), then
-- made again on the partitioned table.
CREATE TEMPORARY TABLE step_energy_023 (ord serial, kind text, ddl text) ON COMMIT DROP;

DO $$
DECLARE
    t constant regclass := 'carbon.step_energy'::regclass;
    r record;
    path constant text := current_setting('search_path');
BEGIN
    PERFORM set_config('search_path', '', true);
    -- Nothing may depend on the table but what is carried over below.
    FOR r IN SELECT DISTINCT d.classid::regclass AS cls
             FROM pg_depend d
             WHERE d.refobjid = t AND d.refclassid = 'pg_class'::regclass
                   AND d.classid NOT IN ('pg_class'::regclass, 'pg_type'::regclass,
                                         'pg_attrdef'::regclass, 'pg_constraint'::regclass,
                                         'pg_trigger'::regclass, 'pg_policy'::regclass,
                                         'pg_rewrite'::regclass) LOOP
        RAISE EXCEPTION '023: carbon.step_energy has dependents of kind % that this migration cannot carry over',
            r.cls;
    END LOOP;
    -- Checks: valid ones before the rows move in (each row is checked as it
    -- is inserted), NOT VALID ones after. The key once the rows are in.
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT CASE WHEN c.contype = 'c' AND c.convalidated THEN 'check'
                    ELSE 'after_rows' END,
               format('ALTER TABLE carbon.step_energy ADD CONSTRAINT %I %s',
                      c.conname, pg_get_constraintdef(c.oid))
        FROM pg_constraint c WHERE c.conrelid = t ORDER BY c.contype <> 'p', c.conname;
    IF EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = t AND c.contype NOT IN ('c', 'p')) THEN
        RAISE EXCEPTION '023: carbon.step_energy has constraints other than checks and its key';
    END IF;
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT 'after_rows', pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = t
              AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY i.indexrelid;
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT 'after_rows', pg_get_triggerdef(g.oid)
        FROM pg_trigger g WHERE g.tgrelid = t AND NOT g.tgisinternal ORDER BY g.tgname;
    -- Row-level security and the policies of this table and of others that
    -- read it (carbon.job_state's, 016).
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT 'after_rows', format('ALTER TABLE carbon.step_energy %s ROW LEVEL SECURITY',
                                    CASE WHEN c.relrowsecurity THEN 'ENABLE' ELSE 'DISABLE' END)
        FROM pg_class c WHERE c.oid = t;
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT CASE WHEN p.polrelid = t THEN 'after_rows' ELSE 'dependent' END,
               format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s',
                      p.polname, p.polrelid::regclass,
                      CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                      CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                                    WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                      (SELECT string_agg(CASE WHEN u.r = 0 THEN 'PUBLIC'
                                              ELSE quote_ident(pg_get_userbyid(u.r)) END, ', ')
                       FROM unnest(p.polroles) AS u(r)),
                      ' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')',
                      ' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')')
        FROM pg_policy p
        WHERE p.polrelid = t
              OR p.oid IN (SELECT d.objid FROM pg_depend d
                           WHERE d.classid = 'pg_policy'::regclass AND d.refobjid = t)
        ORDER BY p.polrelid = t DESC, p.polname;
    -- The views that read it (a view that reads such a view is refused:
    -- there is none).
    IF EXISTS (SELECT FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid
               JOIN pg_depend d2 ON d2.refobjid = w.ev_class AND d2.classid = 'pg_rewrite'::regclass
                                    AND d2.refobjid <> d2.objid
               JOIN pg_rewrite w2 ON w2.oid = d2.objid AND w2.ev_class <> w.ev_class
               WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = t) THEN
        RAISE EXCEPTION '023: a view reads a view of carbon.step_energy; carry it over too';
    END IF;
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT 'view', format('CREATE VIEW %s%s AS %s', v.oid::regclass,
                              ' WITH (' || array_to_string(v.reloptions, ', ') || ')',
                              pg_get_viewdef(v.oid))
        FROM pg_class v
        WHERE v.oid IN (SELECT w.ev_class FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid
                        WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = t
                              AND w.ev_class <> t)
        ORDER BY v.oid;
    -- Grants of the table and of those views (not the owner's own).
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT CASE WHEN c.oid = t THEN 'after_rows' ELSE 'view' END,
               format('GRANT %s ON %s TO %s', a.privilege_type, c.oid::regclass,
                      CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                           ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE (c.oid = t OR c.oid IN (SELECT w.ev_class FROM pg_depend d
                                      JOIN pg_rewrite w ON w.oid = d.objid
                                      WHERE d.classid = 'pg_rewrite'::regclass
                                            AND d.refobjid = t))
              AND a.grantee <> c.relowner;
    INSERT INTO step_energy_023 (kind, ddl)
        SELECT 'after_rows', format('COMMENT ON TABLE carbon.step_energy IS %L',
                                    obj_description(t, 'pg_class'))
        WHERE obj_description(t, 'pg_class') IS NOT NULL;
    PERFORM set_config('search_path', path, true);
END
$$;

DO $$
DECLARE
    r record;
    n_old bigint;
    n_new bigint;
BEGIN
    -- The dependents go first, then the table is renamed and its copy made.
    FOR r IN SELECT p.polname, p.polrelid::regclass AS rel FROM pg_policy p
             WHERE p.polrelid <> 'carbon.step_energy'::regclass
                   AND p.oid IN (SELECT d.objid FROM pg_depend d
                                 WHERE d.classid = 'pg_policy'::regclass
                                       AND d.refobjid = 'carbon.step_energy'::regclass) LOOP
        EXECUTE format('DROP POLICY %I ON %s', r.polname, r.rel);
    END LOOP;
    FOR r IN SELECT DISTINCT w.ev_class::regclass AS v FROM pg_depend d
             JOIN pg_rewrite w ON w.oid = d.objid
             WHERE d.classid = 'pg_rewrite'::regclass
                   AND d.refobjid = 'carbon.step_energy'::regclass
                   AND w.ev_class <> 'carbon.step_energy'::regclass LOOP
        EXECUTE format('DROP VIEW %s', r.v);
    END LOOP;
    ALTER TABLE carbon.step_energy RENAME TO step_energy_unpartitioned;
    -- The same columns, in the same order (tests/unit/test_record_fields
    -- reads them from the migrations before this one).
    CREATE TABLE carbon.step_energy
        (LIKE carbon.step_energy_unpartitioned
         INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS)
        PARTITION BY RANGE (job_start);
    FOR r IN SELECT ddl FROM step_energy_023 WHERE kind = 'check' ORDER BY ord LOOP
        EXECUTE r.ddl;
    END LOOP;
    CREATE TABLE carbon.step_energy_unknown PARTITION OF carbon.step_energy
        FOR VALUES FROM (MINVALUE) TO ('1970-01-01 00:00:00+00');
    CREATE TABLE carbon.step_energy_default PARTITION OF carbon.step_energy DEFAULT;
    -- A partition for each month with records before this one, this one and
    -- three ahead (as db upgrade makes them); a record of a later month
    -- waits in the default partition.
    PERFORM carbon.make_partitions(m, m + interval '1 month')
    FROM (SELECT DISTINCT date_trunc('month', job_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m
          FROM carbon.step_energy_unpartitioned
          WHERE job_start >= '1970-01-01'
                AND job_start < date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') k;
    PERFORM carbon.maintain_partitions(3);
    INSERT INTO carbon.step_energy SELECT * FROM carbon.step_energy_unpartitioned;
    GET DIAGNOSTICS n_new = ROW_COUNT;
    SELECT count(*) INTO n_old FROM carbon.step_energy_unpartitioned;
    IF n_new <> n_old THEN
        RAISE EXCEPTION '023: moved % records of %', n_new, n_old;
    END IF;
    DROP TABLE carbon.step_energy_unpartitioned;
    FOR r IN SELECT ddl FROM step_energy_023 WHERE kind IN ('after_rows', 'view', 'dependent')
             ORDER BY kind = 'after_rows' DESC, kind = 'view' DESC, ord LOOP
        EXECUTE r.ddl;
    END LOOP;
END
$$;
ANALYZE carbon.step_energy;

-- The records waiting in the default partition, and the UTC months
-- ('YYYY-MM') their job instances began in: for db maintain to say, to an
-- administrator who may not read the partition itself.
CREATE FUNCTION carbon.step_energy_waiting(OUT records bigint, OUT months text[])
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = carbon, pg_temp SET TimeZone = 'UTC'
AS $$
    SELECT count(*), coalesce(array_agg(DISTINCT to_char(d.job_start, 'YYYY-MM')), '{}')
    FROM carbon.step_energy_default d
$$;
REVOKE ALL ON FUNCTION carbon.step_energy_waiting() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.step_energy_waiting() TO carbon_admin;

-- Retention: remove the records of the job instances that began before
-- p_before (a time not in the future), and what is derived from them. A
-- month partition that ends by p_before is dropped whole; in the month
-- p_before falls in, and in the default partition, the records of instances
-- that began before it are deleted. A record whose instance is unknown
-- (carbon.step_energy_unknown) goes with its job once every record of that
-- job ended before p_before. The pruned instances' rows of carbon.job_total,
-- carbon.job_hour and carbon.job_state go too, so summary and track no longer
-- count them. Imported runs, intensities and sites are kept. With p_dry_run,
-- nothing changes and the same rows say what would go. One row per part:
-- what, records, jobs (job instances; NULL for derived rows, counted in
-- records).
CREATE FUNCTION carbon.prune(p_before timestamptz, p_dry_run boolean)
RETURNS TABLE (what text, records bigint, jobs bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = carbon, pg_temp SET TimeZone = 'UTC' SET lock_timeout = '10s' SET client_min_messages = 'notice'
-- Its notices are carbon-report's progress line ("step I of N"), whatever the
-- session's client_min_messages.
AS $$
DECLARE
    p record;
    dropped regclass[] := '{}';   -- the whole months
    unknown_cluster text[];       -- the jobs of unknown instance to remove
    unknown_job bigint[];
    tbl text;
    pruned text;                  -- the derived rows of the pruned instances
    steps int;                    -- for the caller's progress line: the whole
    step int := 0;                -- months, the rest, unknown, 3 derived tables
BEGIN
    IF p_before IS NULL OR p_before > now() OR p_before < '1970-01-01' THEN
        RAISE EXCEPTION 'carbon.prune: the time to prune before must be from 1970 to now'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT count(*) + 5 INTO steps
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'carbon.step_energy'::regclass
          AND c.relname ~ '^step_energy_[0-9]{4}_[0-9]{2}$'
          AND to_timestamp(substr(c.relname, 13), 'YYYY_MM') + interval '1 month' <= p_before;
    -- The whole months.
    FOR p IN SELECT c.relname, to_timestamp(substr(c.relname, 13), 'YYYY_MM') AS lo
             FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'carbon.step_energy'::regclass
                   AND c.relname ~ '^step_energy_[0-9]{4}_[0-9]{2}$'
             ORDER BY c.relname LOOP
        CONTINUE WHEN p.lo + interval '1 month' > p_before;
        what := format('carbon.%s (job instances that began in %s, the whole month)',
                       p.relname, to_char(p.lo, 'YYYY-MM'));
        EXECUTE format('SELECT count(*), count(DISTINCT (cluster, job_id, job_start)) FROM carbon.%I',
                       p.relname) INTO records, jobs;
        IF p_dry_run THEN
            dropped := dropped || format('carbon.%I', p.relname)::regclass;
        ELSE
            EXECUTE format('DROP TABLE carbon.%I', p.relname);
        END IF;
        RETURN NEXT;
        step := step + 1;
        RAISE NOTICE 'carbon.prune: step % of %', step, steps;
    END LOOP;
    -- The rest that began before p_before: the month it falls in, the
    -- default partition.
    what := format('records of job instances that began before %s, in the month it falls in'
                   ' and in carbon.step_energy_default', to_char(p_before, 'YYYY-MM-DD HH24:MI:SS"Z"'));
    IF p_dry_run THEN
        SELECT count(*), count(DISTINCT (s.cluster, s.job_id, s.job_start)) INTO records, jobs
        FROM carbon.step_energy s
        WHERE s.job_start >= '1970-01-01' AND s.job_start < p_before
              AND s.tableoid <> ALL (dropped);
    ELSE
        WITH d AS (DELETE FROM carbon.step_energy s
                   WHERE s.job_start >= '1970-01-01' AND s.job_start < p_before
                   RETURNING s.cluster, s.job_id, s.job_start)
        SELECT count(*), count(DISTINCT (d.cluster, d.job_id, d.job_start)) INTO records, jobs FROM d;
    END IF;
    RETURN NEXT;
    step := step + 1;
    RAISE NOTICE 'carbon.prune: step % of %', step, steps;
    -- Jobs of unknown instance whose every record ended before p_before.
    what := format('records of jobs of unknown instance that ended before %s',
                   to_char(p_before, 'YYYY-MM-DD HH24:MI:SS"Z"'));
    SELECT coalesce(array_agg(k.cluster), '{}'), coalesce(array_agg(k.job_id), '{}')
        INTO unknown_cluster, unknown_job
    FROM (SELECT s.cluster, s.job_id FROM carbon.step_energy_unknown s
          GROUP BY s.cluster, s.job_id HAVING max(s.end_time) < p_before) k;
    jobs := cardinality(unknown_cluster);
    IF p_dry_run THEN
        SELECT count(*) INTO records FROM carbon.step_energy_unknown s
        WHERE (s.cluster, s.job_id) IN (SELECT * FROM unnest(unknown_cluster, unknown_job));
    ELSE
        WITH d AS (DELETE FROM carbon.step_energy s
                   WHERE s.job_start = '-infinity'
                         AND (s.cluster, s.job_id) IN (SELECT * FROM unnest(unknown_cluster, unknown_job))
                   RETURNING 1)
        SELECT count(*) INTO records FROM d;
    END IF;
    RETURN NEXT;
    step := step + 1;
    RAISE NOTICE 'carbon.prune: step % of %', step, steps;
    -- The rows derived of the pruned instances: their totals, hours and
    -- states.
    jobs := NULL;
    FOREACH tbl IN ARRAY ARRAY['job_total', 'job_hour', 'job_state'] LOOP
        what := format('carbon.%s rows of those job instances', tbl);
        pruned := format('FROM carbon.%I t'
                         ' WHERE (t.job_start >= ''1970-01-01'' AND t.job_start < %L)'
                         ' OR (t.job_start = ''-infinity'' AND (t.cluster, t.job_id)'
                         '     IN (SELECT * FROM unnest(%L::text[], %L::bigint[])))',
                         tbl, p_before, unknown_cluster, unknown_job);
        IF p_dry_run THEN
            EXECUTE 'SELECT count(*) ' || pruned INTO records;
        ELSE
            EXECUTE 'WITH d AS (DELETE ' || pruned || ' RETURNING 1) SELECT count(*) FROM d'
                INTO records;
        END IF;
        RETURN NEXT;
        step := step + 1;
        RAISE NOTICE 'carbon.prune: step % of %', step, steps;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION carbon.prune(timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carbon.prune(timestamptz, boolean) TO carbon_admin;
