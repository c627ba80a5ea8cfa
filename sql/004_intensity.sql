-- SPDX-License-Identifier: GPL-2.0-or-later
-- 004: carbon intensity and the site model (issue 5; DESIGN §4 "Facility and
-- carbon"). Annual averages per place (loaded from data/ by db init), time
-- series imported by `carbon-report import intensity`, and PUE by period.
-- Reports compute carbon at query time from the stored energy, so loading
-- better data changes them; each result names the data it used.

-- Annual average grid intensity per place. zone: an ISO 3166-1 alpha-2
-- country code ("DE"), an Electricity Maps zone id ("US-CAL-CISO"), a cloud
-- region ("gcp:europe-west1") or "WORLD".
CREATE TABLE carbon.intensity_annual (
    zone      text    NOT NULL,
    kind      text    NOT NULL CHECK (kind IN ('country', 'zone', 'cloud', 'world')),
    year      integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    g_per_kwh float8  NOT NULL CHECK (g_per_kwh >= 0),
    dataset   text    NOT NULL,     -- who published it, e.g. "Ember (via co2.js)"
    licence   text,
    PRIMARY KEY (zone, year, dataset)
);

-- A time series for a zone: each row one interval [start_time, end_time).
CREATE TABLE carbon.intensity_series (
    zone        text        NOT NULL,
    start_time  timestamptz NOT NULL,
    end_time    timestamptz NOT NULL,
    g_per_kwh   float8      NOT NULL CHECK (g_per_kwh >= 0),
    signal      text        NOT NULL DEFAULT 'average' CHECK (signal IN ('average', 'marginal')),
    scope       text        NOT NULL DEFAULT 'lifecycle' CHECK (scope IN ('direct', 'lifecycle')),
    dataset     text        NOT NULL,   -- the imported file's name or the data's source
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (zone, start_time, signal, scope),
    CHECK (end_time > start_time)
);

-- A site's PUE by period (it changes with the seasons and with retrofits);
-- where no period covers an instant, carbon.conf's pue holds.
CREATE TABLE carbon.pue_period (
    cluster    text        NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz,             -- NULL: until further notice
    pue        float8      NOT NULL CHECK (pue >= 1.0 AND pue <= 5.0),
    note       text,
    PRIMARY KEY (cluster, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);

GRANT SELECT ON carbon.intensity_annual, carbon.intensity_series, carbon.pue_period
    TO carbon_user, carbon_admin;
GRANT INSERT, UPDATE, DELETE ON carbon.intensity_annual, carbon.intensity_series,
    carbon.pue_period TO carbon_admin;
