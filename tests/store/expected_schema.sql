CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL);
CREATE TABLE baselines (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,        -- JSON {hyperparameter name: value}
    objective REAL,
    round_id INTEGER REFERENCES rounds(id),
    trial_id INTEGER REFERENCES trials(id),
    note TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE commands (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    done_at REAL,
    result TEXT NOT NULL DEFAULT ''
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    verdict TEXT NOT NULL,
    rationale TEXT NOT NULL,
    candidate_trial_id INTEGER REFERENCES trials(id),
    baseline_id INTEGER REFERENCES baselines(id),
    evidence TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    old TEXT,                    -- NULL for the creation event
    new TEXT NOT NULL,
    at REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hyperparameters (
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,   -- declaration order in the study
    param_id TEXT NOT NULL,
    name TEXT NOT NULL,          -- passed to the command; may repeat across conditional ones
    type TEXT NOT NULL,
    role TEXT NOT NULL,
    low REAL,
    high REAL,
    "values" TEXT NOT NULL,      -- JSON list
    scale TEXT NOT NULL,
    value TEXT,                  -- JSON value of a fixed one, or NULL
    condition TEXT NOT NULL,     -- JSON list of {parent, values}
    PRIMARY KEY (study_id, param_id),
    UNIQUE (study_id, position)
);
CREATE TABLE ingest_offsets (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    source TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    cursor TEXT NOT NULL DEFAULT '',  -- the channel's whole read state (JSON), offset included
    updated_at REAL NOT NULL,
    PRIMARY KEY (trial_id, source)
) WITHOUT ROWID;
CREATE TABLE latest (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    name TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL,                  -- NULL means NaN
    wall_time REAL NOT NULL,
    PRIMARY KEY (trial_id, name)
) WITHOUT ROWID;
CREATE TABLE measurements (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    name TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL,                  -- NULL means NaN
    wall_time REAL NOT NULL,
    PRIMARY KEY (trial_id, name, step)
) WITHOUT ROWID;
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    goal TEXT NOT NULL,
    kind TEXT NOT NULL,
    phase TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    closed_at REAL
);
CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    name TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    trials INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    repeats INTEGER NOT NULL,
    seed_param TEXT NOT NULL,
    layout TEXT NOT NULL,
    objective TEXT,              -- JSON {metric, direction, aggregate} or NULL (project's)
    configs TEXT NOT NULL,       -- JSON list of {hyperparameter id: value}
    grid_steps INTEGER NOT NULL,
    reseed_of INTEGER REFERENCES studies(id),
    created_at REAL NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',
    UNIQUE (round_id, name)
);
CREATE TABLE trials (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    point INTEGER NOT NULL,      -- Trial.index: position in the study's point sequence
    repeat INTEGER NOT NULL,
    seed INTEGER,
    params TEXT NOT NULL,        -- JSON {hyperparameter id: value}, active ones only
    state TEXT NOT NULL,
    retry_of INTEGER REFERENCES trials(id),
    gpus TEXT NOT NULL DEFAULT '[]',
    pid INTEGER,
    pid_started REAL,
    argv TEXT NOT NULL DEFAULT '[]',
    env TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    exit_code INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    objective REAL
);
CREATE INDEX commands_pending ON commands (id) WHERE done_at IS NULL;
CREATE INDEX decisions_round ON decisions (round_id);
CREATE INDEX events_trial ON events (trial_id, id);
CREATE INDEX trials_state ON trials (state);
CREATE INDEX trials_study_state ON trials (study_id, state);
