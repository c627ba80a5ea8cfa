-- SPDX-License-Identifier: GPL-2.0-or-later
-- 021: the participants `carbon-report db sync-users` manages.
--
-- The roles it made or took over, so that it only ever touches those: a
-- role that leaves the source loses carbon_user, and stays (never dropped:
-- it may own imported runs, and its records keep its name). active is
-- false while it is out of the source.
CREATE TABLE carbon.participant_role (
    role_name  text        PRIMARY KEY,
    created    boolean     NOT NULL,    -- made by sync-users, else an existing
                                        -- login role it made a participant
    active     boolean     NOT NULL DEFAULT true,
    source     text        NOT NULL CHECK (source IN ('sacctmgr', 'csv')),
    changed_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON carbon.participant_role TO carbon_admin;

-- Memberships sync-users made: it adds and removes only these, and leaves
-- the ones an administrator inserted by hand (synced false) alone.
ALTER TABLE carbon.project_member ADD COLUMN synced boolean NOT NULL DEFAULT false;
