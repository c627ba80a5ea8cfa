-- SPDX-License-Identifier: GPL-2.0-or-later
-- 009: a job's project and tag belong to all of its records. The extern step
-- runs without the job's options and environment, so its record carries
-- neither, yet it is the record that holds the job's share of the node
-- (003); without the label a project member's row-level security would hide
-- it, and the member would see the job without its energy. So a record
-- without a project (tag) takes the one of the job's records that has it
-- (the first by start time, as reports choose), and a record that brings one
-- gives it to the job's records without.

CREATE FUNCTION carbon.step_energy_take_labels()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF NEW.project IS NULL THEN
        SELECT s.project INTO NEW.project FROM carbon.step_energy s
        WHERE s.cluster = NEW.cluster AND s.job_id = NEW.job_id AND s.project IS NOT NULL
        ORDER BY s.start_time, s.step, s.node LIMIT 1;
    END IF;
    IF NEW.tag IS NULL THEN
        SELECT s.tag INTO NEW.tag FROM carbon.step_energy s
        WHERE s.cluster = NEW.cluster AND s.job_id = NEW.job_id AND s.tag IS NOT NULL
        ORDER BY s.start_time, s.step, s.node LIMIT 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER step_energy_take_labels BEFORE INSERT OR UPDATE OF project, tag
    ON carbon.step_energy FOR EACH ROW EXECUTE FUNCTION carbon.step_energy_take_labels();

CREATE FUNCTION carbon.step_energy_give_labels()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = carbon, pg_temp
AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;    -- the UPDATEs below fire this again
    END IF;
    UPDATE carbon.step_energy s SET project = n.project
    FROM (SELECT DISTINCT ON (cluster, job_id) cluster, job_id, project FROM new_rows
          WHERE project IS NOT NULL ORDER BY cluster, job_id, start_time, step, node) n
    WHERE s.cluster = n.cluster AND s.job_id = n.job_id AND s.project IS NULL;
    UPDATE carbon.step_energy s SET tag = n.tag
    FROM (SELECT DISTINCT ON (cluster, job_id) cluster, job_id, tag FROM new_rows
          WHERE tag IS NOT NULL ORDER BY cluster, job_id, start_time, step, node) n
    WHERE s.cluster = n.cluster AND s.job_id = n.job_id AND s.tag IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER step_energy_give_labels_insert AFTER INSERT ON carbon.step_energy
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION carbon.step_energy_give_labels();
CREATE TRIGGER step_energy_give_labels_update AFTER UPDATE ON carbon.step_energy
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION carbon.step_energy_give_labels();

REVOKE ALL ON FUNCTION carbon.step_energy_take_labels(), carbon.step_energy_give_labels()
    FROM PUBLIC;

-- The records stored before this migration.
UPDATE carbon.step_energy s SET project = j.project
FROM (SELECT DISTINCT ON (cluster, job_id) cluster, job_id, project FROM carbon.step_energy
      WHERE project IS NOT NULL ORDER BY cluster, job_id, start_time, step, node) j
WHERE s.cluster = j.cluster AND s.job_id = j.job_id AND s.project IS NULL;
UPDATE carbon.step_energy s SET tag = j.tag
FROM (SELECT DISTINCT ON (cluster, job_id) cluster, job_id, tag FROM carbon.step_energy
      WHERE tag IS NOT NULL ORDER BY cluster, job_id, start_time, step, node) j
WHERE s.cluster = j.cluster AND s.job_id = j.job_id AND s.tag IS NULL;
